// Package ledger verifies the issuer ledger of DESIGN.md (format
// cairn-ledger/1) and gRSShopper's blockchain.json. It is pure: no storage,
// no network of its own (a caller-provided Fetch reaches remote ledgers and
// a caller-provided KeyFunc resolves signing keys).
//
// cairn-ledger/1 in short:
//
//   - A record is {"type": "award"|"revocation", "credential", "digest":
//     "sha256:HEX", "achievement", "recipient": "sha256$HEX", "time", "reason"?}.
//   - Leaf = SHA-256(0x00 ‖ JCS(record)), node = SHA-256(0x01 ‖ left ‖ right):
//     the RFC 6962 Merkle tree hash, audit paths per RFC 6962 §2.1.1.
//   - A block's hash is SHA-256 of the JCS form of {index, timestamp,
//     merkle_root, previous_hash, difficulty, proof}, in lowercase hex that
//     starts with difficulty zeros; signature is Ed25519 over the 32 raw hash
//     bytes, base64url without padding, by key (a verification method of
//     the issuer's DID). Genesis (index 0) has previous_hash of 64 zeros.
//
// Every failure is a *Problem with a stable Code and a message that names
// the block and record ("block 3: previous_hash does not match block 2's
// hash"); a Result gathers them with a Status of pass, fail or error (could
// not check: a key was unreachable), which a verification report turns into
// its "ledger" check.
package ledger
