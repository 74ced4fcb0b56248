-- airtime: dramas imported from TVmaze, and what keeps them following TVmaze's changes.
-- Instants are INTEGER unix seconds (UTC).

-- The TVmaze show a drama was imported from (NULL: added by hand). One import per show
-- and server.
ALTER TABLE airtime_dramas ADD COLUMN tvmaze_id INTEGER;
CREATE UNIQUE INDEX airtime_dramas_tvmaze ON airtime_dramas (guild_id, tvmaze_id)
    WHERE tvmaze_id IS NOT NULL;

-- The TVmaze episode an imported special stands for (NULL: a special added by hand).
ALTER TABLE airtime_exceptions ADD COLUMN tvmaze_episode_id INTEGER;

-- One row per imported drama: the last import applied (to see what TVmaze changed since)
-- and when to check again. A check that fails is retried later; `failing_since` is the
-- first failure since the last success (moderators are told when it keeps failing).
CREATE TABLE airtime_imports (
    drama_id      INTEGER PRIMARY KEY REFERENCES airtime_dramas (drama_id) ON DELETE CASCADE,
    guild_id      INTEGER NOT NULL,
    release_time  TEXT,                        -- 'HH:MM' KST for shows TVmaze gives no time
    snapshot      TEXT    NOT NULL,            -- JSON of the last import applied
    checked_at    INTEGER NOT NULL,            -- last successful check
    next_check_at INTEGER,                     -- NULL: no longer followed (it has ended)
    failures      INTEGER NOT NULL DEFAULT 0,  -- failed checks since the last success
    failing_since INTEGER,
    overridden_at INTEGER,                     -- a moderator's last change of its schedule
    created_at    INTEGER NOT NULL
);

CREATE INDEX airtime_imports_due ON airtime_imports (next_check_at)
    WHERE next_check_at IS NOT NULL;
CREATE INDEX airtime_imports_guild ON airtime_imports (guild_id);

-- What a moderator changed by hand on an imported drama ('title', 'slots', 'skip:2018-06-20',
-- 'move:9', ...): later imports leave those alone.
CREATE TABLE airtime_import_overrides (
    drama_id     INTEGER NOT NULL REFERENCES airtime_dramas (drama_id) ON DELETE CASCADE,
    override_key TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (drama_id, override_key)
);
