-- Cairn schema version 8: issuer mode (wallet/issuer). The owner's issuer
-- profile, the achievements (badge classes and Learning Token templates)
-- they award, the tasks linked to them, every award as the signed
-- credential exactly as issued, and the Bitstring status lists that revoke
-- them. Signing keys are files in keys/, never rows.

-- The issuer profile: one row. enabled switches the public issuer
-- documents (did.json, /issuer, JWKS, credentials, status lists) on.
CREATE TABLE issuer_profile (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    enabled     INTEGER NOT NULL DEFAULT 0,
    name        TEXT    NOT NULL DEFAULT '',
    url         TEXT    NOT NULL DEFAULT '',
    email       TEXT    NOT NULL DEFAULT '',
    image       TEXT    NOT NULL DEFAULT '',   -- an http(s) URL or ''
    description TEXT    NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO issuer_profile (id) VALUES (1);

-- Achievements. image holds the uploaded PNG or SVG (validated, capped);
-- alignments_json is [{name, url, framework, code}], tags_json [string],
-- token_json the Learning Token template ({kind, min, max, field, skill})
-- or '' for a plain badge.
CREATE TABLE issuer_achievements (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    criteria        TEXT    NOT NULL DEFAULT '',
    image           BLOB,
    image_type      TEXT    NOT NULL DEFAULT '' CHECK (image_type IN ('', 'png', 'svg')),
    alignments_json TEXT    NOT NULL DEFAULT '[]',
    tags_json       TEXT    NOT NULL DEFAULT '[]',
    token_json      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Tasks linked to an achievement: a post (URL) of the owner's journal
-- marked as a task, and the hashtag that answers it. Submissions are
-- matched on either.
CREATE TABLE issuer_achievement_tasks (
    id          INTEGER PRIMARY KEY,
    achievement INTEGER NOT NULL REFERENCES issuer_achievements (id) ON DELETE CASCADE,
    task_url    TEXT    NOT NULL DEFAULT '',
    hashtag     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX issuer_achievement_tasks_achievement ON issuer_achievement_tasks (achievement);
CREATE INDEX issuer_achievement_tasks_url ON issuer_achievement_tasks (task_url);
CREATE INDEX issuer_achievement_tasks_hashtag ON issuer_achievement_tasks (hashtag);

-- Bitstring status lists (revocation). bits is the raw list (bit 0 = the
-- most significant bit of byte 0); credential caches the signed
-- BitstringStatusListCredential, rewritten whenever a bit changes.
CREATE TABLE issuer_status_lists (
    id         INTEGER PRIMARY KEY,
    purpose    TEXT    NOT NULL DEFAULT 'revocation',
    size       INTEGER NOT NULL,                -- entries (bits)
    bits       BLOB    NOT NULL,
    credential BLOB,
    updated_at INTEGER NOT NULL
);

-- Awards. id is the public, random id in every URL of the award. credential
-- is the signed OpenBadgeCredential exactly as issued (its digest goes to
-- the ledger). No plain email is kept: recipient_hash is the salted
-- sha256$ identity (the email when one was given, else the subject URL).
CREATE TABLE issuer_awards (
    id                TEXT    PRIMARY KEY,
    achievement       INTEGER NOT NULL REFERENCES issuer_achievements (id),
    credential_id     TEXT    NOT NULL UNIQUE,
    credential        BLOB    NOT NULL,
    recipient_hash    TEXT    NOT NULL DEFAULT '',
    recipient_salt    TEXT    NOT NULL DEFAULT '',
    recipient_email   INTEGER NOT NULL DEFAULT 0,   -- 1 when the hash is of an email
    recipient_url     TEXT    NOT NULL DEFAULT '',
    recipient_name    TEXT    NOT NULL DEFAULT '',
    evidence_url      TEXT    NOT NULL DEFAULT '',
    narrative         TEXT    NOT NULL DEFAULT '',
    amount            TEXT    NOT NULL DEFAULT '',
    status_list       INTEGER NOT NULL REFERENCES issuer_status_lists (id),
    status_index      INTEGER NOT NULL,
    issued_at         INTEGER NOT NULL,
    revoked_at        INTEGER,
    revocation_reason TEXT    NOT NULL DEFAULT '',
    -- The Webmention to the evidence post: queued, sent, no-endpoint,
    -- failed, or none (no evidence URL).
    mention_status    TEXT    NOT NULL DEFAULT 'none',
    mention_error     TEXT    NOT NULL DEFAULT '',
    mention_at        INTEGER,
    -- When the award and the revocation reached the ledger (NULL: not yet).
    ledger_award_at      INTEGER,
    ledger_revocation_at INTEGER,
    UNIQUE (status_list, status_index)
);
CREATE INDEX issuer_awards_achievement ON issuer_awards (achievement, issued_at);
CREATE INDEX issuer_awards_issued ON issuer_awards (issued_at);
