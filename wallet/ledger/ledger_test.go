package ledger_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/verify/did"
	vl "github.com/cairn-pl/cairn/verify/ledger"
	"github.com/cairn-pl/cairn/wallet/ledger"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func signer(seed byte) ledger.Ed25519Signer {
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	priv := ed25519.NewKeyFromSeed(s)
	mk := did.EncodeMultikey(priv.Public().(ed25519.PublicKey))
	return ledger.Ed25519Signer{DID: "did:key:" + mk, VM: "did:key:" + mk + "#" + mk, Key: priv}
}

var keys = vl.DIDKeys(nil, did.Options{})

func credential(n int) []byte {
	return fmt.Appendf(nil, `{"id":"urn:uuid:c-%d","type":["VerifiableCredential"],"issuer":"did:example","proof":{"proofValue":"z%d"}}`, n, n)
}

func record(t testing.TB, n int) vl.Record {
	t.Helper()
	d, err := vl.Digest(credential(n))
	if err != nil {
		t.Fatal(err)
	}
	rh := sha256.Sum256(fmt.Appendf(nil, "salt-%d", n))
	return vl.Record{Type: vl.TypeAward, Credential: fmt.Sprintf("urn:uuid:c-%d", n), Digest: d,
		Achievement: "https://issuer.example/issuer/achievements/1", Recipient: "sha256$" + hex.EncodeToString(rh[:])}
}

func newLedger(t testing.TB, opts ledger.Options) (*ledger.Ledger, *store.DB, *clock) {
	t.Helper()
	db := storetest.New(t)
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.Difficulty == 0 {
		opts.Difficulty = 2 // fast tests; the benchmark uses the default 4
	}
	l, err := ledger.New(db, signer(1), opts)
	if err != nil {
		t.Fatal(err)
	}
	return l, db, c
}

func verifyExport(t *testing.T, l *ledger.Ledger) vl.Result {
	t.Helper()
	e, err := l.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(e)
	e2, err := vl.ParseExport(data)
	if err != nil {
		t.Fatal(err)
	}
	return vl.VerifyExport(context.Background(), e2, keys, nil)
}

func TestSealBySize(t *testing.T) {
	ctx := context.Background()
	l, _, c := newLedger(t, ledger.Options{BlockSize: 5})
	for i := 0; i < 12; i++ {
		if err := l.Append(ctx, record(t, i)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := l.SealDue(ctx, c.Now())
	if err != nil || n != 2 {
		t.Fatalf("sealed %d, %v; want 2 full blocks", n, err)
	}
	if p, _ := l.Pending(ctx); p != 2 {
		t.Fatalf("pending %d, want 2", p)
	}
	// Sealing again seals nothing more (idempotent).
	if n, _ := l.SealDue(ctx, c.Now()); n != 0 {
		t.Fatalf("second seal sealed %d", n)
	}
	bs, err := l.Blocks(ctx, 0, 10)
	if err != nil || len(bs) != 2 || len(bs[0].Records) != 5 || bs[1].Records[4].Credential != "urn:uuid:c-9" {
		t.Fatalf("blocks %d, %v", len(bs), err)
	}
	if r := verifyExport(t, l); r.Status != vl.StatusPass || r.Records != 10 {
		t.Fatalf("%s", r.Message)
	}
	doc, _ := l.Document(ctx)
	if doc.Format != vl.Format || doc.Head.Index != 1 || doc.Pending != 2 || doc.Head.Hash != bs[1].Hash {
		t.Fatalf("%+v", doc)
	}
}

func TestSealByAge(t *testing.T) {
	ctx := context.Background()
	l, _, c := newLedger(t, ledger.Options{BlockSize: 5, SealAfter: 10 * time.Minute})
	l.Append(ctx, record(t, 1))
	c.Advance(4 * time.Minute)
	l.Append(ctx, record(t, 2))
	c.Advance(5 * time.Minute)
	if n, _ := l.SealDue(ctx, c.Now()); n != 0 {
		t.Fatal("sealed before the oldest waited 10 minutes")
	}
	c.Advance(time.Minute)
	if n, err := l.SealDue(ctx, c.Now()); n != 1 || err != nil {
		t.Fatalf("sealed %d, %v", n, err)
	}
	b, err := l.Block(ctx, 0)
	if err != nil || len(b.Records) != 2 || b.PreviousHash != vl.GenesisPreviousHash || b.Difficulty != 2 {
		t.Fatalf("%+v %v", b, err)
	}
	if _, err := l.Block(ctx, 1); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("missing block: %v", err)
	}
}

func TestProofPendingThenSealed(t *testing.T) {
	ctx := context.Background()
	l, _, c := newLedger(t, ledger.Options{BlockSize: 3})
	for i := 0; i < 5; i++ {
		l.Append(ctx, record(t, i))
	}
	l.SealDue(ctx, c.Now()) // seals 0..2; 3 and 4 wait
	_, err := l.Proof(ctx, "urn:uuid:c-4")
	var nf *ledger.NotFoundError
	if !errors.Is(err, ledger.ErrNotFound) || !errors.Is(err, ledger.ErrPending) || !errors.As(err, &nf) || !nf.Pending {
		t.Fatalf("pending: %v", err)
	}
	if _, err := l.Proof(ctx, "urn:uuid:nobody"); !errors.Is(err, ledger.ErrNotFound) || errors.Is(err, ledger.ErrPending) {
		t.Fatalf("unknown: %v", err)
	}
	c.Advance(ledger.DefaultSealAfter)
	if n, _ := l.SealDue(ctx, c.Now()); n != 1 {
		t.Fatal("age seal")
	}
	p, err := l.Proof(ctx, "urn:uuid:c-4")
	if err != nil {
		t.Fatal(err)
	}
	// Through JSON, as a wallet receives it, then verified.
	data, _ := json.Marshal(p)
	p2, err := vl.ParseProof(data)
	if err != nil || p2.Block.Records != nil || p2.LeafIndex != 1 || p2.TreeSize != 2 {
		t.Fatalf("%s %v", data, err)
	}
	doc, _ := l.Document(ctx)
	blocks, _ := l.Blocks(ctx, p2.Block.Index, 100)
	r := vl.VerifyCredential(ctx, vl.CredentialCheck{Credential: credential(4), CredentialID: "urn:uuid:c-4",
		Issuer: signer(1).DID, Proof: p2, Blocks: blocks, Head: doc.Head, Keys: keys})
	if r.Status != vl.StatusPass {
		t.Fatalf("%s", r.Message)
	}

	// A revocation, once sealed, makes the same check fail.
	rev := record(t, 4)
	rev.Type, rev.Reason = vl.TypeRevocation, "plagiarism"
	if err := l.Append(ctx, rev); err != nil {
		t.Fatal(err)
	}
	c.Advance(ledger.DefaultSealAfter)
	l.SealDue(ctx, c.Now())
	doc, _ = l.Document(ctx)
	blocks, _ = l.Blocks(ctx, p2.Block.Index, 100)
	p3, _ := l.Proof(ctx, "urn:uuid:c-4")
	r = vl.VerifyCredential(ctx, vl.CredentialCheck{Credential: credential(4), CredentialID: "urn:uuid:c-4",
		Issuer: signer(1).DID, Proof: p3, Blocks: blocks, Head: doc.Head, Keys: keys})
	if r.Status != vl.StatusFail || !r.Failed(vl.CodeRevoked) {
		t.Fatalf("revoked: %s", r.Message)
	}
}

func TestAppendValidatesAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	l, _, _ := newLedger(t, ledger.Options{})
	r := record(t, 1)
	if err := l.Append(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, r); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n, _ := l.Pending(ctx); n != 1 {
		t.Fatalf("pending %d after a retried append", n)
	}
	other := r
	other.Digest = "sha256:" + hex.EncodeToString(make([]byte, 32))
	if err := l.Append(ctx, other); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("other digest: %v", err)
	}
	for _, bad := range []func(*vl.Record){
		func(r *vl.Record) { r.Type = "mint" },
		func(r *vl.Record) { r.Credential = "" },
		func(r *vl.Record) { r.Digest = "md5:x" },
		func(r *vl.Record) { r.Recipient = "ada@example.org" },
		func(r *vl.Record) { r.Time = "yesterday" },
	} {
		x := record(t, 2)
		bad(&x)
		if err := l.Append(ctx, x); err == nil {
			t.Errorf("accepted %+v", x)
		}
	}
}

// TestConcurrentAppendAndSeal: writers append while sealers seal; every
// record ends in exactly one block, in append order, and the chain
// verifies.
func TestConcurrentAppendAndSeal(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	s := signer(1)
	l1, _ := ledger.New(db, s, ledger.Options{BlockSize: 4, Difficulty: 1})
	l2, _ := ledger.New(db, s, ledger.Options{BlockSize: 4, Difficulty: 1}) // a second sealer, as another process would be
	const writers, each = 4, 15
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := l1.Append(ctx, record(t, w*1000+i)); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	var sg sync.WaitGroup
	for _, l := range []*ledger.Ledger{l1, l2, l2} {
		sg.Add(1)
		go func(l *ledger.Ledger) {
			defer sg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := l.SealDue(ctx, time.Now()); err != nil {
					t.Error(err)
					return
				}
			}
		}(l)
	}
	wg.Wait()
	close(done)
	sg.Wait()
	// Seal the rest by age.
	if _, err := l1.SealDue(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	e, err := l1.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var ids []int64
	for _, b := range e.Blocks {
		for _, r := range b.Records {
			if seen[r.Credential] {
				t.Fatalf("%s sealed twice", r.Credential)
			}
			seen[r.Credential] = true
		}
	}
	if len(seen) != writers*each || e.Pending != 0 {
		t.Fatalf("%d records sealed, %d pending; want %d", len(seen), e.Pending, writers*each)
	}
	// Append order: records are sealed by ascending row id.
	rows, _ := db.R.Query(`SELECT id FROM ledger_records ORDER BY block_index, position`)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("records out of append order at %d: %v", i, ids)
		}
	}
	if r := vl.VerifyExport(ctx, e, keys, nil); r.Status != vl.StatusPass {
		t.Fatal(r.Message)
	}
}

func TestSealJobs(t *testing.T) {
	ctx := context.Background()
	l, db, c := newLedger(t, ledger.Options{BlockSize: 3, SealAfter: time.Minute})
	q := jobs.New(db, jobs.Config{Now: c.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	l.RegisterJobs(q)
	if err := l.Schedule(ctx); err != nil {
		t.Fatal(err)
	}
	l.Schedule(ctx) // no second sweeper
	var n int
	db.R.QueryRow(`SELECT count(*) FROM jobs WHERE kind = ?`, ledger.JobSeal).Scan(&n)
	if n != 1 {
		t.Fatalf("%d sweepers", n)
	}
	for i := 0; i < 3; i++ {
		l.Append(ctx, record(t, i))
	}
	// The full block queued a seal-now job.
	if ran, err := q.RunOnce(ctx); err != nil || ran != 1 {
		t.Fatalf("ran %d, %v", ran, err)
	}
	if h, _ := l.Head(ctx); h == nil || h.Index != 0 {
		t.Fatalf("head %+v", h)
	}
	l.Append(ctx, record(t, 3))
	c.Advance(time.Minute)
	if ran, _ := q.RunOnce(ctx); ran != 1 {
		t.Fatalf("sweeper ran %d", ran)
	}
	if h, _ := l.Head(ctx); h == nil || h.Index != 1 {
		t.Fatalf("head after the sweep %+v", h)
	}
	db.R.QueryRow(`SELECT count(*) FROM jobs WHERE kind = ?`, ledger.JobSeal).Scan(&n)
	if n != 1 {
		t.Fatalf("%d sweepers after a sweep", n)
	}
}

func TestNewRejectsDifficulty(t *testing.T) {
	db := storetest.New(t)
	if _, err := ledger.New(db, signer(1), ledger.Options{Difficulty: 20}); err == nil {
		t.Fatal("difficulty 20 accepted")
	}
	if _, err := ledger.New(db, nil, ledger.Options{}); err == nil {
		t.Fatal("no signer accepted")
	}
}
