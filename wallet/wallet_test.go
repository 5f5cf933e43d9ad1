package wallet_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify/bake"
	"github.com/cairn-pl/cairn/wallet"
)

func TestImportHostedJSON(t *testing.T) {
	is := newIssuer(t)
	w, ids := newWallet(t)
	ids.set("mailto:ada@example.org")
	ctx := context.Background()

	c, created, err := w.Import(ctx, is.assertion(t, 1), "")
	if err != nil || !created {
		t.Fatalf("import: created=%v, %v", created, err)
	}
	if c.Verdict != "valid" || c.Report == nil || c.Report.Verdict != "valid" {
		t.Fatalf("verdict %q, report %+v", c.Verdict, c.Report)
	}
	want := wallet.Credential{CredentialID: is.assertionURL(1), OriginalType: wallet.TypeJSON, Format: "ob2-hosted",
		Name: "Go Basics", Description: "Wrote Go.", IssuerID: is.srv.URL + "/issuer", IssuerName: "Loopback Academy"}
	if c.CredentialID != want.CredentialID || c.OriginalType != want.OriginalType || c.Format != want.Format ||
		c.Name != want.Name || c.Description != want.Description || c.IssuerID != want.IssuerID || c.IssuerName != want.IssuerName {
		t.Errorf("fields:\n got %+v\nwant %+v", c, want)
	}
	if c.Issued == "" || c.Summary.Achievement.Name != "Go Basics" || c.VerifiedAt.IsZero() || len(c.Digest) != 64 {
		t.Errorf("issued %q, summary %+v, verified %v, digest %q", c.Issued, c.Summary, c.VerifiedAt, c.Digest)
	}
	orig, ctype, err := w.Original(ctx, c.ID)
	if err != nil || string(orig) != string(is.assertion(t, 1)) || ctype != "application/json" {
		t.Errorf("original: %q %q %v", orig, ctype, err)
	}

	// The same credential again: recognised, not duplicated.
	again, created, err := w.Import(ctx, is.assertion(t, 1), "")
	if err != nil || created || again.ID != c.ID {
		t.Fatalf("re-import: id %d created=%v, %v", again.ID, created, err)
	}
	// By URL: the same assertion, recognised by its id.
	byURL, created, err := w.ImportURL(ctx, is.assertionURL(1))
	if err != nil || created || byURL.ID != c.ID {
		t.Fatalf("by URL: id %d created=%v, %v", byURL.ID, created, err)
	}
	// A different assertion by URL is a new credential.
	other, created, err := w.ImportURL(ctx, is.assertionURL(2))
	if err != nil || !created || other.OriginalType != wallet.TypeURL || other.SourceURL != is.assertionURL(2) || other.Verdict != "valid" {
		t.Fatalf("second by URL: %+v created=%v, %v", other, created, err)
	}
	list, err := w.List(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %d, %v", len(list), err)
	}
	hist, _ := w.History(ctx, c.ID)
	if len(hist) != 1 || hist[0].Verdict != "valid" {
		t.Errorf("history %+v, want one valid", hist)
	}
}

func TestImportBakedPNGRecognisedByID(t *testing.T) {
	is := newIssuer(t)
	w, _ := newWallet(t)
	ctx := context.Background()
	first, _, err := w.Import(ctx, is.assertion(t, 7), "")
	if err != nil {
		t.Fatal(err)
	}
	baked, err := bake.BakePNG(smallPNG(t), bake.KeywordOB2, is.assertion(t, 7))
	if err != nil {
		t.Fatal(err)
	}
	c, created, err := w.Import(ctx, baked, "")
	if err != nil || created || c.ID != first.ID {
		t.Fatalf("baked PNG: id %d (want %d) created=%v, %v", c.ID, first.ID, created, err)
	}
	// On its own, the baked PNG is stored as a PNG.
	w2, _ := newWallet(t)
	c, created, err = w2.Import(ctx, baked, "")
	if err != nil || !created || c.OriginalType != wallet.TypePNG || c.Verdict != "valid" {
		t.Fatalf("baked PNG alone: %+v created=%v, %v", c, created, err)
	}
	if _, ctype, _ := w2.Original(ctx, c.ID); ctype != "image/png" {
		t.Errorf("content type %q", ctype)
	}
}

func TestImportGarbageStoresNothing(t *testing.T) {
	w, _ := newWallet(t)
	ctx := context.Background()
	for _, in := range []string{"", "   ", "\x00\x01 not a badge", "{not json", `{"a":1} trailing`, "ftp://example.org/x"} {
		_, _, err := w.Import(ctx, []byte(in), "")
		var ve *wallet.ValidationError
		if !errors.As(err, &ve) || ve.Msg == "" {
			t.Errorf("%q: err %v, want a ValidationError", in, err)
		}
	}
	if _, _, err := w.ImportURL(ctx, "not a url"); !errors.As(err, new(*wallet.ValidationError)) {
		t.Errorf("ImportURL of a non-URL: %v", err)
	}
	if _, _, err := w.Import(ctx, make([]byte, wallet.MaxImportBytes+1), ""); !errors.Is(err, wallet.ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if list, err := w.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("stored %d credentials, %v", len(list), err)
	}
}

func TestRecipientMismatchIsInvalid(t *testing.T) {
	is := newIssuer(t)
	w, ids := newWallet(t)
	ids.set("mailto:someone@else.example")
	c, _, err := w.Import(context.Background(), is.assertion(t, 1), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Verdict != "invalid" {
		t.Fatalf("verdict %q, want invalid", c.Verdict)
	}
	if ch, ok := c.Report.Check("recipient"); !ok || ch.Status != "fail" {
		t.Errorf("recipient check %+v", ch)
	}
}

func TestReverifyAfterRevocation(t *testing.T) {
	is := newIssuer(t)
	w, _ := newWallet(t)
	ctx := context.Background()
	c, _, err := w.Import(ctx, is.assertion(t, 1), "")
	if err != nil || c.Verdict != "valid" {
		t.Fatalf("import: %q %v", c.Verdict, err)
	}
	// Unchanged: no new history row.
	if rep, err := w.Reverify(ctx, c.ID); err != nil || rep.Verdict != "valid" {
		t.Fatalf("reverify: %q %v", rep.Verdict, err)
	}
	is.Revoked.Store(true)
	rep, err := w.Reverify(ctx, c.ID)
	if err != nil || rep.Verdict != "invalid" {
		t.Fatalf("revoked: %q %v", rep.Verdict, err)
	}
	got, err := w.Get(ctx, c.ID)
	if err != nil || got.Verdict != "invalid" || got.Report.Verdict != "invalid" || got.Name != "Go Basics" {
		t.Fatalf("after revocation: %+v, %v", got, err)
	}
	hist, _ := w.History(ctx, c.ID)
	if len(hist) != 2 || hist[0].Verdict != "valid" || hist[1].Verdict != "invalid" {
		t.Errorf("history %+v, want valid then invalid", hist)
	}
}

func TestGetDeleteUnknown(t *testing.T) {
	is := newIssuer(t)
	w, _ := newWallet(t)
	ctx := context.Background()
	if _, err := w.Get(ctx, 99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get: %v", err)
	}
	if _, err := w.Reverify(ctx, 99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reverify: %v", err)
	}
	c, _, err := w.Import(ctx, is.assertion(t, 1), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.Delete(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if hist, _ := w.History(ctx, c.ID); len(hist) != 0 {
		t.Errorf("history survived delete: %+v", hist)
	}
}
