-- The schema of newsvoice 0.1, made before migrations (tests upgrade a database like it).
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT UNIQUE,            -- the address it was submitted with: submitting it again edits it
    site TEXT,
    tags TEXT NOT NULL,         -- JSON array
    article TEXT NOT NULL,      -- the extracted Article, JSON
    created REAL NOT NULL,
    updated REAL NOT NULL,
    narrated REAL,              -- when its audio was last published; NULL until then
    duration REAL,
    findings TEXT               -- the pronunciation check, JSON
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created REAL NOT NULL,
    started REAL,
    finished REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_article ON jobs(article_id);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs(status);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(id UNINDEXED, title, body, tokenize='unicode61');
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,       -- the key's first characters, to tell keys apart in listings
    hash TEXT NOT NULL UNIQUE,  -- SHA-256 of the key; the key itself is never stored
    created REAL NOT NULL,
    revoked REAL
);
