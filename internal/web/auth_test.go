package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/config"
)

func TestSetupLinkSetsPasswordOnceAndLogsIn(t *testing.T) {
	ts := newSite(t)
	token, err := ts.account.NewSetupLink(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := ts.browser()
	path := "/setup/" + token
	b.get(path).mustStatus(t, http.StatusOK).mustContain(t, "Choose the owner password")

	// No CSRF token: refused, and nothing changes.
	b.post(path, url.Values{"password": {ownerPassword}, "confirm": {ownerPassword}}).mustStatus(t, http.StatusForbidden)

	csrf := b.csrf(path)
	b.post(path, url.Values{"csrf": {csrf}, "password": {ownerPassword}, "confirm": {"something else"}}).
		mustStatus(t, http.StatusBadRequest).mustContain(t, "The two passwords differ.")
	b.post(path, url.Values{"csrf": {csrf}, "password": {"short"}, "confirm": {"short"}}).
		mustStatus(t, http.StatusBadRequest).mustContain(t, "at least 8")

	r := b.post(path, url.Values{"csrf": {csrf}, "password": {ownerPassword}, "confirm": {ownerPassword}})
	r.mustStatus(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/admin/settings" {
		t.Fatalf("redirect to %q", loc)
	}
	if _, ok := b.cookies["cairn_session"]; !ok {
		t.Fatal("setup did not log the owner in")
	}
	b.get("/admin/settings").mustStatus(t, http.StatusOK).mustContain(t, "Your password is set")

	// The link is spent: a replay (even from another browser) is refused.
	other := ts.browser()
	other.get(path).mustStatus(t, http.StatusGone).mustContain(t, "already used")
	b.post(path, url.Values{"csrf": {b.csrf("/admin/settings")}, "password": {"hijacked password"}, "confirm": {"hijacked password"}}).
		mustStatus(t, http.StatusGone)
	if err := ts.account.CheckPassword(context.Background(), ownerPassword); err != nil {
		t.Fatal("replayed setup link changed the password")
	}
	ts.browser().get("/setup/not-a-real-token").mustStatus(t, http.StatusNotFound)
}

func TestLoginWrongPasswordThenRight(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	csrf := b.csrf("/login")
	r := b.post("/login", url.Values{"csrf": {csrf}, "password": {"wrong password"}})
	r.mustStatus(t, http.StatusUnauthorized).mustContain(t, "Wrong password.")
	if _, ok := b.cookies["cairn_session"]; ok {
		t.Fatal("a wrong password created a session")
	}
	r = b.post("/login", url.Values{"csrf": {csrf}, "password": {ownerPassword}, "next": {"/admin/settings"}})
	r.mustStatus(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/admin/settings" {
		t.Fatalf("login redirected to %q", loc)
	}
	b.get("/admin/settings").mustStatus(t, http.StatusOK)
}

func TestSessionCookieFlags(t *testing.T) {
	for _, base := range []string{"http://localhost:8080", "https://me.example"} {
		ts := newSite(t, func(c *config.Config) { c.BaseURL = base }).withPassword()
		b := ts.browser()
		r := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "password": {ownerPassword}})
		var raw string
		for _, h := range r.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, "cairn_session=") {
				raw = strings.ToLower(h)
			}
		}
		if raw == "" {
			t.Fatalf("%s: no session cookie", base)
		}
		if !strings.Contains(raw, "httponly") || !strings.Contains(raw, "samesite=lax") {
			t.Errorf("%s: cookie %q lacks HttpOnly or SameSite=Lax", base, raw)
		}
		if secure := strings.Contains(raw, "secure"); secure != strings.HasPrefix(base, "https") {
			t.Errorf("%s: Secure=%v in %q", base, secure, raw)
		}
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	csrf := b.csrf("/login")
	for i := range 5 {
		b.post("/login", url.Values{"csrf": {csrf}, "password": {"guess"}}).mustStatus(t, http.StatusUnauthorized)
		_ = i
	}
	r := b.post("/login", url.Values{"csrf": {csrf}, "password": {"guess"}})
	r.mustStatus(t, http.StatusTooManyRequests).mustContain(t, "Too many wrong passwords")
	// Even the right password waits: the limiter answers before the check.
	b.post("/login", url.Values{"csrf": {csrf}, "password": {ownerPassword}}).mustStatus(t, http.StatusTooManyRequests)
}

func TestSuccessfulLoginsDoNotCountTowardsTheLimit(t *testing.T) {
	ts := newSite(t).withPassword()
	for range 8 {
		b := ts.browser()
		b.login()
	}
}

func TestLoginWithoutCSRFIsForbidden(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.get("/login")
	b.post("/login", url.Values{"password": {ownerPassword}}).mustStatus(t, http.StatusForbidden)
	b.post("/login", url.Values{"csrf": {"forged"}, "password": {ownerPassword}}).mustStatus(t, http.StatusForbidden)
	if _, ok := b.cookies["cairn_session"]; ok {
		t.Fatal("a forged login created a session")
	}
}

func TestOwnerPagesNeedLogin(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	r := b.get("/admin/settings").mustStatus(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/login?next=%2Fadmin%2Fsettings" {
		t.Fatalf("redirect %q", loc)
	}
	b.post("/admin/settings/profile", url.Values{"csrf": {b.csrf("/login")}, "name": {"Mallory"}}).mustStatus(t, http.StatusForbidden)
	o, _ := ts.account.Owner(context.Background())
	if o.Name == "Mallory" {
		t.Fatal("anonymous profile edit went through")
	}
}

func TestLoginRedirectStaysOnSite(t *testing.T) {
	ts := newSite(t).withPassword()
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		b := ts.browser()
		r := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "password": {ownerPassword}, "next": {next}})
		if loc := r.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
}

func TestLogoutEndsSession(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	sessionID := b.cookies["cairn_session"]
	csrf := b.csrf("/admin/settings")
	b.post("/logout", url.Values{"csrf": {csrf}}).mustStatus(t, http.StatusSeeOther)
	b.get("/admin/settings").mustStatus(t, http.StatusSeeOther)
	// The old cookie value is dead on the server too, not just forgotten.
	replay := ts.browser()
	replay.cookies["cairn_session"] = sessionID
	replay.get("/admin/settings").mustStatus(t, http.StatusSeeOther)
}

func TestLogoutNeedsCSRF(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	b.post("/logout", nil).mustStatus(t, http.StatusForbidden)
	b.get("/admin/settings").mustStatus(t, http.StatusOK)
}
