-- trivia: packs uploaded by moderators, per-guild pack switches, games and every answer.

-- A moderator-uploaded pack; `source` is the validated YAML as uploaded. Listing a pack reads
-- only these columns (never re-parses `source`).
CREATE TABLE trivia_packs (
    guild_id       INTEGER NOT NULL,
    name_key       TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    drama          TEXT,
    question_count INTEGER NOT NULL,
    source         TEXT    NOT NULL,
    uploaded_by    INTEGER NOT NULL,
    uploaded_at    INTEGER NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (guild_id, name_key)
);

-- Packs (shipped or uploaded) a moderator switched off for the guild.
CREATE TABLE trivia_disabled_packs (
    guild_id    INTEGER NOT NULL,
    name_key    TEXT    NOT NULL,
    disabled_by INTEGER NOT NULL,
    disabled_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, name_key)
);

-- One row per game. `plan` is JSON: per question its pack index, the shuffled choices and the
-- index of the right one (kept server-side only). At most one running game per channel.
CREATE TABLE trivia_games (
    game_id        INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    starter_id     INTEGER NOT NULL,
    pack_key       TEXT    NOT NULL,
    pack_name      TEXT    NOT NULL,
    mode           TEXT    NOT NULL CHECK (mode IN ('buttons', 'typed')),
    seconds        INTEGER NOT NULL,
    question_count INTEGER NOT NULL,
    plan           TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('running', 'finished', 'stopped', 'interrupted')),
    current_index  INTEGER NOT NULL DEFAULT 0,
    started_at     INTEGER NOT NULL,
    ended_at       INTEGER
);
CREATE UNIQUE INDEX trivia_games_one_running ON trivia_games (channel_id) WHERE status = 'running';
CREATE INDEX trivia_games_status ON trivia_games (status);

-- Every answer, written the moment it is given (typed retries update the same row).
CREATE TABLE trivia_answers (
    game_id        INTEGER NOT NULL REFERENCES trivia_games (game_id) ON DELETE CASCADE,
    question_index INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    guild_id       INTEGER NOT NULL,
    choice_index   INTEGER,
    correct        INTEGER NOT NULL CHECK (correct IN (0, 1)),
    tries          INTEGER NOT NULL,
    points         INTEGER NOT NULL,
    streak         INTEGER NOT NULL,
    elapsed_ms     INTEGER NOT NULL,
    answered_at    INTEGER NOT NULL,
    PRIMARY KEY (game_id, question_index, user_id)
);
CREATE INDEX trivia_answers_guild_time ON trivia_answers (guild_id, answered_at);
CREATE INDEX trivia_answers_guild_user ON trivia_answers (guild_id, user_id);
