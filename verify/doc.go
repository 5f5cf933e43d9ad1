// Package verify is Cairn's pure credential verification library: formats,
// proofs, keys, status lists and ledger proofs. It has no storage and no
// web framework; what it fetches comes through a Fetcher it is given.
//
// Verify takes the bytes of a credential (JSON, a compact JWS, the URL of a
// hosted assertion, or a baked PNG/SVG, unbaked with verify/bake) and
// returns a Report in the shape DESIGN.md fixes: a format, a verdict
// (valid, invalid, unknown), a summary of what the credential claims, and
// one Check per step under a stable id (parse, context, type, schema,
// hosted, signature, key, issuer, not-before, expiry, status, recipient,
// image, ledger, trust).
//
// Verdict rules (see Verdict): any fail makes the credential invalid; else
// an error on a check that decides validity (an issuer, key or revocation
// list that could not be fetched) makes it unknown, never valid; else it is
// valid. trust (is the issuer on the holder's list?) only ever warns.
//
// Formats handled so far: Open Badges 2.0 hosted (ob2-hosted) and signed
// (ob2-signed: RS256, ES256, EdDSA compact JWS with the key from the
// issuer profile's publicKey), and Open Badges 0.5 (ob05) and 1.0/1.1 (ob1)
// upgraded to the 2.0 model. A hosted assertion is always re-fetched from
// its id and that copy is verified; an embedded issuer profile with an
// http(s) id is re-fetched too, so a credential cannot vouch for its own
// issuer's keys or verification scope.
//
// The package never panics on bad input (FuzzVerifyInput) and is safe for
// concurrent use when its Fetcher is.
package verify
