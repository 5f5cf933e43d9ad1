-- Cairn schema version 7: the issuer ledger (format cairn-ledger/1,
-- DESIGN.md "The issuer ledger"; code in wallet/ledger).

-- Sealed blocks, one row each, genesis = 0. The hashed and signed members
-- are stored exactly as hashed, so a block is served as it was sealed.
CREATE TABLE ledger_blocks (
    block_index   INTEGER PRIMARY KEY,
    hash          TEXT    NOT NULL UNIQUE,
    previous_hash TEXT    NOT NULL,
    merkle_root   TEXT    NOT NULL,
    timestamp     TEXT    NOT NULL,  -- RFC 3339, as hashed
    difficulty    INTEGER NOT NULL,
    proof         INTEGER NOT NULL,
    signature     TEXT    NOT NULL,  -- base64url Ed25519 over the raw hash
    key_id        TEXT    NOT NULL,  -- verification method id
    record_count  INTEGER NOT NULL,
    sealed_at     INTEGER NOT NULL
);

-- Records in append order (id). block_index and position are NULL while
-- the record is pending and set, together, when its block is sealed;
-- position is the leaf index. body is the record JSON as written (JCS), the
-- bytes whose leaf hash the block commits to.
CREATE TABLE ledger_records (
    id          INTEGER PRIMARY KEY,
    type        TEXT    NOT NULL CHECK (type IN ('award', 'revocation')),
    credential  TEXT    NOT NULL,
    digest      TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    block_index INTEGER REFERENCES ledger_blocks (block_index),
    position    INTEGER,
    CHECK ((block_index IS NULL) = (position IS NULL)),
    UNIQUE (block_index, position),
    UNIQUE (credential, type)
);
CREATE INDEX ledger_records_pending ON ledger_records (id) WHERE block_index IS NULL;
