package app_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/verify/bake"
)

// TestE2EWalletImportBakedPNG imports a baked Open Badges 2.0 PNG through
// the Wallet page (a real file upload in Chromium) and sees its card, then
// its checks.
func TestE2EWalletImportBakedPNG(t *testing.T) {
	execPath := findChromium(t)
	mux := http.NewServeMux()
	issuer := httptest.NewServer(mux)
	defer issuer.Close()
	base := issuer.URL
	serve := func(path string, doc map[string]any) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/ld+json")
			json.NewEncoder(w).Encode(doc)
		})
	}
	ctxOB2 := "https://w3id.org/openbadges/v2"
	serve("/issuer", map[string]any{"@context": ctxOB2, "type": "Issuer", "id": base + "/issuer", "name": "Loopback Academy",
		"url": base, "email": "badges@academy.example"})
	serve("/badges/1", map[string]any{"@context": ctxOB2, "type": "BadgeClass", "id": base + "/badges/1", "name": "Browser Badge",
		"description": "Imported in a browser.", "image": base + "/badges/1.png", "criteria": map[string]any{"narrative": "Click."},
		"issuer": base + "/issuer"})
	assertion := map[string]any{"@context": ctxOB2, "type": "Assertion", "id": base + "/assertions/1",
		"recipient": map[string]any{"type": "email", "hashed": false, "identity": "ada@example.org"},
		"badge":     base + "/badges/1", "issuedOn": "2026-01-02T03:04:05Z", "verification": map[string]any{"type": "HostedBadge"}}
	serve("/assertions/1", assertion)

	// Bake the assertion into a small PNG, as an issuer would.
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for x := range 32 {
		img.Set(x, x, color.RGBA{30, 90, 60, 255})
	}
	var plain bytes.Buffer
	png.Encode(&plain, img)
	payload, _ := json.Marshal(assertion)
	baked, err := bake.BakePNG(plain.Bytes(), bake.KeywordOB2, payload)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "browser-badge.png")
	if err := os.WriteFile(file, baked, 0o600); err != nil {
		t.Fatal(err)
	}

	s := newOwnerSession(t, execPath, func(c *config.Config) { c.AllowPrivateNetwork = true })
	s.do("import the baked PNG",
		chromedp.Navigate(s.srv.BaseURL+"/admin/wallet"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="files"]`), []string{file}),
		chromedp.Click(chromedp.CSS(`form[action="/admin/wallet"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.wallet-grid .credential`)),
	)
	card, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS(`.wallet-grid .credential`)))
	if err != nil || !strings.Contains(card, "Browser Badge") || !strings.Contains(card, "Loopback Academy") || !strings.Contains(card, "valid") {
		t.Fatalf("card %q (%v)", card, err)
	}
	s.shot("wallet-desktop")
	s.do("open the card", chromedp.Click(chromedp.CSS(`.wallet-grid .credential a`)), chromedp.WaitVisible(chromedp.CSS(`#checks`)))
	checks, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS(`section[aria-labelledby="checks"]`)))
	if err != nil || !strings.Contains(checks, "hosted") {
		t.Fatalf("checks %q (%v)", checks, err)
	}
	s.finish()
}
