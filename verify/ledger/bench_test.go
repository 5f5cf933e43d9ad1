package ledger_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/cairn-pl/cairn/verify/ledger"
)

func BenchmarkVerifyInclusion(b *testing.B) {
	is := newIssuer(b, 1)
	blk := chain(b, is, 1, 5, 1)[0]
	_, leaves, _ := ledger.RecordsRoot(blk.Records)
	path, _ := ledger.AuditPath(leaves, 3)
	root, _ := ledger.ParseHash(blk.MerkleRoot)
	rec := blk.Records[3]
	b.ResetTimer()
	for b.Loop() {
		// What a verifier does per credential: hash the record, walk the path.
		leaf, _ := ledger.RecordHash(&rec)
		if err := ledger.VerifyInclusion(leaf, 3, 5, path, root); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMineDifficulty4(b *testing.B) {
	is := newIssuer(b, 1)
	recs := []ledger.Record{award(b, 1), award(b, 2), award(b, 3), award(b, 4), award(b, 5)}
	root, _, _ := ledger.RecordsRoot(recs)
	i := 0
	for b.Loop() {
		i++
		blk := ledger.Block{Index: int64(i), Timestamp: fmt.Sprintf("2026-01-02T03:%02d:%02dZ", i/60%60, i%60), MerkleRoot: root.String(), PreviousHash: ledger.GenesisPreviousHash}
		if err := ledger.Mine(&blk, 4); err != nil {
			b.Fatal(err)
		}
		ledger.SignBlock(&blk, is.VM, is.sign)
	}
}

// BenchmarkVerifyLedger10000 verifies a 10,000-record ledger (2,000
// blocks of 5) from JSON: parse, records, merkle roots, hashes, proofs of
// work, links and 2,000 Ed25519 signatures.
func BenchmarkVerifyLedger10000(b *testing.B) {
	is := newIssuer(b, 1)
	blocks := chain(b, is, 2000, 5, 1)
	data := mustJSON(export(b, is, blocks))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		e, err := ledger.ParseExport(data)
		if err != nil {
			b.Fatal(err)
		}
		if r := ledger.VerifyExport(context.Background(), e, keys, nil); r.Status != ledger.StatusPass || r.Records != 10000 {
			b.Fatal(r.Message)
		}
	}
}
