-- Cairn schema version 6: the wallet's trusted issuers. The verifier's
-- trust check passes for a credential whose issuer is on this list (the
-- origins of followed courses count too, without a row here); otherwise
-- the wallet shows the issuer as it claims to be, with its links disabled.

-- issuer is an issuer id (a URL), an origin (scheme://host[:port], no
-- path) or a DID (did:web:…, did:key:…), stored normalised: an origin in
-- lower case without a trailing slash, ids and DIDs exactly as given.
CREATE TABLE trusted_issuers (
    id       INTEGER PRIMARY KEY,
    issuer   TEXT    NOT NULL UNIQUE,
    label    TEXT    NOT NULL DEFAULT '',
    added_at INTEGER NOT NULL
);
