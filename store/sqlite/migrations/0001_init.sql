-- Runs, their flashpoints, articles and clusters. Times are UTC text in the
-- fixed-width form 2006-01-02T15:04:05.000000Z; lists and timings are JSON
-- text; embeddings are little-endian float32 blobs. seq columns keep first
-- insertion order. Status values are checked in Go, not by CHECK
-- constraints, because changing a CHECK in SQLite means rebuilding the table.

CREATE TABLE runs (
    seq          INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    state        TEXT    NOT NULL,
    input        TEXT    NOT NULL DEFAULT '',
    flashpoints  INTEGER NOT NULL DEFAULT 0,
    articles     INTEGER NOT NULL DEFAULT 0,
    error        TEXT    NOT NULL DEFAULT '',
    started_at   TEXT    NOT NULL,
    finished_at  TEXT
);
CREATE INDEX runs_started_at ON runs (started_at);

CREATE TABLE flashpoints (
    seq          INTEGER PRIMARY KEY,
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    entities     TEXT NOT NULL DEFAULT '[]',
    domains      TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (run_id, id)
);

CREATE TABLE articles (
    seq                  INTEGER PRIMARY KEY,
    run_id               TEXT    NOT NULL,
    flashpoint_id        TEXT    NOT NULL,
    url                  TEXT    NOT NULL,
    feed_id              TEXT    NOT NULL DEFAULT '',
    title                TEXT    NOT NULL DEFAULT '',
    seendate             TEXT    NOT NULL DEFAULT '',
    domain               TEXT    NOT NULL DEFAULT '',
    language             TEXT    NOT NULL DEFAULT '',
    sourcecountry        TEXT    NOT NULL DEFAULT '',
    description          TEXT    NOT NULL DEFAULT '',
    image                TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL,
    error                TEXT    NOT NULL DEFAULT '',
    resolved_by          TEXT    NOT NULL DEFAULT '',
    final_url            TEXT    NOT NULL DEFAULT '',
    detected_language    TEXT    NOT NULL DEFAULT '',
    language_confidence  REAL    NOT NULL DEFAULT 0,
    raw_text             TEXT    NOT NULL DEFAULT '',
    raw_text_en          TEXT    NOT NULL DEFAULT '',
    translated           INTEGER NOT NULL DEFAULT 0,
    compressed_text      TEXT    NOT NULL DEFAULT '',
    processed_text       TEXT    NOT NULL DEFAULT '',
    summary              TEXT    NOT NULL DEFAULT '',
    embedding            BLOB,
    cluster_id           INTEGER NOT NULL DEFAULT -1,
    timings              TEXT,
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL,
    UNIQUE (run_id, flashpoint_id, url),
    FOREIGN KEY (run_id, flashpoint_id) REFERENCES flashpoints (run_id, id) ON DELETE CASCADE
);
CREATE INDEX articles_run_status ON articles (run_id, status);

CREATE TABLE clusters (
    seq            INTEGER PRIMARY KEY,
    run_id         TEXT    NOT NULL,
    flashpoint_id  TEXT    NOT NULL,
    cluster_id     INTEGER NOT NULL,
    summary        TEXT    NOT NULL DEFAULT '',
    article_count  INTEGER NOT NULL DEFAULT 0,
    top_domains    TEXT    NOT NULL DEFAULT '[]',
    languages      TEXT    NOT NULL DEFAULT '[]',
    urls           TEXT    NOT NULL DEFAULT '[]',
    images         TEXT    NOT NULL DEFAULT '[]',
    created_at     TEXT    NOT NULL,
    UNIQUE (run_id, flashpoint_id, cluster_id),
    FOREIGN KEY (run_id, flashpoint_id) REFERENCES flashpoints (run_id, id) ON DELETE CASCADE
);
