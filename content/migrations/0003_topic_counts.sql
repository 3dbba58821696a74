-- How many articles each topic has, kept by triggers: /sujets and every topic page show these
-- counts, and counting article_topics on each request grows with the store (0.5 ms of index scan
-- at 21,000 articles, on every /russie).

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
