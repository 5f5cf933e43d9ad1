package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/internal/web"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/courses"
	"github.com/cairn-pl/cairn/ple/mentions"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

const ownerPassword = "a long test password"

// testSite is one Cairn web site on a real store in a temp dir, driven
// through Fiber's in-process app.Test.
type testSite struct {
	t        testing.TB
	site     *web.Site
	db       *store.DB
	account  *account.Service
	jobs     *jobs.Queue
	net      *netx.Client
	courses  *courses.Service
	journal  *ple.Journal
	mentions *mentions.Service
	wallet   *wallet.Service
	cfg      config.Config
}

func newSite(t testing.TB, mutate ...func(*config.Config)) *testSite {
	t.Helper()
	db := storetest.New(t)
	cfg := config.Defaults
	cfg.DataDir = t.TempDir()
	for _, m := range mutate {
		m(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := &testSite{t: t, db: db, account: account.New(db), cfg: cfg}
	ts.jobs = jobs.New(db, jobs.Config{Logger: logger})
	ts.net = netx.New(netx.Options{AllowPrivate: true, Timeout: 2 * time.Second})
	ts.courses = courses.New(db, ts.net, ts.jobs, logger)
	ts.courses.RegisterJobs()
	ts.journal = ple.NewJournal(db, ts.courses, ts.jobs, logger, cfg.BaseURL)
	ts.journal.EnableWebSub(ts.net)
	ts.mentions = mentions.New(db, ts.net, ts.jobs, ts.journal, ts.courses, logger, cfg.BaseURL)
	t.Cleanup(ts.mentions.Close)
	ts.wallet = wallet.New(db, verify.NetFetcher{Client: ts.net}, func(ctx context.Context) ([]string, error) {
		o, err := ts.account.Owner(ctx)
		return o.Identities, err
	}, logger)
	// As internal/app wires it: followed courses' origins are trusted
	// issuers, and trust changes queue a re-verification.
	ts.wallet.SetCourseIssuers(func(ctx context.Context) ([]wallet.CourseIssuer, error) {
		origins, err := ts.courses.FollowedOrigins(ctx)
		out := make([]wallet.CourseIssuer, 0, len(origins))
		for _, o := range origins {
			out = append(out, wallet.CourseIssuer{Origin: o})
		}
		return out, err
	})
	ts.wallet.RegisterJobs(ts.jobs)
	site, err := web.New(web.Deps{Config: cfg, Store: db, Account: ts.account, Jobs: ts.jobs, Journal: ts.journal,
		Courses: ts.courses, Mentions: ts.mentions, Wallet: ts.wallet, Logger: logger, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts.site = site
	return ts
}

// withPassword gives the owner a password directly through the service.
func (ts *testSite) withPassword() *testSite {
	if err := ts.account.SetPassword(context.Background(), ownerPassword); err != nil {
		ts.t.Fatal(err)
	}
	return ts
}

// browser keeps cookies between requests, as a real browser would.
type browser struct {
	ts      *testSite
	cookies map[string]string
}

func (ts *testSite) browser() *browser { return &browser{ts: ts, cookies: map[string]string{}} }

type response struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) response {
	b.ts.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.ts.site.Test(req, -1)
	if err != nil {
		b.ts.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return response{Response: resp, body: string(body)}
}

func (b *browser) get(path string) response {
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

func (b *browser) post(path string, form url.Values) response {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) postMultipart(path string, fields map[string]string, fileField, fileName string, file []byte) response {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if fileField != "" {
		fw, _ := w.CreateFormFile(fileField, fileName)
		fw.Write(file)
	}
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the form token from a page, as a browser submitting that
// page's form would send it.
func (b *browser) csrf(path string) string {
	b.ts.t.Helper()
	r := b.get(path)
	m := csrfInput.FindStringSubmatch(r.body)
	if m == nil {
		b.ts.t.Fatalf("no csrf token on %s (status %d)", path, r.StatusCode)
	}
	return m[1]
}

// login logs the browser in through the real login form.
func (b *browser) login() {
	b.ts.t.Helper()
	r := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "password": {ownerPassword}})
	if r.StatusCode != http.StatusSeeOther {
		b.ts.t.Fatalf("login: %d %s", r.StatusCode, r.body)
	}
}

func (r response) mustStatus(t *testing.T, want int) response {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("status %d, want %d; body: %.400s", r.StatusCode, want, r.body)
	}
	return r
}

func (r response) mustContain(t *testing.T, subs ...string) response {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.body, s) {
			t.Fatalf("body lacks %q: %.600s", s, r.body)
		}
	}
	return r
}

// api sends a JSON request with the given bearer token.
func (ts *testSite) api(method, path, token, body string) response {
	ts.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return ts.browser().do(req)
}

// token creates an API token directly through the service.
func (ts *testSite) token() string {
	ts.t.Helper()
	tok, _, err := ts.account.CreateAPIToken(context.Background(), "test")
	if err != nil {
		ts.t.Fatal(err)
	}
	return tok
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
