package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/app"
	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/internal/web"
	"github.com/cairn-pl/cairn/ple/profiles"
	"github.com/cairn-pl/cairn/verify/sign"
	"github.com/cairn-pl/cairn/wallet/issuer"
)

// shareSite is a test site with skill profiles and the site's key wired as
// internal/app wires them, and a clock the test moves.
type shareSite struct {
	*testSite
	profiles *profiles.Service
	issuer   *issuer.Service
	offset   atomic.Int64 // added to the profiles' clock, in nanoseconds
}

func newShareSite(t testing.TB) *shareSite {
	t.Helper()
	ts := newSite(t).withPassword()
	ss := &shareSite{testSite: ts}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	is, err := issuer.New(issuer.Config{Store: ts.db, Jobs: ts.jobs, Net: ts.net, KeysDir: ts.cfg.DataDir + "/keys",
		BaseURL: ts.cfg.BaseURL, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ss.issuer = is
	ss.profiles = profiles.New(profiles.Config{Store: ts.db, Credentials: app.WalletCredentials{W: ts.wallet}, Signer: is,
		BaseURL: ts.cfg.BaseURL, Logger: logger,
		Now: func() time.Time { return time.Now().Add(time.Duration(ss.offset.Load())) }})
	is.SetHolder(ss.profiles.Presenting)
	site, err := web.New(web.Deps{Config: ts.cfg, Store: ts.db, Account: ts.account, Jobs: ts.jobs, Journal: ts.journal,
		Courses: ts.courses, Mentions: ts.mentions, Wallet: ts.wallet, Logger: logger, Version: "test",
		Issuer: is, Profiles: ss.profiles})
	if err != nil {
		t.Fatal(err)
	}
	ts.site = site
	return ss
}

// importJSON puts a signed credential into the wallet and returns its id.
func (ss *shareSite) importJSON(t testing.TB, doc []byte) int64 {
	t.Helper()
	c, _, err := ss.wallet.Import(context.Background(), doc, "")
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

var shareLink = regexp.MustCompile(`/s/([A-Za-z0-9_-]{24})`)

// TestProfileEditorAndShareLifecycle builds a profile through the owner's
// pages (pick, order, headline), makes a share link, opens it as a visitor
// (views counted, last viewed), lets one link expire and withdraws
// another: both answer 410 with a plain page, and the QR and
// presentation of a dead link are gone too.
func TestProfileEditorAndShareLifecycle(t *testing.T) {
	is := testissuer.NewVC(t)
	ss := newShareSite(t)
	first := ss.importJSON(t, is.SignJSON(is.Credential(1), sign.RDFC))
	second := ss.importJSON(t, is.SignJSON(is.LearningToken("score", 7, 0, 10), sign.RDFC))

	b := ss.browser()
	b.login()
	r := b.post("/admin/profiles", url.Values{"csrf": {b.csrf("/admin/profiles")}, "name": {"Backend developer"},
		"headline": {"Go, SQL and the open web"}}).mustStatus(t, http.StatusSeeOther)
	edit := r.Header.Get("Location")
	if !strings.HasPrefix(edit, "/admin/profiles/") {
		t.Fatalf("created at %q", edit)
	}
	b.get(edit).mustStatus(t, http.StatusOK).mustContain(t, "Profile “Backend developer” created", `name="credential"`)
	// Tick both; the token first.
	b.post(edit, url.Values{"csrf": {b.csrf(edit)}, "name": {"Backend developer"}, "headline": {"Go, SQL and the open web"},
		"summary": {"Five years of services."}, "credential": {itoa(first), itoa(second)},
		"position-" + itoa(first): {"2"}, "position-" + itoa(second): {"1"}}).mustStatus(t, http.StatusSeeOther)
	pid := strings.TrimPrefix(edit, "/admin/profiles/")
	var got struct {
		Credentials []int64 `json:"credentials"`
		Summary     string  `json:"summary"`
	}
	tok := ss.token()
	if err := json.Unmarshal([]byte(ss.api("GET", "/api/profiles/"+pid, tok, "").mustStatus(t, 200).body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Credentials) != 2 || got.Credentials[0] != second || got.Credentials[1] != first || got.Summary != "Five years of services." {
		t.Fatalf("profile %+v", got)
	}

	// A link, opened three times by a visitor.
	b.post(edit+"/shares", url.Values{"csrf": {b.csrf(edit)}, "label": {"CV 2026"}}).mustStatus(t, http.StatusSeeOther)
	m := shareLink.FindStringSubmatch(b.get(edit).body)
	if m == nil {
		t.Fatal("no share link on the editor")
	}
	token := m[1]
	visitor := ss.browser()
	for range 3 {
		visitor.get("/s/"+token).mustStatus(t, http.StatusOK).mustContain(t, "Backend developer", "Go, SQL and the open web")
	}
	// The QR code and the card do not count as views.
	visitor.get("/s/"+token+"/qr.png").mustStatus(t, http.StatusOK)
	page := b.get(edit).mustStatus(t, http.StatusOK)
	page.mustContain(t, `<td class="views">3</td>`, "CV 2026", "/admin/profiles/"+pid+"/shares/"+token+"/card")
	var shares []struct {
		Token        string     `json:"token"`
		Views        int64      `json:"views"`
		State        string     `json:"state"`
		LastViewedAt *time.Time `json:"last_viewed_at"`
	}
	json.Unmarshal([]byte(ss.api("GET", "/api/profiles/"+pid+"/shares", tok, "").mustStatus(t, 200).body), &shares)
	if len(shares) != 1 || shares[0].Views != 3 || shares[0].State != "active" || shares[0].LastViewedAt == nil ||
		time.Since(*shares[0].LastViewedAt) > time.Minute {
		t.Fatalf("shares %+v", shares)
	}
	b.get("/admin/profiles/"+pid+"/shares/"+token+"/card").mustStatus(t, http.StatusOK).mustContain(t,
		`class="profile-card"`, "/s/"+token+"/qr.svg", "Go, SQL and the open web")

	// A second link through the API with an expiry an hour away: it works
	// now, and answers 410 once the clock has passed it.
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	r = ss.api("POST", "/api/profiles/"+pid+"/shares", tok, `{"expires": "`+exp+`"}`).mustStatus(t, http.StatusCreated)
	var created struct{ Token, URL string }
	json.Unmarshal([]byte(r.body), &created)
	if len(created.Token) != 24 || created.URL != ss.cfg.BaseURL+"/s/"+created.Token {
		t.Fatalf("created %+v", created)
	}
	visitor.get("/s/"+created.Token).mustStatus(t, http.StatusOK)
	ss.offset.Store(int64(2 * time.Hour))
	visitor.get("/s/"+created.Token).mustStatus(t, http.StatusGone).mustContain(t,
		"This link is no longer available", "has expired or was withdrawn")
	visitor.get("/s/"+created.Token+"/qr.png").mustStatus(t, http.StatusGone)
	visitor.get("/s/"+token).mustStatus(t, http.StatusOK) // the first has no expiry
	ss.offset.Store(0)

	// Withdrawn from the editor: 410 at once, and the editor says so.
	b.post(edit+"/shares/"+token+"/revoke", url.Values{"csrf": {b.csrf(edit)}}).mustStatus(t, http.StatusSeeOther)
	gone := visitor.get("/s/"+token).mustStatus(t, http.StatusGone).mustContain(t, "This link is no longer available")
	if !strings.Contains(gone.body, `content="noindex"`) || strings.Contains(gone.body, "Backend developer") {
		t.Fatalf("gone page: %s", gone.body)
	}
	visitor.get("/s/"+token+"/presentation.json").mustStatus(t, http.StatusGone)
	b.get(edit).mustContain(t, `<span class="badge bad">revoked</span>`)
	// Through the API too, and an unknown token is a 404.
	ss.api("DELETE", "/api/shares/"+created.Token, tok, "").mustStatus(t, http.StatusNoContent)
	visitor.get("/s/AAAAAAAAAAAAAAAAAAAAAAAA").mustStatus(t, http.StatusNotFound)
	visitor.get("/s/short").mustStatus(t, http.StatusNotFound)

	// Bad input is refused with the reason.
	ss.api("POST", "/api/profiles", tok, `{"name": "", "credentials": []}`).mustStatus(t, http.StatusBadRequest)
	ss.api("POST", "/api/profiles", tok, `{"name": "X", "credentials": [9999]}`).mustStatus(t, http.StatusBadRequest).
		mustContain(t, "no credential 9999")
	ss.api("POST", "/api/profiles/"+pid+"/shares", tok, `{"expires": "2001-01-01T00:00:00Z"}`).mustStatus(t, http.StatusBadRequest)
}

// TestProfilesNeedOwner keeps the editor and the API behind the login.
func TestProfilesNeedOwner(t *testing.T) {
	ss := newShareSite(t)
	r := ss.browser().get("/admin/profiles")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("status %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	ss.api("GET", "/api/profiles", "", "").mustStatus(t, http.StatusUnauthorized)
	ss.api("POST", "/api/profiles", "", `{"name": "x"}`).mustStatus(t, http.StatusUnauthorized)
}
