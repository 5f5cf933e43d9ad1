-- Cairn schema version 2: the owner's public identity (rel=me links and the
-- identities badges are matched against) and the durable job queue.

-- rel=me links shown on the owner's h-card, in display order.
CREATE TABLE owner_links (
    id       INTEGER PRIMARY KEY,
    url      TEXT    NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0
);

-- Identities used to match badge recipients: 'mailto:a@b.example' or
-- 'https://site.example/'. Stored normalised (lower-case email).
CREATE TABLE identities (
    id         INTEGER PRIMARY KEY,
    value      TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- Durable jobs. state: queued (waiting for run_at), running (claimed by a
-- worker until locked_until), failed (gave up after max_attempts or a
-- permanent error; shown to the owner with a retry button). Jobs that
-- succeed are deleted.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL DEFAULT '{}',
    state        TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'failed')),
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 8,
    last_error   TEXT    NOT NULL DEFAULT '',
    locked_until INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_at);
