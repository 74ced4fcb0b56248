-- The outbox: what the bot owes a channel (a trivia game's "interrupted" notice, an airtime
-- announcement sent late after a restart), written in the same transaction as the decision
-- that owes it, then delivered once: claimed before the send, marked after it. A row a run
-- left claimed (it died mid-send) is settled by looking for the message in the channel first.
-- state: pending, claimed (send in flight or outcome unknown), sent, failed (Discord refused:
-- channel gone, no permission), uncertain (claimed, and the channel could not be checked:
-- never re-sent, like the announcement ledger).
-- An airtime announcement handed to the outbox has its ledger row (airtime_announcements)
-- 'sent' with no message_id until the outbox delivered it (or 'failed' if Discord refused).

CREATE TABLE outbox (
    notice_id  INTEGER PRIMARY KEY,
    feature    TEXT    NOT NULL,           -- whose courier delivers it ('trivia', 'airtime')
    notice_key TEXT    NOT NULL UNIQUE,    -- one row per fact owed, e.g. 'trivia:interrupted:12'
    guild_id   INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    content    TEXT    NOT NULL,
    payload    TEXT    NOT NULL DEFAULT '{}',  -- JSON the feature's courier needs (a role to ping)
    state      TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'claimed', 'sent', 'failed', 'uncertain')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    claimed_at INTEGER,
    done_at    INTEGER,
    message_id INTEGER
);

CREATE INDEX outbox_open ON outbox (state, notice_id);
