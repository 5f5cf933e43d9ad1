package wallet_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

func TestNormalizeIssuer(t *testing.T) {
	for in, want := range map[string]string{
		"https://Issuer.Example":               "https://issuer.example",
		" https://issuer.example/ ":            "https://issuer.example",
		"http://127.0.0.1:8080/":               "http://127.0.0.1:8080",
		"https://issuer.example/Issuer?v=1":    "https://issuer.example/Issuer?v=1",
		"https://issuer.example/issuers/7":     "https://issuer.example/issuers/7",
		"did:web:issuer.example":               "did:web:issuer.example",
		"did:key:z6MkhaXgBZDvotDkL5257faiztiG": "did:key:z6MkhaXgBZDvotDkL5257faiztiG",
	} {
		got, err := wallet.NormalizeIssuer(in)
		if err != nil || got != want {
			t.Errorf("NormalizeIssuer(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "  ", "issuer.example", "ftp://issuer.example", "https://", "https://user@issuer.example",
		"did:", "did:web", "did:WEB:x", "did:web:", "javascript:alert(1)", "https://issuer.example/a b", "mailto:a@b.example"} {
		_, err := wallet.NormalizeIssuer(in)
		var ve *wallet.ValidationError
		if !errors.As(err, &ve) || ve.Msg == "" {
			t.Errorf("NormalizeIssuer(%q): %v, want a ValidationError", in, err)
		}
	}
}

func TestTrustedIssuersRoundTrip(t *testing.T) {
	w, _ := newWallet(t)
	ctx := context.Background()
	w.SetCourseIssuers(func(context.Context) ([]wallet.CourseIssuer, error) {
		return []wallet.CourseIssuer{
			{Origin: "https://course.example", Course: "Go 101"},
			{Origin: "https://own.example"}, // listed by the owner too: shown once, as the owner's
			{Origin: "http://localhost:8443", Course: "Local"},
		}, nil
	})
	a, err := w.AddTrustedIssuer(ctx, "https://Own.Example/", "Own")
	if err != nil || a.ID == 0 || a.Issuer != "https://own.example" || a.Label != "Own" || a.AddedAt.IsZero() {
		t.Fatalf("add: %+v, %v", a, err)
	}
	if _, err := w.AddTrustedIssuer(ctx, "did:web:badges.example", ""); err != nil {
		t.Fatal(err)
	}
	// Adding again keeps one entry; an empty label keeps the old one.
	again, err := w.AddTrustedIssuer(ctx, "https://own.example", "")
	if err != nil || again.ID != a.ID || again.Label != "Own" {
		t.Fatalf("add again: %+v, %v", again, err)
	}
	if _, err := w.AddTrustedIssuer(ctx, "issuer.example", ""); err == nil {
		t.Fatal("a bare host name was accepted")
	}
	if _, err := w.AddTrustedIssuer(ctx, "https://x.example", strings.Repeat("x", 201)); err == nil {
		t.Fatal("an over-long label was accepted")
	}

	list, err := w.TrustedIssuers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range list {
		got = append(got, e.Issuer+"|"+e.Course)
	}
	want := []string{"did:web:badges.example|", "https://own.example|", "http://localhost:8443|Local", "https://course.example|Go 101"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("list %q, want %q", got, want)
	}
	trust, err := w.TrustList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantTrust := []string{"did:web:badges.example", "https://own.example", "http://localhost:8443", "did:web:localhost%3A8443",
		"https://course.example", "did:web:course.example"}
	if !reflect.DeepEqual(trust, wantTrust) {
		t.Fatalf("trust list %q, want %q", trust, wantTrust)
	}

	removed, err := w.RemoveTrustedIssuer(ctx, a.ID)
	if err != nil || removed.Issuer != "https://own.example" {
		t.Fatalf("remove: %+v, %v", removed, err)
	}
	if _, err := w.RemoveTrustedIssuer(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("remove twice: %v, want ErrNotFound", err)
	}
	list, _ = w.TrustedIssuers(ctx)
	if len(list) != 4 || list[0].Issuer != "did:web:badges.example" || !list[3].FromCourse() {
		// own.example is now only the course's entry.
		t.Fatalf("after remove: %+v", list)
	}
}

func trustStatus(t *testing.T, r *verify.Report) string {
	t.Helper()
	if r == nil {
		t.Fatal("no report")
	}
	c, ok := r.Check(verify.CheckTrust)
	if !ok {
		t.Fatalf("no trust check in %+v", r.Checks)
	}
	return c.Status
}

func TestTrustIssuerOfReverifiesAndRetrustJob(t *testing.T) {
	f := newFixture(t, newIssuer(t))
	ctx := context.Background()
	c, _, err := f.w.Import(ctx, f.is.assertion(t, 1), "")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := f.w.Import(ctx, f.is.assertion(t, 2), "")
	if err != nil {
		t.Fatal(err)
	}
	if s := trustStatus(t, c.Report); s != verify.StatusWarn || c.Verdict != verify.VerdictValid {
		t.Fatalf("untrusted issuer: trust %q, verdict %q", s, c.Verdict)
	}
	entry, rep, err := f.w.TrustIssuerOf(ctx, c.ID)
	if err != nil || entry.Issuer != f.is.srv.URL+"/issuer" || entry.Label != "Loopback Academy" {
		t.Fatalf("trust: %+v, %v", entry, err)
	}
	if s := trustStatus(t, &rep); s != verify.StatusPass {
		t.Fatalf("fresh report trust %q", s)
	}
	if s := trustStatus(t, f.get(t, c.ID).Report); s != verify.StatusPass {
		t.Fatalf("stored report trust %q", s)
	}
	// The other credential of the same issuer follows through the queued
	// re-verification.
	if s := trustStatus(t, f.get(t, other.ID).Report); s != verify.StatusWarn {
		t.Fatalf("other credential before the job: %q", s)
	}
	if n := f.runOnce(t); n != 1 {
		t.Fatalf("ran %d jobs, want the re-verification once", n)
	}
	if s := trustStatus(t, f.get(t, other.ID).Report); s != verify.StatusPass {
		t.Fatalf("other credential after the job: %q", s)
	}
	// Removing the entry queues one more; two changes in a row queue one.
	if _, err := f.w.RemoveTrustedIssuer(ctx, entry.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.w.AddTrustedIssuer(ctx, "did:web:unrelated.example", ""); err != nil {
		t.Fatal(err)
	}
	var queued int
	f.db.R.QueryRow("SELECT count(*) FROM jobs WHERE kind = ?", wallet.JobRetrust).Scan(&queued)
	if queued != 1 {
		t.Fatalf("%d re-verification jobs queued, want 1", queued)
	}
	f.runOnce(t)
	for _, id := range []int64{c.ID, other.ID} {
		if s := trustStatus(t, f.get(t, id).Report); s != verify.StatusWarn {
			t.Fatalf("credential %d after removal: trust %q", id, s)
		}
	}
}

func TestFollowedCourseOriginIsTrusted(t *testing.T) {
	is := newIssuer(t)
	w, _ := newWallet(t)
	w.SetCourseIssuers(func(context.Context) ([]wallet.CourseIssuer, error) {
		return []wallet.CourseIssuer{{Origin: is.srv.URL, Course: "Loopback course"}}, nil
	})
	c, _, err := w.Import(context.Background(), is.assertion(t, 1), "")
	if err != nil {
		t.Fatal(err)
	}
	if s := trustStatus(t, c.Report); s != verify.StatusPass {
		t.Fatalf("a followed course's issuer: trust %q", s)
	}
}
