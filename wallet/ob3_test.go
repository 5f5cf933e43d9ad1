package wallet_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/bake"
	"github.com/cairn-pl/cairn/verify/sign"
	"github.com/cairn-pl/cairn/wallet"
)

// Open Badges 3.0 in the wallet, against the shared loopback OB 3.0
// issuer (testissuer.NewVC), reached through netx as in production (the
// did:web document over http, which netx allows for loopback hosts only
// with the private network allowed).

// ob3Wallet is a wallet whose owner's identities (Settings) hold the
// issuer's recipient, with a job queue, on a clock at testissuer.Now.
type ob3Wallet struct {
	w     *wallet.Service
	ids   *identities
	q     *jobs.Queue
	clock *testClock
}

func newOB3Wallet(t testing.TB) *ob3Wallet {
	t.Helper()
	client := netx.New(netx.Options{AllowPrivate: true, Timeout: 5 * time.Second})
	t.Cleanup(client.CloseIdleConnections)
	ids := &identities{}
	ids.set("mailto:" + testissuer.Email)
	db := storetest.New(t)
	o := &ob3Wallet{ids: ids, clock: &testClock{t: testissuer.Now}}
	o.w = wallet.New(db, verify.NetFetcher{Client: client}, ids.get, quietLogger())
	o.w.SetNow(o.clock.Now)
	o.q = jobs.New(db, jobs.Config{Now: o.clock.Now, Logger: quietLogger()})
	o.w.RegisterJobs(o.q)
	return o
}

func (o *ob3Wallet) mustImport(t *testing.T, data []byte) wallet.Credential {
	t.Helper()
	c, created, err := o.w.Import(context.Background(), data, "")
	if err != nil || !created {
		t.Fatalf("import: created=%v %v", created, err)
	}
	return c
}

// wantCheck fails unless the credential's report has check id with status.
func wantCheck(t *testing.T, c wallet.Credential, id, status, words string) {
	t.Helper()
	if c.Report == nil {
		t.Fatalf("credential %d has no report", c.ID)
	}
	ch, ok := c.Report.Check(id)
	if !ok || ch.Status != status || !strings.Contains(ch.Message, words) {
		t.Fatalf("check %s = %+v (found %v), want %s mentioning %q; checks %+v", id, ch, ok, status, words, c.Report.Checks)
	}
}

func TestOB3ImportFormats(t *testing.T) {
	is := testissuer.NewVC(t)
	o := newOB3Wallet(t)
	baked, err := bake.Bake(is.BadgePNG(), bake.KeywordOB3, is.SignJSON(is.Credential(3), sign.RDFC))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, format, typ string
		data              []byte
	}{
		{"JSON eddsa-rdfc-2022", verify.FormatOB3DI, wallet.TypeJSON, is.SignJSON(is.Credential(1), sign.RDFC)},
		{"VC-JWT EdDSA", verify.FormatOB3JWT, wallet.TypeJWS, []byte(is.JWT(is.Credential(2), is.Key, is.VM))},
		{"baked PNG", verify.FormatOB3DI, wallet.TypePNG, baked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := o.mustImport(t, tc.data)
			if c.Verdict != verify.VerdictValid || c.Format != tc.format || c.OriginalType != tc.typ {
				t.Fatalf("verdict %s format %s type %s; checks %+v", c.Verdict, c.Format, c.OriginalType, c.Report.Checks)
			}
			if c.Name != "Web Publishing" || c.IssuerName != testissuer.IssuerName || c.IssuerID != is.DID || c.Image != is.BadgeURL() {
				t.Fatalf("stored %+v", c)
			}
			// The owner's identity from Settings matches the hashed email.
			wantCheck(t, c, verify.CheckRecipient, verify.StatusPass, testissuer.Email)
			wantCheck(t, c, verify.CheckStatus, verify.StatusPass, "")
			wantCheck(t, c, verify.CheckKey, verify.StatusPass, "")
			wantCheck(t, c, verify.CheckTrust, verify.StatusWarn, "")
		})
	}

	// Someone else's credential: the recipient check fails it.
	o.ids.set("mailto:someone@else.example")
	c, err := o.w.Reverify(context.Background(), 1)
	if err != nil || c.Verdict != verify.VerdictInvalid {
		t.Fatalf("with another identity: %s %v", c.Verdict, err)
	}
}

// TestOB3RevokedBySweep revokes a credential at the issuer; the re-verify
// job, not the owner, finds it out.
func TestOB3RevokedBySweep(t *testing.T) {
	is := testissuer.NewVC(t)
	o := newOB3Wallet(t)
	ctx := context.Background()
	var creds []wallet.Credential
	for i := range 5 {
		creds = append(creds, o.mustImport(t, is.SignJSON(is.Credential(10+i), sign.RDFC)))
	}
	jwt := o.mustImport(t, []byte(is.JWT(is.Credential(20), is.ECKey, is.DID+"#key-ec")))
	is.SetBit("revocation", 12)
	is.SetBit("revocation", 20)
	is.SetBit("suspension", 13)
	listHits := is.Hits("/status/revocation")

	if err := o.w.Schedule(ctx, o.q); err != nil {
		t.Fatal(err)
	}
	o.clock.Advance(wallet.DefaultReverifyEvery + time.Hour)
	if n, err := o.q.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("ran %d jobs: %v", n, err)
	}
	// One batch, one cache: the revocation list was fetched once for all.
	if got := is.Hits("/status/revocation") - listHits; got != 1 {
		t.Errorf("the revocation list was fetched %d times by one sweep, want 1", got)
	}
	want := map[int64]string{creds[2].ID: "revoked by the issuer", creds[3].ID: "suspended by the issuer", jwt.ID: "revoked by the issuer"}
	for _, c := range append(creds, jwt) {
		got, err := o.w.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if msg, bad := want[c.ID]; bad {
			if got.Verdict != verify.VerdictInvalid {
				t.Fatalf("credential %d is %s after the sweep", c.ID, got.Verdict)
			}
			wantCheck(t, got, verify.CheckStatus, verify.StatusFail, msg)
			if h, _ := o.w.History(ctx, c.ID); len(h) != 2 || h[1].Verdict != verify.VerdictInvalid {
				t.Fatalf("history %+v", h)
			}
			continue
		}
		if got.Verdict != verify.VerdictValid || !got.VerifiedAt.Equal(o.clock.Now().Truncate(time.Millisecond)) {
			t.Fatalf("credential %d: %s verified at %v", c.ID, got.Verdict, got.VerifiedAt)
		}
	}

	// "Verify again" asks the issuer afresh every time: no cache.
	before := is.Hits("/status/revocation")
	for range 2 {
		if _, err := o.w.Reverify(ctx, creds[0].ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := is.Hits("/status/revocation") - before; got != 2 {
		t.Fatalf("two manual verifications fetched the list %d times, want 2", got)
	}
	// A suspension lifted shows at the next manual verification.
	is.ClearBit("suspension", 13)
	if rep, err := o.w.Reverify(ctx, creds[3].ID); err != nil || rep.Verdict != verify.VerdictValid {
		t.Fatalf("after the suspension was lifted: %s %v", rep.Verdict, err)
	}
}

func TestOB3ReverifyAll(t *testing.T) {
	is := testissuer.NewVC(t)
	o := newOB3Wallet(t)
	ctx := context.Background()
	for i := range 12 {
		o.mustImport(t, is.SignJSON(is.Credential(i), sign.RDFC))
	}
	is.SetBit("revocation", 4)
	sum, err := o.w.ReverifyAll(ctx)
	if err != nil || sum.Checked != 12 || sum.Failed != 0 || sum.Verdicts[verify.VerdictValid] != 11 || sum.Verdicts[verify.VerdictInvalid] != 1 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	// An issuer whose lists are down makes the batch unknown, never valid.
	is.SetDown(true)
	sum, err = o.w.ReverifyAll(ctx)
	if err != nil || sum.Verdicts[verify.VerdictUnknown] != 12 {
		t.Fatalf("issuer down: %+v, %v", sum, err)
	}
}

func TestOB3LearningTokens(t *testing.T) {
	is := testissuer.NewVC(t)
	o := newOB3Wallet(t)
	ctx := context.Background()
	score := o.mustImport(t, is.SignJSON(is.LearningToken(verify.TokenScore, 7, 0, 10), sign.RDFC))
	o.mustImport(t, is.SignJSON(is.LearningToken(verify.TokenScore, 2.5, 0, 10), sign.RDFC))
	o.mustImport(t, []byte(is.JWT(is.LearningToken(verify.TokenAttendance, 1, 0, 1), is.Key, is.VM)))
	revoked := is.LearningToken(verify.TokenHelp, 5, 0, 5)
	is.SetBit("revocation", testissuer.TokenIndex(revoked))
	o.mustImport(t, is.SignJSON(revoked, sign.RDFC))

	lt := score.Summary.LearningToken
	if score.Verdict != verify.VerdictValid || lt == nil || lt.Kind != verify.TokenScore || lt.Amount != 7 || !lt.HasRange ||
		lt.Min != 0 || lt.Max != 10 || lt.Field.Code != testissuer.TokenFieldCode || lt.Skill.Name != testissuer.TokenSkillName {
		t.Fatalf("token %s %+v", score.Verdict, lt)
	}
	tot, err := o.w.LearningTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The revoked help token counts for nothing.
	if tot.Count != 3 || len(tot.Kinds) != 2 || tot.Kinds[0].Kind != verify.TokenAttendance || tot.Kinds[0].Amount != 1 ||
		tot.Kinds[1].Kind != verify.TokenScore || tot.Kinds[1].Amount != 9.5 || tot.Kinds[1].Count != 2 {
		t.Fatalf("totals %+v", tot)
	}
	if len(tot.Skills) != 1 || tot.Skills[0].Name != testissuer.TokenSkillName || tot.Skills[0].Amount != 10.5 ||
		len(tot.Fields) != 1 || tot.Fields[0].Code != testissuer.TokenFieldCode {
		t.Fatalf("skills %+v fields %+v", tot.Skills, tot.Fields)
	}
}

// TestOB3Dedupe: the same credential imported again, in any encoding
// (JSON, baked, a VC-JWT of it), is one wallet entry.
func TestOB3Dedupe(t *testing.T) {
	is := testissuer.NewVC(t)
	o := newOB3Wallet(t)
	ctx := context.Background()
	doc := is.SignJSON(is.Credential(7), sign.RDFC)
	first := o.mustImport(t, doc)
	baked, err := bake.Bake(is.BadgePNG(), bake.KeywordOB3, doc)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"JSON": doc, "JSON with spaces": append([]byte("\n  "), doc...), "baked": baked,
		"VC-JWT": []byte(is.JWT(is.Credential(7), is.Key, is.VM))} {
		c, created, err := o.w.Import(ctx, in, "")
		if err != nil || created || c.ID != first.ID || c.Verdict != verify.VerdictValid {
			t.Fatalf("%s: id %d created=%v %s %v", name, c.ID, created, c.Verdict, err)
		}
	}
	if list, _ := o.w.List(ctx); len(list) != 1 {
		t.Fatalf("%d credentials, want 1", len(list))
	}
}

func TestOB3ExportImportArchive(t *testing.T) {
	is := testissuer.NewVC(t)
	src := newOB3Wallet(t)
	ctx := context.Background()
	baked, _ := bake.Bake(is.BadgePNG(), bake.KeywordOB3, is.SignJSON(is.Credential(3), sign.RDFC))
	inputs := [][]byte{is.SignJSON(is.Credential(1), sign.RDFC), is.SignJSON(is.Credential(2), sign.JCS),
		[]byte(is.JWT(is.Credential(4), is.Key, is.VM)), baked,
		is.SignJSON(is.LearningToken(verify.TokenScore, 3, 0, 5), sign.RDFC)}
	for _, in := range inputs {
		src.mustImport(t, in)
	}
	var zip bytes.Buffer
	if err := src.w.Export(ctx, &zip); err != nil {
		t.Fatal(err)
	}
	dst := newOB3Wallet(t)
	rep, err := dst.w.ImportArchive(ctx, bytes.NewReader(zip.Bytes()), int64(zip.Len()))
	if err != nil || rep.Added != len(inputs) || rep.Failed != 0 {
		t.Fatalf("restore %+v %v", rep, err)
	}
	list, _ := dst.w.List(ctx)
	for _, c := range list {
		if c.Verdict != verify.VerdictValid || !strings.HasPrefix(c.Format, "ob3-") {
			t.Fatalf("restored %d: %s %s", c.ID, c.Verdict, c.Format)
		}
	}
	if got, want := digests(t, dst.w), digests(t, src.w); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("digests differ:\n%v\n%v", got, want)
	}
	// Restoring again adds nothing.
	rep, err = dst.w.ImportArchive(ctx, bytes.NewReader(zip.Bytes()), int64(zip.Len()))
	if err != nil || rep.Added != 0 || rep.Present != len(inputs) {
		t.Fatalf("second restore %+v %v", rep, err)
	}
	if tot, _ := dst.w.LearningTokens(ctx); tot.Count != 1 {
		t.Fatalf("restored tokens %+v", tot)
	}
}

// TestOB3BakedDownload: a JSON or VC-JWT credential downloads baked into
// its badge image with the OB 3.0 keyword, and the file imports back as
// the same credential.
func TestOB3BakedDownload(t *testing.T) {
	is := testissuer.NewVC(t)
	o := newOB3Wallet(t)
	ctx := context.Background()
	for name, in := range map[string][]byte{
		"JSON":   is.SignJSON(is.Credential(1), sign.RDFC),
		"VC-JWT": []byte(is.JWT(is.Credential(2), is.Key, is.VM)),
	} {
		t.Run(name, func(t *testing.T) {
			c := o.mustImport(t, in)
			img, kind, err := o.w.Baked(ctx, c.ID)
			if err != nil || kind != bake.PNG {
				t.Fatalf("baked: %v %v", kind, err)
			}
			b, err := bake.Unbake(img)
			if err != nil || b.Keyword != bake.KeywordOB3 || !bytes.Equal(bytes.TrimSpace(b.Payload), bytes.TrimSpace(in)) {
				t.Fatalf("unbaked keyword %q payload %.60q %v", b.Keyword, b.Payload, err)
			}
			again, created, err := o.w.Import(ctx, img, "")
			if err != nil || created || again.ID != c.ID || again.Verdict != verify.VerdictValid {
				t.Fatalf("re-import: %d created=%v %s %v", again.ID, created, again.Verdict, err)
			}
			// The baked download of the baked file is the same file.
			o2 := newOB3Wallet(t)
			c2 := o2.mustImport(t, img)
			img2, _, err := o2.w.Baked(ctx, c2.ID)
			if b2, _ := bake.Unbake(img2); err != nil || b2.Keyword != bake.KeywordOB3 || !bytes.Equal(b2.Payload, b.Payload) {
				t.Fatalf("re-baked: %v", err)
			}
		})
	}
}
