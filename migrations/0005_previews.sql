-- previews: article link previews (cache, per-guild policy, posted previews).
-- Instants are INTEGER unix seconds (UTC).

-- Fetched article metadata by normalised URL; failures are cached too, for less time.
CREATE TABLE preview_cache (
    url_key    TEXT    PRIMARY KEY,
    ok         INTEGER NOT NULL CHECK (ok IN (0, 1)),
    article    TEXT,               -- JSON of the Article when ok = 1
    error      TEXT,               -- the sentence shown to the user when ok = 0
    fetched_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX preview_cache_expiry ON preview_cache (expires_at);

-- One row per guild that changed a default (domain mode 'all', mood poll on).
CREATE TABLE preview_guild_settings (
    guild_id    INTEGER PRIMARY KEY,
    domain_mode TEXT    NOT NULL DEFAULT 'all' CHECK (domain_mode IN ('all', 'allowlist')),
    mood_poll   INTEGER NOT NULL DEFAULT 1 CHECK (mood_poll IN (0, 1)),
    updated_at  INTEGER NOT NULL
);

-- Moderators' allow and deny lists; a domain also covers its subdomains.
CREATE TABLE preview_domains (
    guild_id   INTEGER NOT NULL,
    domain     TEXT    NOT NULL,
    policy     TEXT    NOT NULL CHECK (policy IN ('allow', 'deny')),
    added_by   INTEGER NOT NULL,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, domain)
);

-- Previews the bot posted, so a message is previewed once and removals are recorded.
CREATE TABLE preview_posts (
    message_id        INTEGER PRIMARY KEY,
    guild_id          INTEGER,
    channel_id        INTEGER NOT NULL,
    source_message_id INTEGER,
    poster_id         INTEGER NOT NULL,
    url_key           TEXT    NOT NULL,
    created_at        INTEGER NOT NULL
);
CREATE INDEX preview_posts_source ON preview_posts (source_message_id);
