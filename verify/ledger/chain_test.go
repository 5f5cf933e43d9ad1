package ledger_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/verify/ledger"
)

func wantFail(t *testing.T, r ledger.Result, code, msg string) {
	t.Helper()
	if r.Status != ledger.StatusFail {
		t.Fatalf("status %s, want fail (%s)", r.Status, r.Message)
	}
	for _, p := range r.Problems {
		if p.Code == code && strings.Contains(p.Message, msg) {
			return
		}
	}
	t.Fatalf("no %s problem containing %q; got %q", code, msg, r.Message)
}

func TestValidChain(t *testing.T) {
	is := newIssuer(t, 1)
	blocks := roundTrip(t, chain(t, is, 4, 5, 2))
	r := verifyChain(blocks, is)
	if r.Status != ledger.StatusPass || r.Blocks != 4 || r.Records != 20 || r.Awards != 20 || r.Head.Index != 3 {
		t.Fatalf("%+v", r)
	}
	if !strings.Contains(r.Message, "4 blocks, 20 records") {
		t.Errorf("message %q", r.Message)
	}
	// Through an export, against its own head.
	e := export(t, is, blocks)
	data, _ := json.Marshal(e)
	e2, err := ledger.ParseExport(data)
	if err != nil {
		t.Fatal(err)
	}
	if r := ledger.VerifyExport(context.Background(), e2, keys, &ledger.HeadRef{Index: 2, Hash: blocks[2].Hash}); r.Status != ledger.StatusPass {
		t.Fatalf("export: %s", r.Message)
	}
	for _, b := range blocks {
		if !strings.HasPrefix(b.Hash, "00") || b.Difficulty != 2 {
			t.Fatalf("block %d hash %s difficulty %d", b.Index, b.Hash, b.Difficulty)
		}
	}
}

func TestTamperedRecord(t *testing.T) {
	is := newIssuer(t, 1)
	blocks := chain(t, is, 3, 5, 1)
	data, _ := json.Marshal(blocks)
	// Change one recipient hash digit in block 1 as a verifier receives it.
	var raw []map[string]any
	json.Unmarshal(data, &raw)
	rec := raw[1]["records"].([]any)[2].(map[string]any)
	rec["achievement"] = "https://issuer.example/issuer/achievements/99"
	data, _ = json.Marshal(raw)
	tampered, err := ledger.ParseBlocks(data)
	if err != nil {
		t.Fatal(err)
	}
	wantFail(t, verifyChain(tampered, is), ledger.CodeMerkle, "block 1: the merkle root of its 5 records")

	// An extra member the producer did not write is tampering too.
	json.Unmarshal(mustJSON(blocks), &raw)
	raw[2]["records"].([]any)[0].(map[string]any)["note"] = "x"
	tampered, _ = ledger.ParseBlocks(mustJSON(raw))
	wantFail(t, verifyChain(tampered, is), ledger.CodeMerkle, "block 2:")

	// And through the fields.
	blocks[0].Records[4].Digest = "sha256:" + strings.Repeat("0", 64)
	wantFail(t, verifyChain(blocks, is), ledger.CodeMerkle, "block 0:")
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestReorderedRecords(t *testing.T) {
	is := newIssuer(t, 1)
	blocks := roundTrip(t, chain(t, is, 3, 5, 1))
	blocks[2].Records[0], blocks[2].Records[3] = blocks[2].Records[3], blocks[2].Records[0]
	r := verifyChain(blocks, is)
	wantFail(t, r, ledger.CodeMerkle, "reordered")
	if len(r.Problems) != 1 || r.Problems[0].Block != 2 {
		t.Fatalf("problems %+v", r.Problems)
	}
}

func TestBrokenPreviousHash(t *testing.T) {
	is := newIssuer(t, 1)
	blocks := chain(t, is, 5, 2, 1)
	// A block re-mined and re-signed with a previous_hash that points
	// elsewhere: only the link is wrong.
	bad := seal(t, is, &blocks[1], blocks[3].Records, 1)
	bad.Index = 3
	bad.PreviousHash = blocks[1].Hash
	if err := ledger.Mine(&bad, 1); err != nil {
		t.Fatal(err)
	}
	ledger.SignBlock(&bad, is.VM, is.sign)
	blocks[3] = bad
	r := verifyChain(blocks, is)
	wantFail(t, r, ledger.CodeLink, "block 3: previous_hash does not match block 2's hash")
	// Block 4 still points to the old block 3.
	wantFail(t, r, ledger.CodeLink, "block 4: previous_hash does not match block 3's hash")
	if r.Failed(ledger.CodeHash) || r.Failed(ledger.CodeSignature) {
		t.Errorf("unexpected problems: %s", r.Message)
	}
}

func TestWrongProofOfWork(t *testing.T) {
	is := newIssuer(t, 1)
	blocks := chain(t, is, 3, 2, 3)
	// Find a proof that does not meet difficulty 3, then re-hash and
	// re-sign honestly: only the proof of work is wrong.
	b := &blocks[1]
	for p := uint64(0); ; p++ {
		b.Proof = p
		if ledger.LeadingZeros(ledger.BlockHash(b)) < 2 {
			break
		}
	}
	b.Hash = ledger.BlockHash(b).String()
	ledger.SignBlock(b, is.VM, is.sign)
	blocks[2].PreviousHash = b.Hash
	blocks[2].Hash = "" // block 2 is now broken too; re-mine and sign it
	if err := ledger.Mine(&blocks[2], 3); err != nil {
		t.Fatal(err)
	}
	ledger.SignBlock(&blocks[2], is.VM, is.sign)
	r := verifyChain(blocks, is)
	wantFail(t, r, ledger.CodePoW, "block 1: the proof of work has ")
	if !strings.Contains(r.Message, "leading zeros, difficulty 3") || len(r.Problems) != 1 {
		t.Fatalf("%q %+v", r.Message, r.Problems)
	}

	// A changed proof without re-hashing is a hash mismatch.
	blocks = chain(t, is, 2, 2, 3)
	blocks[1].Proof++
	wantFail(t, verifyChain(blocks, is), ledger.CodeHash, "block 1: hash")
}

func TestSignatureByAnotherKey(t *testing.T) {
	is, other := newIssuer(t, 1), newIssuer(t, 2)
	blocks := chain(t, is, 3, 2, 1)
	// Signed by another DID's key, named as such.
	ledger.SignBlock(&blocks[1], other.VM, other.sign)
	wantFail(t, verifyChain(blocks, is), ledger.CodeKey, "block 1: signed by a key that is not the issuer's")
	// Signed by another key but claiming the issuer's key id.
	ledger.SignBlock(&blocks[1], is.VM, other.sign)
	wantFail(t, verifyChain(blocks, is), ledger.CodeSignature, "block 1: signature does not verify with key "+is.VM)
	// Static keys: a key the resolver does not know.
	static := ledger.StaticKeys("did:web:issuer.example", map[string]ed25519.PublicKey{"did:web:issuer.example#k1": is.Priv.Public().(ed25519.PublicKey)})
	blocks = chain(t, is, 1, 2, 1)
	ledger.SignBlock(&blocks[0], "did:web:issuer.example#k1", is.sign)
	r := ledger.VerifyChain(context.Background(), blocks, ledger.ChainOptions{Issuer: "did:web:issuer.example", Keys: static})
	if r.Status != ledger.StatusPass {
		t.Fatalf("static keys: %s", r.Message)
	}
	ledger.SignBlock(&blocks[0], "did:web:issuer.example#k2", is.sign)
	r = ledger.VerifyChain(context.Background(), blocks, ledger.ChainOptions{Issuer: "did:web:issuer.example", Keys: static})
	wantFail(t, r, ledger.CodeKey, "unknown key")
}

func TestForkDropsSeenHead(t *testing.T) {
	is := newIssuer(t, 1)
	blocks := chain(t, is, 5, 2, 1)
	seen := ledger.HeadRef{Index: 3, Hash: blocks[3].Hash}
	// The issuer rewrites history from block 2 on: a valid chain on its
	// own, without the head the wallet saw.
	rewritten := append([]ledger.Block(nil), blocks[:2]...)
	for i := 2; i < 6; i++ {
		recs := []ledger.Record{award(t, 100+i)}
		rewritten = append(rewritten, seal(t, is, &rewritten[i-1], recs, 1))
	}
	if r := verifyChain(rewritten, is); r.Status != ledger.StatusPass {
		t.Fatalf("rewritten chain on its own: %s", r.Message)
	}
	r := ledger.VerifyChain(context.Background(), rewritten, ledger.ChainOptions{Issuer: is.DID, Keys: keys, LastSeen: &seen})
	wantFail(t, r, ledger.CodeFork, "fork: block 3 is now")
	// A chain cut short before the seen head.
	r = ledger.VerifyChain(context.Background(), blocks[:3], ledger.ChainOptions{Issuer: is.DID, Keys: keys, LastSeen: &seen})
	wantFail(t, r, ledger.CodeFork, "before the head seen before (block 3")
	// The honest chain, grown since, contains it.
	if p := ledger.DetectFork(seen, blocks); p != nil {
		t.Fatal(p)
	}
}

func TestHeadMismatchAndIndexGap(t *testing.T) {
	is := newIssuer(t, 1)
	blocks := chain(t, is, 4, 1, 1)
	e := export(t, is, blocks[:3]) // the document names block 2 as head
	e.Blocks = blocks
	wantFail(t, ledger.VerifyExport(context.Background(), e, keys, nil), ledger.CodeHead, "the ledger names head 2")
	gap := append([]ledger.Block{}, blocks[0], blocks[1], blocks[3])
	wantFail(t, verifyChain(gap, is), ledger.CodeIndex, "block 3: follows block 1")
	wantFail(t, verifyChain(blocks[1:], is), ledger.CodeIndex, "not at genesis")
}

func TestUnreachableKeyIsUnknown(t *testing.T) {
	is := newIssuer(t, 1)
	blocks := chain(t, is, 2, 1, 1)
	for i := range blocks {
		ledger.SignBlock(&blocks[i], "did:web:unreachable.example#key-1", is.sign)
	}
	r := ledger.VerifyChain(context.Background(), blocks, ledger.ChainOptions{Issuer: "did:web:unreachable.example", Keys: keys})
	if r.Status != ledger.StatusError || !strings.Contains(r.Message, "could not be fetched") {
		t.Fatalf("%s: %s", r.Status, r.Message)
	}
}

func TestEmptyChain(t *testing.T) {
	is := newIssuer(t, 1)
	if r := verifyChain(nil, is); r.Status != ledger.StatusPass {
		t.Fatal(r.Message)
	}
}
