package ledger_test

import (
	"context"
	"testing"

	"github.com/cairn-pl/cairn/verify/ledger"
)

// proofFor builds the /ledger/proof answer for record i of block b.
func proofFor(t *testing.T, b ledger.Block, i int) *ledger.Proof {
	t.Helper()
	_, leaves, err := ledger.RecordsRoot(b.Records)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := ledger.AuditPath(leaves, i)
	return &ledger.Proof{Record: b.Records[i], LeafIndex: i, TreeSize: len(b.Records),
		AuditPath: ledger.PathStrings(path), Block: b.Header()}
}

func head(b ledger.Block) *ledger.Head {
	return &ledger.Head{Index: b.Index, Hash: b.Hash, Signature: b.Signature}
}

func TestVerifyCredential(t *testing.T) {
	is := newIssuer(t, 1)
	blocks := roundTrip(t, chain(t, is, 4, 5, 2))
	// Credential 7 is record 2 of block 1.
	check := ledger.CredentialCheck{
		Credential: credentialJSON(7), CredentialID: "urn:uuid:cred-7", Issuer: is.DID,
		Proof: proofFor(t, blocks[1], 2), Blocks: blocks[1:], Head: head(blocks[3]), Keys: keys,
	}
	r := ledger.VerifyCredential(context.Background(), check)
	if r.Status != ledger.StatusPass || r.Block != 1 || r.LeafIndex != 2 || r.Head.Index != 3 {
		t.Fatalf("%s: %s %+v", r.Status, r.Message, r.Problems)
	}
	t.Log(r.Message)

	// Without tree_size, the size comes from the block's records.
	c := check
	p := *c.Proof
	p.TreeSize = 0
	c.Proof = &p
	if r := ledger.VerifyCredential(context.Background(), c); r.Status != ledger.StatusPass {
		t.Fatalf("no tree_size: %s", r.Message)
	}

	// Another credential's bytes: the digest differs.
	c = check
	c.Credential = credentialJSON(8)
	wantFail(t, ledger.VerifyCredential(context.Background(), c), ledger.CodeDigest, "record 2 of block 1: digest differs")

	// A wrong audit path.
	c = check
	p = *check.Proof
	p.AuditPath = append([]string{}, p.AuditPath...)
	p.AuditPath[0] = p.AuditPath[1]
	c.Proof = &p
	wantFail(t, ledger.VerifyCredential(context.Background(), c), ledger.CodeInclusion, "record 2 of block 1:")

	// Signed by a key that is not the credential issuer's.
	c = check
	c.Issuer = newIssuer(t, 9).DID
	wantFail(t, ledger.VerifyCredential(context.Background(), c), ledger.CodeKey, "block 1: signed by a key that is not the issuer's")

	// The chain to the head is broken.
	c = check
	c.Blocks = roundTrip(t, blocks[1:])
	c.Blocks[2].PreviousHash = c.Blocks[0].Hash
	wantFail(t, ledger.VerifyCredential(context.Background(), c), ledger.CodeLink, "block 3: previous_hash does not match block 2's hash")

	// No record at all.
	c = check
	c.Proof = nil
	wantFail(t, ledger.VerifyCredential(context.Background(), c), ledger.CodeRecord, "no record")
}

func TestVerifyCredentialRevokedAndFork(t *testing.T) {
	is := newIssuer(t, 1)
	blocks := chain(t, is, 2, 3, 1)
	rev := award(t, 1)
	rev.Type, rev.Reason = ledger.TypeRevocation, "awarded by mistake"
	blocks = append(blocks, seal(t, is, &blocks[1], []ledger.Record{award(t, 50), rev}, 1))
	check := ledger.CredentialCheck{
		Credential: credentialJSON(1), CredentialID: "urn:uuid:cred-1", Issuer: is.DID,
		Proof: proofFor(t, blocks[0], 1), Blocks: blocks, Head: head(blocks[2]), Keys: keys,
	}
	wantFail(t, ledger.VerifyCredential(context.Background(), check), ledger.CodeRevoked, "record 1 of block 2: revokes the credential at 2026-01-02T03:04:06Z: awarded by mistake")

	// Another credential in the same ledger is fine, until the issuer
	// rewrites block 2 after the wallet saw it.
	check.Credential, check.CredentialID, check.Proof = credentialJSON(4), "urn:uuid:cred-4", proofFor(t, blocks[1], 1)
	check.Blocks = blocks[1:]
	seen := &ledger.HeadRef{Index: 2, Hash: blocks[2].Hash}
	check.LastSeen = seen
	if r := ledger.VerifyCredential(context.Background(), check); r.Status != ledger.StatusPass {
		t.Fatalf("%s", r.Message)
	}
	forked := append([]ledger.Block{}, blocks[1], seal(t, is, &blocks[1], []ledger.Record{award(t, 60)}, 1))
	check.Blocks, check.Head = forked, head(forked[1])
	wantFail(t, ledger.VerifyCredential(context.Background(), check), ledger.CodeFork, "fork: block 2 is now")
}
