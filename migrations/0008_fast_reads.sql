-- Commands answer from indexes and kept totals instead of reading thousands of rows each time.

-- A poll's votes in the order they were cast (exports, counting) without sorting them.
CREATE INDEX poll_votes_in_order ON poll_votes (poll_id, vote_id);

-- A closed poll's final tally, counted once when it closes (its votes never change after
-- that): the votes per option as a JSON list, and how many fans voted. NULL until counted
-- (polls closed before this migration are counted the first time they are asked for).
ALTER TABLE polls ADD COLUMN result_counts TEXT;
ALTER TABLE polls ADD COLUMN result_voters INTEGER;

-- Trivia scores per guild, player and leaderboard period, kept by the answer writer in the
-- transaction that writes the answers. period: 'all-time' (period_start 0), 'month' (unix
-- start of the UTC month) or 'week' (unix start of the UTC week, Monday).
CREATE TABLE trivia_totals (
    guild_id     INTEGER NOT NULL,
    period       TEXT    NOT NULL CHECK (period IN ('all-time', 'month', 'week')),
    period_start INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    points       INTEGER NOT NULL,
    correct      INTEGER NOT NULL,
    answers      INTEGER NOT NULL,
    PRIMARY KEY (guild_id, period, period_start, user_id)
) WITHOUT ROWID;
-- The leaderboard is the first rows of this index.
CREATE INDEX trivia_totals_rank
    ON trivia_totals (guild_id, period, period_start, points DESC, correct DESC, user_id);

INSERT INTO trivia_totals (guild_id, period, period_start, user_id, points, correct, answers)
SELECT guild_id, 'all-time', 0, user_id, SUM(points), SUM(correct), COUNT(*)
FROM trivia_answers GROUP BY guild_id, user_id;
INSERT INTO trivia_totals (guild_id, period, period_start, user_id, points, correct, answers)
SELECT guild_id, 'month', start, user_id, SUM(points), SUM(correct), COUNT(*)
FROM (SELECT guild_id, user_id, points, correct,
             CAST(strftime('%s', answered_at, 'unixepoch', 'start of month') AS INTEGER) AS start
      FROM trivia_answers)
GROUP BY guild_id, start, user_id;
INSERT INTO trivia_totals (guild_id, period, period_start, user_id, points, correct, answers)
SELECT guild_id, 'week', start, user_id, SUM(points), SUM(correct), COUNT(*)
FROM (SELECT guild_id, user_id, points, correct,
             (answered_at / 86400 - (answered_at / 86400 + 3) % 7) * 86400 AS start
      FROM trivia_answers)
GROUP BY guild_id, start, user_id;

-- The leaderboard no longer reads answers by time; a player's stats read only this index.
DROP INDEX trivia_answers_guild_time;
DROP INDEX trivia_answers_guild_user;
CREATE INDEX trivia_answers_player
    ON trivia_answers (guild_id, user_id, game_id, correct, points, streak);
