-- PostgreSQL edition of ../0008_fast_reads.sql.

CREATE INDEX poll_votes_in_order ON poll_votes (poll_id, vote_id);

ALTER TABLE polls ADD COLUMN result_counts TEXT;
ALTER TABLE polls ADD COLUMN result_voters INTEGER;

CREATE TABLE trivia_totals (
    guild_id     BIGINT  NOT NULL,
    period       TEXT    NOT NULL CHECK (period IN ('all-time', 'month', 'week')),
    period_start BIGINT  NOT NULL,
    user_id      BIGINT  NOT NULL,
    points       BIGINT  NOT NULL,
    correct      BIGINT  NOT NULL,
    answers      BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, period, period_start, user_id)
);
CREATE INDEX trivia_totals_rank
    ON trivia_totals (guild_id, period, period_start, points DESC, correct DESC, user_id);

INSERT INTO trivia_totals (guild_id, period, period_start, user_id, points, correct, answers)
SELECT guild_id, 'all-time', 0, user_id, SUM(points), SUM(correct), COUNT(*)
FROM trivia_answers GROUP BY guild_id, user_id;
INSERT INTO trivia_totals (guild_id, period, period_start, user_id, points, correct, answers)
SELECT guild_id, 'month', start, user_id, SUM(points), SUM(correct), COUNT(*)
FROM (SELECT guild_id, user_id, points, correct,
             EXTRACT(EPOCH FROM date_trunc('month', to_timestamp(answered_at) AT TIME ZONE 'UTC'))::BIGINT AS start
      FROM trivia_answers) AS dated
GROUP BY guild_id, start, user_id;
INSERT INTO trivia_totals (guild_id, period, period_start, user_id, points, correct, answers)
SELECT guild_id, 'week', start, user_id, SUM(points), SUM(correct), COUNT(*)
FROM (SELECT guild_id, user_id, points, correct,
             (answered_at / 86400 - (answered_at / 86400 + 3) % 7) * 86400 AS start
      FROM trivia_answers) AS dated
GROUP BY guild_id, start, user_id;

DROP INDEX trivia_answers_guild_time;
DROP INDEX trivia_answers_guild_user;
CREATE INDEX trivia_answers_player
    ON trivia_answers (guild_id, user_id, game_id, correct, points, streak);
