package app_test

// The browser test: a real Cairn on a loopback port, driven through its real
// pages by Chromium (chromedp). It skips when no Chromium is installed,
// unless CAIRN_E2E=1, which .ci/run sets after installing Debian's chromium:
// then a missing browser is a failure, so CI can never pass by skipping.
//
// Run it alone with:
//
//	CAIRN_E2E=1 go test -race -run E2E -count=1 -v ./internal/app/
//
// CAIRN_SCREENSHOTS=DIR keeps the screenshots it takes in DIR.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-pl/cairn/internal/app"
	"github.com/cairn-pl/cairn/internal/config"
)

// e2eTimeout bounds the whole browser session.
const e2eTimeout = 60 * time.Second

// findChromium returns the browser the test drives, or skips (fails under
// CAIRN_E2E=1) when there is none.
func findChromium(t *testing.T) string {
	t.Helper()
	required := os.Getenv("CAIRN_E2E") == "1"
	if !required && testing.Short() {
		t.Skip("browser test skipped in -short mode (CAIRN_E2E=1 forces it)")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if required {
		t.Fatal("CAIRN_E2E=1 but no chromium, chromium-browser or google-chrome on PATH")
	}
	t.Skip("no Chromium found (install Debian's chromium, or set CAIRN_E2E=1 to make this a failure)")
	return ""
}

// lockedBuffer is a bytes.Buffer the server goroutine writes while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// e2eServer is a running Cairn and the way to stop it.
type e2eServer struct {
	Config  config.Config
	BaseURL string
	out     *lockedBuffer
	stop    func() error
}

// startCairn runs a real Cairn (app.New + Serve) on a random loopback port
// with a fresh data dir, and stops it when the test ends.
func startCairn(t *testing.T, mutate ...func(*config.Config)) *e2eServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults
	cfg.DataDir = t.TempDir()
	cfg.Listen = ln.Addr().String()
	cfg.BaseURL = "http://" + ln.Addr().String()
	for _, m := range mutate {
		m(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		ln.Close()
		t.Fatal(err)
	}

	// The server's log is shown only when the test fails.
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	out := &lockedBuffer{}

	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, app.Options{Logger: logger, Out: out})
	if err != nil {
		cancel()
		ln.Close()
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()

	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-served:
			case <-time.After(20 * time.Second):
				stopErr = errors.New("Serve did not return within 20s of cancel")
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Logf("cairn stdout:\n%s", out.String())
			t.Logf("cairn log:\n%s", logs.String())
		}
	})
	return &e2eServer{BaseURL: cfg.BaseURL, Config: cfg, out: out, stop: stop}
}

var setupLinkRE = regexp.MustCompile(`https?://\S+/setup/\S+`)

// setupLink waits for the one-time setup link Serve prints at start.
func (s *e2eServer) setupLink(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := setupLinkRE.FindString(s.out.String()); m != "" {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no setup link printed; stdout so far:\n%s", s.out.String())
	return ""
}

// consoleLog collects every console message, exception and browser log
// entry (CSP violations among them) of the tab.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
	seen chan struct{} // signalled after each message
}

func collectConsole(ctx context.Context) *consoleLog {
	c := &consoleLog{seen: make(chan struct{}, 1)}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, m)
			c.mu.Unlock()
			select {
			case c.seen <- struct{}{}:
			default:
			}
		}
	}()
	return c
}

// sync writes a marker to the console and waits until the collector has
// it: the messages arrive in order, so everything the pages logged before
// is collected by then.
func (c *consoleLog) sync(ctx context.Context, t *testing.T) {
	t.Helper()
	marker := fmt.Sprintf("cairn-e2e-marker-%d", time.Now().UnixNano())
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("console.debug(%q)", marker))); err != nil {
		t.Fatalf("console marker: %v", err)
	}
	for {
		c.mu.Lock()
		for _, m := range c.msgs {
			if strings.Contains(m.Text, marker) {
				c.mu.Unlock()
				return
			}
		}
		c.mu.Unlock()
		select {
		case <-c.seen:
		case <-ctx.Done():
			t.Fatalf("console marker never arrived: %v", ctx.Err())
		}
	}
}

// problems are the messages that mean a page is broken: errors, uncaught
// exceptions, and anything about the Content-Security-Policy.
func (c *consoleLog) problems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var bad []string
	for _, m := range c.msgs {
		csp := strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy")
		if m.Type == chromedp.ConsoleError || m.IsException() || csp {
			bad = append(bad, fmt.Sprintf("%s (%s:%d, source %q)", m, m.URL, m.Line+1, m.Source))
		}
	}
	return bad
}

// newBrowser starts a headless Chromium with the flags this sandbox needs
// (see .library/env/machines/go.md) and returns a tab context.
func newBrowser(t *testing.T, parent context.Context, execPath string) (context.Context, func()) {
	t.Helper()
	profile := filepath.Join(t.TempDir(), "profile")
	// Chromium's helper processes can outlive the browser by a moment and
	// still write in the profile; remove it with retries before TempDir's
	// own cleanup, which does not retry.
	t.Cleanup(func() {
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if err := os.RemoveAll(profile); err == nil || time.Now().After(deadline) {
				return
			}
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox, // root in a container
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	)
	var browserOut lockedBuffer
	opts = append(opts, chromedp.CombinedOutput(&browserOut))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf), chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		if t.Failed() {
			// Without a system bus Chromium logs dbus errors by the dozen;
			// they are noise here.
			var keep []string
			for _, line := range strings.Split(browserOut.String(), "\n") {
				if line != "" && !strings.Contains(line, "dbus") {
					keep = append(keep, line)
				}
			}
			t.Logf("chromium output (dbus lines left out):\n%s", strings.Join(keep, "\n"))
		}
	})
	return ctx, func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
	}
}

// TestE2ELogin sets the password through the printed setup link, logs out
// and logs in again through /login, and checks the owner's home page, with
// screenshots at phone and desktop width and no console errors or CSP
// violations on the way.
func TestE2ELogin(t *testing.T) {
	execPath := findChromium(t)
	srv := startCairn(t)
	base := srv.BaseURL
	setup := srv.setupLink(t)
	if !strings.HasPrefix(setup, base+"/setup/") {
		t.Fatalf("setup link %q is not under the base URL %q", setup, base)
	}

	shots := os.Getenv("CAIRN_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	ctx, closeBrowser := newBrowser(t, ctx, execPath)
	defer closeBrowser()

	// Starting the browser with an empty Do binds it to ctx; Console then
	// listens from the first page on.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", execPath, err)
	}
	console := collectConsole(ctx)

	const password = "correct horse battery staple"
	const ownerName = "Ada Lovelace"

	// do runs steps and fails the test with what it was doing.
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// submit clicks a button that submits a form and waits for the page the
	// server answers with (after its redirect).
	submit := func(what string, button chromedp.CSS) {
		t.Helper()
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(button, chromedp.NodeVisible))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if resp == nil || resp.Status != 200 {
			var status int64
			if resp != nil {
				status = resp.Status
			}
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: status %d, page says: %s", what, status, body)
		}
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	text := func(sel chromedp.CSS) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel, chromedp.NodeVisible))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
		if err != nil {
			t.Fatalf("count %s: %v", sel, err)
		}
		return n
	}
	screenshot := func(name string, width, height int64, opts ...chromedp.EmulateViewportOption) {
		t.Helper()
		do("emulate "+name, chromedp.EmulateViewport(width, height, opts...), chromedp.Reload())
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		file := filepath.Join(shots, name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
	}

	// 1. The one-time setup link: choose the password, land logged in on
	// the settings page.
	do("open setup link",
		chromedp.Navigate(setup),
		chromedp.WaitVisible(chromedp.CSS(`form[action^="/setup/"] input[name="password"]`)),
	)
	if n := count(`form[action^="/setup/"] input[name="csrf"]`); n != 1 {
		t.Fatalf("setup form has %d csrf fields, want 1", n)
	}
	do("fill setup form",
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.SendKeys(chromedp.CSS(`input[name="confirm"]`), password),
	)
	submit("submit setup form", `form[action^="/setup/"] button[type="submit"]`)
	if loc := location(); loc != base+"/admin/settings" {
		t.Fatalf("after setup the browser is at %s, want %s/admin/settings", loc, base)
	}
	if got := text(`nav.main a[href="/admin/settings"]`); got != "Settings" {
		t.Fatalf("settings nav link says %q", got)
	}
	if got := text(`.flash`); !strings.Contains(got, "password is set") {
		t.Errorf("flash after setup = %q, want the welcome message", got)
	}

	// 2. Fill in the profile so the h-card has a name to show.
	do("fill profile",
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/settings/profile"] input[name="name"]`), ownerName),
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/settings/profile"] textarea[name="bio"]`), "Learns in public."),
	)
	submit("save profile", `form[action="/admin/settings/profile"] button[type="submit"]`)

	// 3. Log out with the footer button: the home page without owner nav.
	submit("log out", `footer.site form[action="/logout"] button[type="submit"]`)
	if loc := location(); loc != base+"/" {
		t.Fatalf("after logout the browser is at %s, want %s/", loc, base)
	}
	if n := count(`nav.main`); n != 0 {
		t.Fatalf("logged-out home page shows the owner nav")
	}
	if n := count(`footer.site a[href="/login"]`); n != 1 {
		t.Fatalf("logged-out home page has no log-in link in the footer")
	}

	// 4. Log in through /login.
	do("open login page",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"] input[name="password"]`)),
	)
	if n := count(`form[action="/login"] input[type="hidden"][name="csrf"]`); n != 1 {
		t.Fatalf("login form has %d csrf fields, want 1", n)
	}
	screenshot("login-phone", 390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait)
	do("reset viewport", chromedp.EmulateViewport(1280, 800))
	do("type password", chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="password"]`), password))
	submit("log in", `form[action="/login"] button[type="submit"]`)

	// 5. The home page, logged in: the owner's h-card and the owner nav.
	if loc := location(); loc != base+"/" {
		t.Fatalf("after login the browser is at %s, want %s/", loc, base)
	}
	do("home page", chromedp.WaitVisible(chromedp.CSS(`.h-card.owner`)))
	if got := text(`.h-card.owner .p-name`); got != ownerName {
		t.Errorf("h-card name = %q, want %q", got, ownerName)
	}
	if got := text(`.h-card.owner .p-note`); got != "Learns in public." {
		t.Errorf("h-card note = %q", got)
	}
	if got := text(`nav.main a[href="/admin/settings"]`); got != "Settings" {
		t.Errorf("logged-in nav has no Settings link (got %q)", got)
	}
	if got := text(`footer.site form[action="/logout"] button`); got != "Log out" {
		t.Errorf("footer button = %q, want Log out", got)
	}

	// 5b. Write a post through the editor: the live preview renders it,
	// Publish lands on the post page, and the home page lists it.
	do("open editor",
		chromedp.Click(chromedp.CSS(`a[href="/admin/posts/new"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`form#editor textarea[name="content"]`)),
		chromedp.SendKeys(chromedp.CSS(`form#editor input[name="title"]`), "My first task output"),
		chromedp.SendKeys(chromedp.CSS(`form#editor textarea[name="content"]`), "Learning **Go** with #go101 today."),
		// The live preview (cairn.js) renders the Markdown as it is typed.
		chromedp.WaitVisible(chromedp.CSS(`#preview strong`)),
	)
	if got := text(`#preview a.hashtag`); got != "go101" {
		t.Errorf("live preview hashtag = %q, want go101", got)
	}
	// A screenshot of the filled-in editor (no reload: that would clear it).
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(shots, "editor-desktop.png"), png, 0o644)
	}
	submit("publish post", `form#editor button[value="publish"]`)
	if loc := location(); loc != base+"/posts/my-first-task-output" {
		t.Fatalf("after publishing the browser is at %s", loc)
	}
	if got := text(`article.h-entry .p-name`); got != "My first task output" {
		t.Errorf("post page title = %q", got)
	}
	do("home page with the post", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`.h-feed .h-entry`)))
	if got := text(`.h-feed .h-entry .p-name a`); got != "My first task output" {
		t.Errorf("home page lists %q, want the new post", got)
	}
	if got := text(`.h-feed .h-entry a.p-category`); got != "go101" {
		t.Errorf("home page tag = %q, want go101", got)
	}

	// 6. Screenshots of the home page at phone and desktop width.
	screenshot("home-phone", 390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait)
	screenshot("home-desktop", 1280, 800)

	// 7. No console errors, exceptions or CSP violations on any page.
	console.sync(ctx, t)
	if bad := console.problems(); len(bad) > 0 {
		t.Errorf("the browser console reported %d problem(s):\n  %s", len(bad), strings.Join(bad, "\n  "))
	}

	// 8. Close the browser, then stop Cairn: Serve must return cleanly.
	closeBrowser()
	if err := srv.stop(); err != nil {
		t.Errorf("Serve returned %v after cancel, want nil", err)
	}
}
