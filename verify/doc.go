// Package verify is Cairn's pure credential verification library: formats,
// proofs, keys, status lists and ledger proofs. It has no storage and no
// web framework; what it fetches comes through a Fetcher it is given.
package verify
