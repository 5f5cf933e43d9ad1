package app_test

import (
	"bytes"
	"github.com/cairn-pl/cairn/internal/testissuer"
	"image"
	"image/color"
	"image/png"
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
	issuer := testissuer.New(t, testissuer.Options{BadgeName: "Browser Badge"})
	// Bake the assertion into a small PNG, as an issuer would.
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for x := range 32 {
		img.Set(x, x, color.RGBA{30, 90, 60, 255})
	}
	var plain bytes.Buffer
	png.Encode(&plain, img)
	baked, err := bake.BakePNG(plain.Bytes(), bake.KeywordOB2, issuer.Assertion(1))
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
