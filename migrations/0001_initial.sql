-- Core tables: moderator configuration and the problems the bot reports back to moderators.
-- Instants are stored as INTEGER unix seconds (UTC) throughout the schema.

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    announce_channel_id INTEGER,
    mod_role_id         INTEGER,
    updated_at          INTEGER NOT NULL
);

-- Per-channel feature switches; a missing row means the feature's default.
CREATE TABLE channel_features (
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    feature    TEXT    NOT NULL,
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, channel_id, feature)
);

-- Things a moderator must fix (a deleted channel, a missing permission), shown in
-- /config show and by the feature's own moderator commands until cleared.
CREATE TABLE guild_problems (
    guild_id    INTEGER NOT NULL,
    feature     TEXT    NOT NULL,
    problem_key TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, feature, problem_key)
);

-- Small facts the core keeps between runs (e.g. the hash of the last command sync, so an
-- unchanged command tree is not re-uploaded on every start).
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
