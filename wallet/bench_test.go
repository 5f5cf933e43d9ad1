package wallet_test

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/sign"
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

// BenchmarkReverifyWallet re-verifies a wallet of 200 Open Badges 3.0
// credentials from the shared loopback issuer (eddsa-rdfc-2022,
// eddsa-jcs-2022, VC-JWT EdDSA and ES256, each with a revocation and a
// suspension entry) with ReverifyAll: one cache per batch, every core,
// the reports saved in real SQLite. One op is the whole wallet.
func BenchmarkReverifyWallet(b *testing.B) {
	is := testissuer.NewVC(b)
	w := wallet.New(storetest.New(b), is.Fetcher(), func(context.Context) ([]string, error) {
		return []string{testissuer.Email}, nil
	}, quietLogger())
	w.SetNow(func() time.Time { return testissuer.Now })
	ctx := context.Background()
	const n = 200
	for i := range n {
		doc := is.Credential(i)
		var in []byte
		switch i % 4 {
		case 0:
			in = is.SignJSON(doc, sign.RDFC)
		case 1:
			in = is.SignJSON(doc, sign.JCS)
		case 2:
			in = []byte(is.JWT(doc, is.Key, is.VM))
		default:
			in = []byte(is.JWT(doc, is.ECKey, is.DID+"#key-ec"))
		}
		if c, created, err := w.Import(ctx, in, ""); err != nil || !created || c.Verdict != verify.VerdictValid {
			b.Fatalf("import %d: created=%v %s %v", i, created, c.Verdict, err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		sum, err := w.ReverifyAll(ctx)
		if err != nil || sum.Checked != n || sum.Verdicts[verify.VerdictValid] != n {
			b.Fatalf("%+v %v", sum, err)
		}
	}
}
