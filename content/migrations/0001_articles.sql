-- Articles, their topics and an accent-insensitive full-text index.

CREATE TABLE articles (
    -- AUTOINCREMENT: ids are never reused after a deletion, because digests remember the highest
    -- article id a subscriber has already seen.
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    title        TEXT NOT NULL CHECK (length(title) > 0),
    body         TEXT NOT NULL,
    summary      TEXT NOT NULL,
    source       TEXT,
    url          TEXT UNIQUE,
    fingerprint  TEXT NOT NULL UNIQUE,
    published_on TEXT,                 -- ISO date (YYYY-MM-DD) when known
    added_at     TEXT NOT NULL,        -- ISO 8601 UTC timestamp
    added_by     TEXT NOT NULL,        -- "seed", "cli", "telegram:<user id>"
    -- The day lists are sorted by: publication day, or the day it was added.
    sort_day     TEXT NOT NULL GENERATED ALWAYS AS (coalesce(published_on, substr(added_at, 1, 10))) VIRTUAL
);

CREATE INDEX articles_by_recency ON articles (sort_day DESC, id DESC);

CREATE TABLE article_topics (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    topic      TEXT NOT NULL,
    mentions   INTEGER NOT NULL CHECK (mentions > 0),
    -- Copied from articles.sort_day (articles never change) so a topic page is one index range.
    sort_day   TEXT NOT NULL,
    PRIMARY KEY (article_id, topic)
) WITHOUT ROWID;

CREATE INDEX article_topics_by_recency ON article_topics (topic, sort_day DESC, article_id DESC);

CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, summary, body,
    content = 'articles', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary, body)
    VALUES (new.id, new.title, new.summary, new.body);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body)
    VALUES ('delete', old.id, old.title, old.summary, old.body);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary, body ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body)
    VALUES ('delete', old.id, old.title, old.summary, old.body);
    INSERT INTO articles_fts (rowid, title, summary, body)
    VALUES (new.id, new.title, new.summary, new.body);
END;
