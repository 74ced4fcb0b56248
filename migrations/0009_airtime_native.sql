-- Discord-native airtime: a drama's next episodes as Guild Scheduled Events, and one
-- discussion thread (or forum post) per episode, opened at air time.
-- Instants are INTEGER unix seconds (UTC), as in 0002_airtime.sql.

-- A drama with scheduled events on: how many upcoming episodes appear as events.
CREATE TABLE airtime_event_settings (
    drama_id   INTEGER PRIMARY KEY REFERENCES airtime_dramas (drama_id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    count      INTEGER NOT NULL CHECK (count BETWEEN 1 AND 100),
    created_at INTEGER NOT NULL
);

CREATE INDEX airtime_event_settings_guild ON airtime_event_settings (guild_id);

-- The scheduled events the bot made, one per drama and episode: the row is claimed BEFORE
-- the event is created, so a restart never makes a second one (a claim a crash left is
-- settled by looking the event up by its name and start).
-- state: claimed (create in flight or outcome unknown), open (the event exists, as below),
-- gone (a person deleted it in Discord: left deleted until a moderator turns events on
-- again), dropping (its drama was removed: the event is deleted, then the row).
-- No foreign key to the drama: a removed drama's rows outlive it until its events are gone.
CREATE TABLE airtime_events (
    row_id      INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    drama_id    INTEGER NOT NULL,
    episode_key TEXT    NOT NULL,             -- '9', or 'sp3' for a special
    state       TEXT    NOT NULL CHECK (state IN ('claimed', 'open', 'gone', 'dropping')),
    event_id    INTEGER,                      -- Discord's id, once created
    name        TEXT    NOT NULL,             -- the event as last sent to Discord
    description TEXT    NOT NULL,
    location    TEXT    NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    claimed_at  INTEGER NOT NULL
);

CREATE UNIQUE INDEX airtime_events_episode ON airtime_events (drama_id, episode_key)
    WHERE state <> 'dropping';
CREATE INDEX airtime_events_guild ON airtime_events (guild_id);

-- A drama with episode threads on: where they open and when they archive.
CREATE TABLE airtime_thread_settings (
    drama_id    INTEGER PRIMARY KEY REFERENCES airtime_dramas (drama_id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,             -- a text channel or a forum
    forum       INTEGER NOT NULL DEFAULT 0 CHECK (forum IN (0, 1)),
    tag_id      INTEGER,                      -- the forum tag named like the drama, if any
    archive_min INTEGER NOT NULL CHECK (archive_min IN (60, 1440, 4320, 10080)),
    since       INTEGER NOT NULL              -- threads are owed for broadcasts from here on
);

CREATE INDEX airtime_thread_settings_guild ON airtime_thread_settings (guild_id);

-- One discussion thread per drama and episode, claimed before it is created, like the
-- announcement ledger. state: claimed (create in flight or outcome unknown), open, failed
-- (Discord refused: no permission, channel gone), skipped (its broadcast ended before it
-- could open), uncertain (a crash's claim whose thread could not be looked up: never
-- opened twice).
CREATE TABLE airtime_threads (
    guild_id    INTEGER NOT NULL,
    drama_id    INTEGER NOT NULL REFERENCES airtime_dramas (drama_id) ON DELETE CASCADE,
    episode_key TEXT    NOT NULL,
    state       TEXT    NOT NULL
        CHECK (state IN ('claimed', 'open', 'failed', 'skipped', 'uncertain')),
    channel_id  INTEGER NOT NULL,             -- the text channel or forum it opens in
    thread_id   INTEGER,
    name        TEXT    NOT NULL,             -- a claim is found again by its name
    claimed_at  INTEGER NOT NULL,
    PRIMARY KEY (drama_id, episode_key)
);

CREATE INDEX airtime_threads_guild ON airtime_threads (guild_id);
