-- PostgreSQL edition of ../0009_airtime_imports.sql.

ALTER TABLE airtime_dramas ADD COLUMN tvmaze_id BIGINT;
CREATE UNIQUE INDEX airtime_dramas_tvmaze ON airtime_dramas (guild_id, tvmaze_id)
    WHERE tvmaze_id IS NOT NULL;

ALTER TABLE airtime_exceptions ADD COLUMN tvmaze_episode_id BIGINT;

CREATE TABLE airtime_imports (
    drama_id      BIGINT  PRIMARY KEY REFERENCES airtime_dramas (drama_id) ON DELETE CASCADE,
    guild_id      BIGINT  NOT NULL,
    release_time  TEXT,
    snapshot      TEXT    NOT NULL,
    checked_at    BIGINT  NOT NULL,
    next_check_at BIGINT,
    failures      INTEGER NOT NULL DEFAULT 0,
    failing_since BIGINT,
    overridden_at BIGINT,
    created_at    BIGINT  NOT NULL
);

CREATE INDEX airtime_imports_due ON airtime_imports (next_check_at)
    WHERE next_check_at IS NOT NULL;
CREATE INDEX airtime_imports_guild ON airtime_imports (guild_id);

CREATE TABLE airtime_import_overrides (
    drama_id     BIGINT  NOT NULL REFERENCES airtime_dramas (drama_id) ON DELETE CASCADE,
    override_key TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (drama_id, override_key)
);
