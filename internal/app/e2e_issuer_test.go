package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cairn-pl/cairn/internal/config"
)

// TestE2EIssuerPages drives issuer mode through its owner pages in
// Chromium: switch it on, create an achievement, award it from the
// achievement's page, open the public award page, see the award on the
// dashboard, revoke it (confirming the dialog), and read the ledger page
// once its block is sealed; screenshots of each, and no console problems.
func TestE2EIssuerPages(t *testing.T) {
	execPath := findChromium(t)
	s := newOwnerSession(t, execPath, func(c *config.Config) {
		c.AllowPrivateNetwork = true
		c.LedgerBlockSize = 1
		c.LedgerDifficulty = 1
	})
	base := s.srv.BaseURL
	s.do("switch on issuer mode",
		chromedp.Navigate(base+"/admin/issuer"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/issuer/profile"] input[name="enabled"]`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/issuer/profile"] input[name="name"]`), "Loopback Academy"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/issuer/profile"] textarea[name="description"]`), "Short courses on the open web."),
		chromedp.Click(chromedp.CSS(`form[action="/admin/issuer/profile"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/issuer/keys"]`)),
	)
	if body := s.text("main"); !strings.Contains(body, "did:web:") {
		t.Fatalf("the dashboard shows no did:web key: %q", body)
	}
	s.shot("issuer-dashboard")

	s.do("create an achievement",
		chromedp.Navigate(base+"/admin/issuer/achievements/new"),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Week 1 Writer"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="description"]`), "Published the week 1 post."),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="criteria"]`), "Answer the week 1 task with a post."),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="alignments"]`), "Web publishing | https://example.org/skills/web | Cairn skills | W1"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/issuer/achievements"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/award"]`)),
	)
	s.do("award it",
		chromedp.SendKeys(chromedp.CSS(`form[action$="/award"] input[name="email"]`), "learner@example.org"),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/award"] input[name="recipient_name"]`), "Ada"),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/award"] input[name="evidence"]`), base+"/posts/nowhere"),
		chromedp.Click(chromedp.CSS(`form[action$="/award"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/revoke"]`)),
	)
	s.shot("issuer-achievement")
	href, err := chromedp.Run(s.ctx, chromedp.AttributeValue(chromedp.CSS(`a[href*="/issuer/awards/"]`), "href"))
	if err != nil || href.Value == "" {
		t.Fatalf("no link to the award page (%v)", err)
	}
	awardPage := href.Value
	if !strings.HasPrefix(awardPage, "http") {
		awardPage = base + awardPage
	}
	s.do("open the award page", chromedp.Navigate(awardPage), chromedp.WaitVisible(chromedp.CSS(`.h-entry`)))
	if body := s.text(".h-entry"); !strings.Contains(body, "Week 1 Writer") || strings.Contains(body, "learner@example.org") {
		t.Errorf("award page: %q", body)
	}
	s.shot("award-page")

	s.do("revoke it from the dashboard",
		chromedp.Navigate(base+"/admin/issuer"),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/revoke"] input[name="reason"]`), "a test"),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`form[action$="/revoke"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/issuer/keys"]`)),
	)
	if body := s.text("main"); !strings.Contains(strings.ToLower(body), "revoked") {
		t.Errorf("the dashboard does not show the award revoked: %q", body)
	}
	s.do("read the ledger", chromedp.Navigate(base+"/ledger"), chromedp.WaitVisible(chromedp.CSS(`.chain .block`)))
	if body := s.text("main"); !strings.Contains(body, "Block 0") {
		t.Errorf("ledger page: %q", body)
	}
	s.shot("ledger")
	s.finish()
}
