-- Reaction polls. A vote row per (poll, voter, option) mirrors one reaction (or button
-- choice), so add and remove events are idempotent; `vote_id` grows with every (re)add and
-- orders a voter's choices, which is how single-choice polls count only the latest.

CREATE TABLE polls (
    poll_id      INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    message_id   INTEGER UNIQUE,          -- NULL only while the poll is being posted
    author_id    INTEGER NOT NULL,
    question     TEXT    NOT NULL,
    multi        INTEGER NOT NULL CHECK (multi IN (0, 1)),
    anonymous    INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    created_at   INTEGER NOT NULL,
    ends_at      INTEGER,                 -- NULL: open until someone closes it
    closed_at    INTEGER,                 -- NULL while open
    close_reason TEXT,
    closed_by    INTEGER,                 -- who closed it early (NULL: deadline, deletion)
    results_pending INTEGER NOT NULL DEFAULT 0  -- 1: closed, results not yet on Discord
);

CREATE INDEX polls_open_by_guild ON polls (guild_id, poll_id) WHERE closed_at IS NULL;
CREATE INDEX polls_by_channel ON polls (channel_id) WHERE closed_at IS NULL;

CREATE TABLE poll_options (
    poll_id   INTEGER NOT NULL REFERENCES polls (poll_id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position BETWEEN 0 AND 19),
    emoji     TEXT    NOT NULL,
    label     TEXT    NOT NULL,
    PRIMARY KEY (poll_id, position)
) WITHOUT ROWID;

CREATE TABLE poll_votes (
    vote_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    poll_id   INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    voted_at  INTEGER NOT NULL,
    UNIQUE (poll_id, user_id, position),
    FOREIGN KEY (poll_id, position) REFERENCES poll_options (poll_id, position) ON DELETE CASCADE
);
