-- Cairn schema version 10: skill profiles and their share links (issue 8).
-- A profile is a named selection of wallet credentials, in the owner's
-- order, with a headline and a short text; share links are the tokens the
-- public page /s/{token} and its QR codes answer to.

CREATE TABLE profiles (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    headline   TEXT    NOT NULL DEFAULT '',
    summary    TEXT    NOT NULL DEFAULT '',   -- the short text, plain
    indexable  INTEGER NOT NULL DEFAULT 0,    -- 1: search engines may index the shared page
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The credentials a profile shows, in order. A credential removed from the
-- wallet leaves every profile with it.
CREATE TABLE profile_credentials (
    profile_id    INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    credential_id INTEGER NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    PRIMARY KEY (profile_id, credential_id)
);
CREATE INDEX profile_credentials_credential ON profile_credentials (credential_id);

-- Share links: an unguessable token (at least 128 random bits), an
-- optional expiry, revocation, and how often and when it was last opened.
CREATE TABLE profile_shares (
    id             INTEGER PRIMARY KEY,
    profile_id     INTEGER NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    token          TEXT    NOT NULL UNIQUE,
    label          TEXT    NOT NULL DEFAULT '',
    expires_at     INTEGER,
    revoked_at     INTEGER,
    views          INTEGER NOT NULL DEFAULT 0,
    last_viewed_at INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX profile_shares_profile ON profile_shares (profile_id);
