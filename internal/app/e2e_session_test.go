package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cairn-pl/cairn/internal/config"
)

// ownerSession is a Chromium tab logged in as the owner of a fresh Cairn:
// the password was chosen through the real setup link.
type ownerSession struct {
	t       *testing.T
	ctx     context.Context
	srv     *e2eServer
	console *consoleLog
	close   func()
}

// newOwnerSession starts Cairn (with mutate applied to its config) and a
// browser, and sets the owner password through the setup page.
func newOwnerSession(t *testing.T, execPath string, mutate ...func(*config.Config)) *ownerSession {
	t.Helper()
	srv := startCairn(t, mutate...)
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	t.Cleanup(cancel)
	ctx, closeBrowser := newBrowser(t, ctx, execPath)
	t.Cleanup(closeBrowser)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	s := &ownerSession{t: t, ctx: ctx, srv: srv, console: collectConsole(ctx), close: closeBrowser}
	const password = "an end-to-end owner password"
	s.do("set the password",
		chromedp.Navigate(srv.setupLink(t)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.SendKeys(chromedp.CSS(`input[name="confirm"]`), password),
		chromedp.Click(chromedp.CSS(`form[action^="/setup/"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/settings/profile"]`)),
	)
	return s
}

// do runs steps and fails the test with what it was doing.
func (s *ownerSession) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, steps...); err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

// text is the visible text of the first element matching sel.
func (s *ownerSession) text(sel string) string {
	s.t.Helper()
	got, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		s.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(got)
}

// shot saves a full-page screenshot in $CAIRN_SCREENSHOTS (or a temp dir).
func (s *ownerSession) shot(name string) {
	s.t.Helper()
	dir := os.Getenv("CAIRN_SCREENSHOTS")
	if dir == "" {
		dir = s.t.TempDir()
	}
	png, err := chromedp.Run(s.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// finish fails the test on any console error or CSP violation, then
// closes the browser.
func (s *ownerSession) finish() {
	s.t.Helper()
	s.console.sync(s.ctx, s.t)
	if bad := s.console.problems(); len(bad) > 0 {
		s.t.Errorf("console problems:\n  %s", strings.Join(bad, "\n  "))
	}
	s.close()
}
