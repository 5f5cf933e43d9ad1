package wallet_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/cairn-pl/cairn/verify/bake"
)

func TestBakedDownload(t *testing.T) {
	is := newIssuer(t)
	w, _ := newWallet(t)
	ctx := context.Background()
	// A JSON credential is baked into its badge image.
	c, _, err := w.Import(ctx, is.assertion(t, 1), "")
	if err != nil {
		t.Fatal(err)
	}
	img, kind, err := w.Baked(ctx, c.ID)
	if err != nil || kind != bake.PNG {
		t.Fatalf("baked: %v %v", kind, err)
	}
	b, err := bake.Unbake(img)
	if err != nil || !bytes.Equal(b.Payload, bytes.TrimSpace(is.assertion(t, 1))) || b.Keyword != bake.KeywordOB2 {
		t.Fatalf("unbaked %q %v", b.Keyword, err)
	}
	// The baked file imports back as the same credential.
	again, created, err := w.Import(ctx, img, "")
	if err != nil || created || again.ID != c.ID {
		t.Fatalf("re-import: %d created=%v %v", again.ID, created, err)
	}
	// A baked original is re-baked as it is.
	w2, _ := newWallet(t)
	c2, _, _ := w2.Import(ctx, img, "")
	img2, _, err := w2.Baked(ctx, c2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b2, _ := bake.Unbake(img2); !bytes.Equal(b2.Payload, b.Payload) {
		t.Fatal("re-baked payload differs")
	}
	// An unknown credential, and a badge whose image is gone, fail clearly.
	if _, _, err := w.Baked(ctx, 999); err == nil {
		t.Fatal("unknown id baked")
	}
	is.srv.Close()
	if _, _, err := w.Baked(ctx, c.ID); err == nil {
		t.Fatal("baked with the issuer gone")
	}
}
