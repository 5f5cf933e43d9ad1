package ledger_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/gowebpki/jcs"

	"github.com/cairn-pl/cairn/verify/ledger"
)

// FuzzParseExport: any input parses or fails cleanly, and what parses
// verifies without panicking.
func FuzzParseExport(f *testing.F) {
	is := newIssuer(f, 1)
	blocks := chain(f, is, 2, 2, 1)
	good, _ := json.Marshal(export(f, is, blocks))
	f.Add(good)
	f.Add([]byte(`{"format":"cairn-ledger/1","blocks":[{"index":0,"records":[{}]}]}`))
	f.Add([]byte(`{"format":"cairn-ledger/1","head":{"index":-1},"blocks":null}`))
	f.Add([]byte(`{"format":"cairn-ledger/1","blocks":[{"index":0,"difficulty":99,"proof":9007199254740993}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ledger.ParseExport(data)
		if err != nil {
			return
		}
		r := ledger.VerifyExport(context.Background(), e, keys, &ledger.HeadRef{Index: 1})
		if r.Status == "" {
			t.Fatal("no status")
		}
	})
}

// FuzzParseBlocksAndProof covers /ledger/blocks and /ledger/proof.
func FuzzParseBlocksAndProof(f *testing.F) {
	is := newIssuer(f, 1)
	blocks := chain(f, is, 2, 3, 1)
	good, _ := json.Marshal(blocks)
	f.Add(good, []byte(`{"record":{"type":"award"},"leaf_index":5,"tree_size":3,"audit_path":["zz"],"block":{}}`))
	f.Add([]byte(`[{"records":[{"type":1}]}]`), []byte(`{"leaf_index":-1,"tree_size":-4,"audit_path":[]}`))
	f.Fuzz(func(t *testing.T, bs, ps []byte) {
		parsed, _ := ledger.ParseBlocks(bs)
		p, err := ledger.ParseProof(ps)
		if err != nil {
			p = nil
		}
		ledger.VerifyCredential(context.Background(), ledger.CredentialCheck{
			Credential: bs, Issuer: is.DID, Proof: p, Blocks: parsed, Keys: keys,
		})
		for i := range parsed {
			ledger.VerifyBlock(context.Background(), &parsed[i], is.DID, keys)
		}
	})
}

// FuzzParseGRSShopper covers blockchain.json.
func FuzzParseGRSShopper(f *testing.F) {
	f.Add([]byte(`{"chain":[{"index":1,"timestamp":1543622400,"transactions":[],"proof":1,"previous_hash":100},{"index":2,"transactions":[{"a":"é\u2028"}],"proof":761,"previous_hash":"x"}],"current_transactions":[],"nodes":[]}`))
	f.Add([]byte(`{"chain":[{"index":0},{"index":0}],"length":1}`))
	f.Add([]byte(`{"chain":[{"index":"1","proof":null,"previous_hash":[1]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ledger.ParseGRSShopper(data)
		if err != nil {
			return
		}
		r := ledger.VerifyGRSShopper(c)
		if r.Mode == "" || r.Message() == "" {
			t.Fatal("no mode")
		}
	})
}

// FuzzHeaderJSON: the hand-written canonical header is RFC 8785.
func FuzzHeaderJSON(f *testing.F) {
	f.Add("2026-01-02T03:04:05Z", "ab", int64(3), uint64(77), 4)
	f.Add("\x00\"\\\u2028\U0001F600", "", int64(-1), uint64(1<<53-1), 0)
	f.Fuzz(func(t *testing.T, ts, root string, index int64, proof uint64, difficulty int) {
		b := ledger.Block{Index: index, Timestamp: ts, MerkleRoot: root, PreviousHash: root + "x", Difficulty: difficulty, Proof: proof % (1 << 53)}
		m, err := json.Marshal(map[string]any{"index": b.Index, "timestamp": b.Timestamp, "merkle_root": b.MerkleRoot,
			"previous_hash": b.PreviousHash, "difficulty": b.Difficulty, "proof": b.Proof})
		if err != nil {
			return
		}
		if index > 1<<53 || index < -(1<<53) || difficulty > 1<<53 || difficulty < -(1<<53) {
			return // outside what JCS numbers write exactly
		}
		want, err := jcs.Transform(m)
		if err != nil {
			return
		}
		if got := ledger.HeaderJSON(&b); string(got) != string(want) {
			t.Fatalf("header\n got %q\nwant %q", got, want)
		}
	})
}
