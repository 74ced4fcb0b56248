-- airtime: a guild's dramas, their schedule exceptions, and the announcement ledger.
-- Slots and dates are KST (the schedule's own zone); instants are INTEGER unix seconds (UTC).

CREATE TABLE airtime_dramas (
    drama_id            INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL,
    title               TEXT    NOT NULL,
    title_key           TEXT    NOT NULL,             -- casefolded title, for uniqueness
    aliases             TEXT    NOT NULL DEFAULT '',  -- newline-separated
    network             TEXT    NOT NULL,
    slots               TEXT    NOT NULL,             -- "2@21:30,3@21:30" (weekday@HH:MM KST)
    premiere            TEXT    NOT NULL,             -- KST date YYYY-MM-DD
    episodes            INTEGER NOT NULL CHECK (episodes BETWEEN 1 AND 300),
    runtime_min         INTEGER NOT NULL CHECK (runtime_min BETWEEN 1 AND 300),
    streaming           TEXT,
    streaming_delay_min INTEGER,
    catalog_key         TEXT,
    channel_id          INTEGER,                      -- announcements (NULL: off)
    role_id             INTEGER,                      -- the one role announcements ping
    remind              TEXT    NOT NULL DEFAULT '30',-- lead minutes, "60,10"; '' = none
    announce_since      INTEGER,                      -- set by /drama announce: owed from here
    created_by          INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    UNIQUE (guild_id, title_key)
);

CREATE INDEX airtime_dramas_guild ON airtime_dramas (guild_id);

-- Pre-empted dates (skip), moved episodes (move) and specials (special).
CREATE TABLE airtime_exceptions (
    exception_id INTEGER PRIMARY KEY,
    drama_id     INTEGER NOT NULL REFERENCES airtime_dramas (drama_id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('skip', 'move', 'special')),
    day          TEXT,            -- skip: KST date
    episode      INTEGER,         -- move: episode number
    at           INTEGER,         -- move/special: new instant
    label        TEXT    NOT NULL DEFAULT '',  -- special title or skip reason
    created_at   INTEGER NOT NULL
);

CREATE INDEX airtime_exceptions_drama ON airtime_exceptions (drama_id);
CREATE UNIQUE INDEX airtime_exceptions_skip ON airtime_exceptions (drama_id, day)
    WHERE kind = 'skip';
CREATE UNIQUE INDEX airtime_exceptions_move ON airtime_exceptions (drama_id, episode)
    WHERE kind = 'move';

-- The idempotency ledger: one row per (guild, drama, episode, kind), claimed BEFORE sending.
-- state: claimed (send in flight or outcome unknown), sent, skipped (too late), failed
-- (Discord refused: channel gone / no permission), uncertain (claimed before a crash and
-- the channel could not be checked: never re-sent).
CREATE TABLE airtime_announcements (
    guild_id    INTEGER NOT NULL,
    drama_id    INTEGER NOT NULL REFERENCES airtime_dramas (drama_id) ON DELETE CASCADE,
    episode_key TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    state       TEXT    NOT NULL
        CHECK (state IN ('claimed', 'sent', 'skipped', 'failed', 'uncertain')),
    channel_id  INTEGER,
    message_id  INTEGER,
    claimed_at  INTEGER NOT NULL,
    done_at     INTEGER,
    PRIMARY KEY (guild_id, drama_id, episode_key, kind)
);

CREATE INDEX airtime_announcements_recent ON airtime_announcements (claimed_at);
CREATE INDEX airtime_announcements_drama ON airtime_announcements (drama_id);
