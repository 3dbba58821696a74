"""The article store's schema: its numbered upgrades (see ``storage.sqlite.schema``)."""

from __future__ import annotations

from storage.schema import StoreSchema, Upgrade

SCHEMA = StoreSchema(
    "articles",
    (
        Upgrade(
            1,
            "articles, their topics and an accent-insensitive full-text index",
            """
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
    sort_day     TEXT NOT NULL
                 GENERATED ALWAYS AS (coalesce(published_on, substr(added_at, 1, 10))) VIRTUAL
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
""",
        ),
        Upgrade(
            2,
            "topic counts kept by triggers: /sujets and every topic page show them, and "
            "counting article_topics on each request grows with the store",
            """
CREATE TABLE topic_counts (
    topic    TEXT PRIMARY KEY,
    articles INTEGER NOT NULL CHECK (articles >= 0)
) WITHOUT ROWID;

INSERT INTO topic_counts (topic, articles)
SELECT topic, count(*) FROM article_topics GROUP BY topic;

CREATE TRIGGER article_topics_count_insert AFTER INSERT ON article_topics BEGIN
    INSERT INTO topic_counts (topic, articles) VALUES (new.topic, 1)
    ON CONFLICT (topic) DO UPDATE SET articles = articles + 1;
END;

-- Also fired by the ON DELETE CASCADE from articles.
CREATE TRIGGER article_topics_count_delete AFTER DELETE ON article_topics BEGIN
    UPDATE topic_counts SET articles = articles - 1 WHERE topic = old.topic;
END;
""",
        ),
        Upgrade(
            3,
            "stories: articles about one event share a story_id, and only its lead (the most "
            "complete article) is listed on topic pages, counted and put in digests",
            """
ALTER TABLE articles ADD COLUMN story_id INTEGER;
UPDATE articles SET story_id = id;
CREATE INDEX articles_by_story ON articles (story_id);
-- An article stored without a story starts its own, in the statement that stores it.
CREATE TRIGGER articles_own_story AFTER INSERT ON articles WHEN new.story_id IS NULL
BEGIN
    UPDATE articles SET story_id = new.id WHERE id = new.id;
END;
-- 1 for the article a story is shown by (its most complete); « latest » pages read only those.
ALTER TABLE articles ADD COLUMN lead INTEGER NOT NULL DEFAULT 1 CHECK (lead IN (0, 1));
CREATE INDEX articles_leads_by_recency ON articles (lead, sort_day DESC, id DESC);

-- Copied into article_topics, like sort_day, so a topic page is still one index range.
ALTER TABLE article_topics ADD COLUMN lead INTEGER NOT NULL DEFAULT 1 CHECK (lead IN (0, 1));
DROP INDEX article_topics_by_recency;
CREATE INDEX article_topics_by_recency
    ON article_topics (topic, lead, sort_day DESC, article_id DESC);

-- Topic counts count stories (their leads), as the topic pages list them.
DROP TRIGGER article_topics_count_insert;
CREATE TRIGGER article_topics_count_insert AFTER INSERT ON article_topics WHEN new.lead = 1
BEGIN
    INSERT INTO topic_counts (topic, articles) VALUES (new.topic, 1)
    ON CONFLICT (topic) DO UPDATE SET articles = articles + 1;
END;

DROP TRIGGER article_topics_count_delete;
CREATE TRIGGER article_topics_count_delete AFTER DELETE ON article_topics WHEN old.lead = 1
BEGIN
    UPDATE topic_counts SET articles = articles - 1 WHERE topic = old.topic;
END;

CREATE TRIGGER article_topics_count_lead AFTER UPDATE OF lead ON article_topics
WHEN new.lead != old.lead
BEGIN
    INSERT INTO topic_counts (topic, articles) VALUES (new.topic, new.lead)
    ON CONFLICT (topic) DO UPDATE
    SET articles = articles + (CASE WHEN new.lead = 1 THEN 1 ELSE -1 END);
END;

-- Index keys of articles' texts (content.stories.story_keys): they find the few recent
-- articles a new one may repeat, among thousands. No index by article: sixteen more index
-- entries per article stored cost ingestion a tenth of its speed, and only the rare deletion
-- or edit of an article looks its keys up that way.
CREATE TABLE story_keys (
    key        INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
""",
        ),
    ),
)
