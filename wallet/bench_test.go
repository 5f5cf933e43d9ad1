package wallet_test

import (
	"context"
	"testing"

	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/wallet"
)

// BenchmarkImport100 imports 100 distinct hosted badges (verification
// through an in-memory fetcher, storage in real SQLite) per iteration.
func BenchmarkImport100(b *testing.B) {
	is := newIssuer(b)
	docs := make([][]byte, 100)
	for i := range docs {
		docs[i] = is.assertion(b, i+1)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		w := wallet.New(storetest.New(b), is.fetcher(), nil, quietLogger())
		b.StartTimer()
		for _, d := range docs {
			c, created, err := w.Import(ctx, d, "")
			if err != nil || !created || c.Verdict != "valid" {
				b.Fatalf("import: %v created=%v verdict %q", err, created, c.Verdict)
			}
		}
	}
}
