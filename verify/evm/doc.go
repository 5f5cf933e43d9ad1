// Package evm reads and verifies Hyperledger Learning Tokens held on an EVM
// chain (Hyperledger Besu, geth, any node that speaks standard JSON-RPC),
// and checks the anchors a Cairn issuer writes of its ledger heads.
//
// It is pure: no storage, no web. It talks to a node through Backend, the
// few methods of go-ethereum's ethclient.Client it needs, so tests run on
// the in-process simulated backend and Cairn dials nodes with Dial, whose
// HTTP client the caller supplies (internal/netx, with its SSRF guard).
//
// A token becomes a Record (research/seed-systems.md d.7): chain id,
// contract, holder, token id, kind, amount, course, institution,
// instructor, field of knowledge, skill, and the mint log that created it
// (transaction hash, block, log index). Verify re-reads the chain and
// returns a verify.Report of format learning-token-evm whose checks are:
//
//   - parse: the record is well formed.
//   - key: the node answers for the record's chain id and the contract has
//     code there (the chain is where the token's authority comes from).
//   - signature: the mint log exists at that transaction and log index,
//     emitted by the contract, of the record's kind, with that holder,
//     token id, course and amount, in a successful transaction at that
//     block.
//   - issuer: the contract's registry links the account that sent the
//     mint transaction to the course as its instructor, and the course to a
//     registered institution; the course name and scoring guide agree.
//   - status: the holder's current balanceOf(holder, tokenId) still holds
//     the amount (a burned or transferred token fails).
//   - recipient: the holder is one of the owner's addresses, when the owner
//     gave any (an address identity: 0x…, eip155:…, did:pkh:eip155:…);
//     otherwise skip.
//   - trust: the contract (did:pkh:eip155:<chainId>:<address>, or the
//     same without did:pkh:) is on the owner's trusted list; else warn.
//
// A node that cannot be reached makes the deciding checks error, so the
// verdict is unknown, never valid.
package evm
