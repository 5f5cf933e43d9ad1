-- Cairn schema version 1: the owner, sessions, setup links and API tokens.
--
-- Conventions for every migration:
--   * times are INTEGER unix milliseconds, UTC;
--   * secrets (session ids, setup tokens, API tokens) are stored only as
--     SHA-256 hex digests, never in plain;
--   * migrations are forward-only: never edit a released file, add a new one.

-- The one owner of this instance. id is always 1.
CREATE TABLE owner (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    name          TEXT    NOT NULL DEFAULT '',
    photo         TEXT    NOT NULL DEFAULT '',  -- URL or /media/... path
    bio           TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL DEFAULT '',  -- PHC string, argon2id; '' until set up
    updated_at    INTEGER NOT NULL
);

-- One-time links that let the owner choose a password on a fresh instance.
CREATE TABLE setup_tokens (
    token_hash TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

-- Owner browser sessions. csrf_token is the synchronizer token of the
-- session's forms (random, not secret from the owner's own pages).
CREATE TABLE sessions (
    id_hash    TEXT    PRIMARY KEY,
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    user_agent TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Bearer tokens for /api/*: `cairn token create NAME` prints a token once.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

INSERT INTO owner (id, updated_at) VALUES (1, CAST(unixepoch('subsec') * 1000 AS INTEGER));
