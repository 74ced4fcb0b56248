-- Core tables (PostgreSQL edition of ../0001_initial.sql: same tables, columns and keys).
-- Instants are BIGINT unix seconds (UTC); Discord ids are BIGINT.

CREATE TABLE guild_settings (
    guild_id            BIGINT PRIMARY KEY,
    announce_channel_id BIGINT,
    mod_role_id         BIGINT,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE channel_features (
    guild_id   BIGINT  NOT NULL,
    channel_id BIGINT  NOT NULL,
    feature    TEXT    NOT NULL,
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, channel_id, feature)
);

CREATE TABLE guild_problems (
    guild_id    BIGINT NOT NULL,
    feature     TEXT   NOT NULL,
    problem_key TEXT   NOT NULL,
    message     TEXT   NOT NULL,
    first_seen  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    PRIMARY KEY (guild_id, feature, problem_key)
);

CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
