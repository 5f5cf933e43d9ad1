package issuer_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/wallet/issuer"
	"github.com/cairn-pl/cairn/wallet/ledger"
)

// ledgerSigner signs ledger blocks with the issuer's current key, as the
// app wires it.
type ledgerSigner struct{ s *issuer.Service }

func (l ledgerSigner) Issuer() string { return l.s.DID() }
func (l ledgerSigner) KeyID() string {
	for _, k := range l.s.Keys() {
		if k.Current {
			return k.ID
		}
	}
	return ""
}
func (l ledgerSigner) Sign(msg []byte) []byte { _, sig, _ := l.s.Sign(msg); return sig }

// BenchmarkAwardEndToEnd is one award as the issuer makes it: the Open
// Badges 3.0 credential built and signed (eddsa-rdfc-2022) with its status
// list index, stored, the Webmention job queued, the record appended to the
// ledger, the credential baked into PNG, and the ledger's blocks sealed at
// difficulty 4 (five records a block), all on one store.
func BenchmarkAwardEndToEnd(b *testing.B) {
	db := storetest.New(b)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	q := jobs.New(db, jobs.Config{Logger: logger})
	svc, err := issuer.New(issuer.Config{Store: db, Jobs: q, KeysDir: filepath.Join(b.TempDir(), "keys"),
		BaseURL: "https://academy.example", Logger: logger, Net: netx.New(netx.Options{Timeout: time.Second})})
	if err != nil {
		b.Fatal(err)
	}
	svc.RegisterJobs(q)
	ctx := context.Background()
	if _, err := svc.SaveProfile(ctx, issuer.Profile{Enabled: true, Name: "Academy", Email: "t@academy.example"}); err != nil {
		b.Fatal(err)
	}
	l, err := ledger.New(db, ledgerSigner{svc}, ledger.Options{BlockSize: 5, Difficulty: 4})
	if err != nil {
		b.Fatal(err)
	}
	svc.SetLedger(l)
	a, err := svc.CreateAchievement(ctx, webBadge())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w, err := svc.Award(ctx, issuer.AwardRequest{AchievementID: a.ID, Email: learnerEmail,
			Evidence: "https://learner.example/posts/answer"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.BakedCredential(ctx, w.ID, "png"); err != nil {
			b.Fatal(err)
		}
		if i++; i%5 == 0 {
			if _, err := l.SealDue(ctx, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "awards/s")
}
