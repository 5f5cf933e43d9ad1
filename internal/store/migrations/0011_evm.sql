-- Cairn schema version 11: EVM networks (issue 9). The owner's JSON-RPC
-- nodes, each with the Learning Tokens contract Cairn reads there, and the
-- anchors of the issuer's ledger heads written to one of them. The tokens
-- themselves are wallet credentials (original_type 'json', a
-- learning-token record; see verify/evm).

-- rpc_url: an http(s) JSON-RPC endpoint, reached through internal/netx.
-- contract: the Learning Tokens contract (EIP-55), '' on a network used only
-- for anchoring. from_block: where log searches start. anchor: 1 on the one
-- network the issuer anchors its ledger heads to.
CREATE TABLE evm_networks (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    rpc_url    TEXT    NOT NULL,
    chain_id   INTEGER NOT NULL CHECK (chain_id > 0),
    contract   TEXT    NOT NULL DEFAULT '',
    from_block INTEGER NOT NULL DEFAULT 0,
    anchor     INTEGER NOT NULL DEFAULT 0,
    added_at   INTEGER NOT NULL,
    UNIQUE (chain_id, contract)
);

-- One row per anchor transaction: the ledger block (index, hash) it
-- anchors, sent from account (the issuer's anchor key, keys/) to itself.
-- status: 'sent' until its receipt is seen, then 'confirmed' (chain_block
-- set) or 'failed' (error says why). Confirmed anchors are published in
-- /ledger's anchors.
CREATE TABLE ledger_anchors (
    id           INTEGER PRIMARY KEY,
    network      INTEGER REFERENCES evm_networks (id) ON DELETE SET NULL,
    chain_id     INTEGER NOT NULL,
    account      TEXT    NOT NULL,
    block_index  INTEGER NOT NULL,
    block_hash   TEXT    NOT NULL,
    tx_hash      TEXT    NOT NULL UNIQUE,
    chain_block  INTEGER,
    status       TEXT    NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'confirmed', 'failed')),
    error        TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER
);
CREATE INDEX ledger_anchors_block ON ledger_anchors (block_index);
