-- previews (PostgreSQL edition of ../0005_previews.sql).

CREATE TABLE preview_cache (
    url_key    TEXT    PRIMARY KEY,
    ok         INTEGER NOT NULL CHECK (ok IN (0, 1)),
    article    TEXT,
    error      TEXT,
    fetched_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX preview_cache_expiry ON preview_cache (expires_at);

CREATE TABLE preview_guild_settings (
    guild_id    BIGINT  PRIMARY KEY,
    domain_mode TEXT    NOT NULL DEFAULT 'all' CHECK (domain_mode IN ('all', 'allowlist')),
    mood_poll   INTEGER NOT NULL DEFAULT 1 CHECK (mood_poll IN (0, 1)),
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE preview_domains (
    guild_id   BIGINT NOT NULL,
    domain     TEXT   NOT NULL,
    policy     TEXT   NOT NULL CHECK (policy IN ('allow', 'deny')),
    added_by   BIGINT NOT NULL,
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (guild_id, domain)
);

CREATE TABLE preview_posts (
    message_id        BIGINT PRIMARY KEY,
    guild_id          BIGINT,
    channel_id        BIGINT NOT NULL,
    source_message_id BIGINT,
    poster_id         BIGINT NOT NULL,
    url_key           TEXT   NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX preview_posts_source ON preview_posts (source_message_id);
