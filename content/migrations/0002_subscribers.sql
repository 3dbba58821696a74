-- Subscribers (one per Telegram chat), their topics, broadcasts and the delivery ledger.

CREATE TABLE subscribers (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL UNIQUE,   -- changes when a group migrates to a supergroup
    chat_type        TEXT NOT NULL DEFAULT 'private',
    -- 0 once Telegram says the chat is unreachable (bot blocked, user deactivated, bot kicked,
    -- chat not found); /start makes it 1 again.
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    inactive_reason  TEXT,
    all_topics       INTEGER NOT NULL DEFAULT 0 CHECK (all_topics IN (0, 1)),
    delivery_time    TEXT NOT NULL,             -- local wall-clock time "HH:MM"
    timezone         TEXT NOT NULL,             -- IANA name
    -- When the current subscription began (UTC). A digest whose local hour passed before that
    -- instant is not owed: a reader who subscribes at 10:00 for 07:00 starts tomorrow.
    subscribed_since TEXT,
    -- Highest article id covered by the last digest sent (or found empty); NULL before the first.
    digest_watermark INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE subscriber_topics (
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    topic         TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, topic)
) WITHOUT ROWID;

CREATE TABLE broadcasts (
    id         INTEGER PRIMARY KEY,
    html       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The ledger that makes delivery exactly-once: one row per (subscriber, edition), inserted before
-- the first message leaves and marked sent only after Telegram confirmed every part.
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('digest', 'broadcast')),
    edition       TEXT NOT NULL,        -- digest: subscriber's local date; broadcast: its id
    status        TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'empty', 'failed')),
    article_ids   TEXT NOT NULL DEFAULT '[]',   -- JSON list: what the digest contains
    watermark     INTEGER,                      -- digest: highest article id considered
    parts_sent    INTEGER NOT NULL DEFAULT 0,   -- messages of this delivery Telegram confirmed
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    sent_at       TEXT,
    UNIQUE (subscriber_id, kind, edition)
);

CREATE INDEX deliveries_by_edition ON deliveries (kind, edition);
CREATE INDEX deliveries_pending ON deliveries (status) WHERE status = 'pending';

-- A digest that reached the reader (or had nothing new) moves the reader's watermark, in the same
-- statement that closes the row: the two can never disagree, even across a crash.
CREATE TRIGGER deliveries_watermark_on_close AFTER UPDATE OF status ON deliveries
WHEN new.kind = 'digest' AND new.status = 'sent' AND new.watermark IS NOT NULL
BEGIN
    UPDATE subscribers SET digest_watermark = max(coalesce(digest_watermark, 0), new.watermark)
    WHERE id = new.subscriber_id;
END;

CREATE TRIGGER deliveries_watermark_on_empty AFTER INSERT ON deliveries
WHEN new.kind = 'digest' AND new.status = 'empty' AND new.watermark IS NOT NULL
BEGIN
    UPDATE subscribers SET digest_watermark = max(coalesce(digest_watermark, 0), new.watermark)
    WHERE id = new.subscriber_id;
END;
