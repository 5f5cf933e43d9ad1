package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/sign"
)

// TestE2EWalletOB3LearningToken imports an Open Badges 3.0 Learning Token
// from the shared loopback issuer (did:web over http, allowed for loopback
// by AllowPrivateNetwork) through the Wallet page's file upload, sees it
// valid with its Learning Token line and the totals, opens it in safe mode
// ("Unknown issuer"), trusts the issuer and sees safe mode lifted.
func TestE2EWalletOB3LearningToken(t *testing.T) {
	execPath := findChromium(t)
	is := testissuer.NewVC(t)
	file := filepath.Join(t.TempDir(), "learning-token.json")
	if err := os.WriteFile(file, is.SignJSON(is.LearningToken(verify.TokenScore, 7, 0, 10), sign.RDFC), 0o600); err != nil {
		t.Fatal(err)
	}

	s := newOwnerSession(t, execPath, func(c *config.Config) { c.AllowPrivateNetwork = true })
	// A fresh Settings page (the setup's welcome flash is gone), so the
	// flash waited for below is the one the form answers with.
	s.do("save the owner's identity",
		chromedp.Navigate(s.srv.BaseURL+"/admin/settings"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/settings/identities"]`)),
		chromedp.SetValue(chromedp.CSS(`textarea[name="identities"]`), testissuer.Email),
		chromedp.Click(chromedp.CSS(`form[action="/admin/settings/identities"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash.ok`)),
	)
	if got := s.text(`.flash.ok`); !strings.Contains(got, "Identities saved (1)") {
		t.Fatalf("flash %q", got)
	}
	s.do("import the Learning Token",
		chromedp.Navigate(s.srv.BaseURL+"/admin/wallet"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="files"]`), []string{file}),
		chromedp.Click(chromedp.CSS(`form[action="/admin/wallet"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.wallet-grid .credential`)),
	)
	card := s.text(`.wallet-grid .credential`)
	for _, want := range []string{"Learning Token: score", testissuer.IssuerName, "valid", "unknown issuer",
		"Learning Token · score", "7 of 0–10", "Skill: " + testissuer.TokenSkillName} {
		if !strings.Contains(card, want) {
			t.Fatalf("card lacks %q: %q", want, card)
		}
	}
	totals := s.text(`section.token-totals`)
	for _, want := range []string{"Learning Tokens", "1 token", "score", testissuer.TokenSkillName, testissuer.TokenFieldName} {
		if !strings.Contains(totals, want) {
			t.Fatalf("totals lack %q: %q", want, totals)
		}
	}
	s.shot("wallet-ob3-learning-token")

	s.do("open the credential",
		chromedp.Click(chromedp.CSS(`.wallet-grid .credential a`)),
		chromedp.WaitVisible(chromedp.CSS(`#checks`)),
	)
	if note := s.text(`.safe-mode`); !strings.Contains(note, "Unknown issuer: links are disabled until you trust it") {
		t.Fatalf("safe mode note %q", note)
	}
	checks := s.text(`section[aria-labelledby="checks"]`)
	for _, want := range []string{"signature", "eddsa-rdfc-2022", "status", "recipient", testissuer.Email} {
		if !strings.Contains(checks, want) {
			t.Fatalf("checks lack %q: %q", want, checks)
		}
	}
	s.shot("credential-ob3-safe-mode")

	s.do("trust the issuer",
		chromedp.Click(chromedp.CSS(`.safe-mode button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash.ok`)),
		chromedp.WaitNotPresent(chromedp.CSS(`.safe-mode`)),
	)
	if flash := s.text(`.flash.ok`); !strings.Contains(flash, is.DID) || !strings.Contains(flash, "valid") {
		t.Fatalf("flash %q", flash)
	}
	if checks := s.text(`section[aria-labelledby="checks"]`); !strings.Contains(checks, "trust") {
		t.Fatalf("checks %q", checks)
	}
	s.shot("credential-ob3-trusted")
	s.finish()
}
