package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify/sign"
)

// TestE2EShareQRPhone is the employer's moment: a learner's Cairn shares a
// skill profile of four credentials (valid from a trusted issuer, revoked,
// expired, and valid from an issuer the learner does not trust). The test
// decodes the share link's QR code (PNG, with ZXing's decoder), opens the
// URL it holds in Chromium at phone size, and finds every credential with
// its verdict in plain words; a screenshot is written under the test's
// temp dir (or $CAIRN_SCREENSHOTS).
func TestE2EShareQRPhone(t *testing.T) {
	execPath := findChromium(t)
	trusted, stranger := testissuer.NewVC(t), testissuer.NewVC(t)
	srv := startCairn(t, func(c *config.Config) { c.AllowPrivateNetwork = true })
	api := newAPIClient(t, srv)
	api.do("POST", "/api/settings/identities", map[string]any{"identities": []string{"mailto:" + testissuer.Email}}, http.StatusOK, nil)
	api.do("POST", "/api/settings/trusted-issuers", map[string]any{"issuer": trusted.DID, "label": "Loopback Academy"}, http.StatusCreated, nil)

	var ids []int64
	add := func(is *testissuer.VC, name string, index int, edit func(map[string]any)) {
		doc := is.Credential(index)
		doc["name"] = name
		doc["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["name"] = name
		if edit != nil {
			edit(doc)
		}
		var out struct{ ID int64 }
		api.do("POST", "/api/wallet", json.RawMessage(is.SignJSON(doc, sign.RDFC)), http.StatusCreated, &out)
		ids = append(ids, out.ID)
	}
	add(trusted, "Valid Badge", 1, nil)
	add(trusted, "Revoked Badge", 2, nil)
	add(trusted, "Expired Badge", 3, func(d map[string]any) { d["validUntil"] = "2026-03-01T00:00:00Z" })
	add(stranger, "Stranger Badge", 4, nil)
	trusted.SetBit("revocation", 2)

	var profile struct{ ID int64 }
	api.do("POST", "/api/profiles", map[string]any{"name": "Web developer", "headline": "I build for the open web",
		"credentials": ids}, http.StatusCreated, &profile)
	var share struct{ Token, URL string }
	api.do("POST", fmt.Sprintf("/api/profiles/%d/shares", profile.ID), nil, http.StatusCreated, &share)

	// The QR code, as a phone camera would read it.
	resp, err := http.Get(share.URL + "/qr.png")
	if err != nil {
		t.Fatal(err)
	}
	qrPNG, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	img, err := png.Decode(bytes.NewReader(qrPNG))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode the QR code: %v", err)
	}
	target := res.GetText()
	if target != share.URL {
		t.Fatalf("the QR code holds %q, want %q", target, share.URL)
	}

	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	ctx, closeBrowser := newBrowser(t, ctx, execPath)
	defer closeBrowser()
	console := collectConsole(ctx)
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait, chromedp.EmulateScale(2)),
		chromedp.Navigate(target),
		chromedp.WaitVisible(chromedp.CSS(`.share-credential`)),
	); err != nil {
		t.Fatalf("open the shared profile: %v", err)
	}
	want := map[string]struct{ state, words string }{
		"Valid Badge":    {"valid", "The signature matches the content."},
		"Revoked Badge":  {"revoked", "Revoked by the issuer"},
		"Expired Badge":  {"expired", "Expired on 1 Mar 2026."},
		"Stranger Badge": {"valid", "The issuer is not in the holder's trusted list."},
	}
	for i, name := range []string{"Valid Badge", "Revoked Badge", "Expired Badge", "Stranger Badge"} {
		sel := fmt.Sprintf(`#credential-%d`, ids[i])
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), "data-verdict"))
		if err != nil {
			t.Fatalf("%s verdict: %v", name, err)
		}
		state := attr.Value
		if !strings.Contains(text, name) || state != want[name].state || !strings.Contains(text, want[name].words) {
			t.Errorf("%s: verdict %q, text %q; want %q with %q", name, state, text, want[name].state, want[name].words)
		}
		if strings.Contains(text, testissuer.Email) {
			t.Errorf("%s shows the recipient's email", name)
		}
	}
	// Mobile first: nothing wider than the phone.
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Error("the page scrolls sideways on a phone")
	}

	dir := os.Getenv("CAIRN_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "share-phone.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))
	console.sync(ctx, t)
	if bad := console.problems(); len(bad) > 0 {
		t.Errorf("console problems:\n  %s", strings.Join(bad, "\n  "))
	}
}
