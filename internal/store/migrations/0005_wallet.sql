-- Cairn schema version 5: the wallet. Credentials the owner imported, kept
-- with their original bytes, the fields a page shows and the latest
-- verification report, plus the history of verdict changes.

-- One row per credential. The same credential imported twice is recognised
-- by credential_id (its own id or URL) when it has one, else by digest, so
-- a re-import refreshes the row rather than adding one. original is kept
-- exactly as received, forever: it is what "download the original" and a
-- later re-verification use. original_type: png, svg, json, jws, or url (a
-- hosted assertion or baked image imported by its address; original then
-- holds the URL). The text columns mirror the report's credential summary
-- for listing and search; summary_json keeps the rest (achievement, skills).
-- verdict is 'unchecked' until a report exists; report_json is that report.
CREATE TABLE credentials (
    id            INTEGER PRIMARY KEY,
    credential_id TEXT    NOT NULL DEFAULT '',
    digest        TEXT    NOT NULL UNIQUE,          -- sha256 hex of original
    original      BLOB    NOT NULL,
    original_type TEXT    NOT NULL CHECK (original_type IN ('png', 'svg', 'json', 'jws', 'url')),
    source_url    TEXT    NOT NULL DEFAULT '',
    format        TEXT    NOT NULL DEFAULT '',      -- the report's format: ob2-hosted, ...
    name          TEXT    NOT NULL DEFAULT '',
    description   TEXT    NOT NULL DEFAULT '',
    image         TEXT    NOT NULL DEFAULT '',
    issuer_id     TEXT    NOT NULL DEFAULT '',
    issuer_name   TEXT    NOT NULL DEFAULT '',
    issuer_url    TEXT    NOT NULL DEFAULT '',
    recipient     TEXT    NOT NULL DEFAULT '',
    issued        TEXT    NOT NULL DEFAULT '',      -- as the credential says (RFC 3339)
    expires       TEXT    NOT NULL DEFAULT '',
    summary_json  TEXT    NOT NULL DEFAULT '{}',
    verdict       TEXT    NOT NULL DEFAULT 'unchecked'
                  CHECK (verdict IN ('unchecked', 'valid', 'invalid', 'unknown')),
    report_json   TEXT    NOT NULL DEFAULT '',
    verified_at   INTEGER,
    imported_at   INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX credentials_credential_id ON credentials (credential_id);

-- Verdict history: a row when a credential is first verified and whenever
-- its verdict changes afterwards (not on every re-verification), so the
-- wallet can show when a badge changed state.
CREATE TABLE credential_verdicts (
    id         INTEGER PRIMARY KEY,
    credential INTEGER NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    verdict    TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX credential_verdicts_credential ON credential_verdicts (credential, at);
