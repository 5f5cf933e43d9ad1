package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/cairn-pl/cairn/internal/testissuer"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// badgeIssuer starts the shared loopback issuer and returns its first
// assertion's URL and JSON.
func badgeIssuer(t *testing.T) (url, assertion string) {
	is := testissuer.New(t, testissuer.Options{})
	return is.AssertionURL(1), string(is.Assertion(1))
}

type walletEntry struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Issuer  string `json:"issuer"`
	Verdict string `json:"verdict"`
	Report  *struct {
		Verdict string `json:"verdict"`
		Format  string `json:"format"`
	} `json:"report"`
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return v
}

func TestAPIWallet(t *testing.T) {
	ts := newSite(t)
	tok := ts.token()
	url, assertion := badgeIssuer(t)

	created := decode[walletEntry](t, ts.api("POST", "/api/wallet", tok, assertion).mustStatus(t, http.StatusCreated))
	if created.ID == 0 || created.Report == nil || created.Report.Verdict != "valid" || created.Report.Format != "ob2-hosted" {
		t.Fatalf("created %+v", created)
	}
	again := decode[walletEntry](t, ts.api("POST", "/api/wallet", tok, assertion).mustStatus(t, http.StatusOK))
	if again.ID != created.ID {
		t.Fatalf("re-import gave id %d, want %d", again.ID, created.ID)
	}
	byURL := decode[walletEntry](t, ts.api("POST", "/api/wallet", tok, `{"url": "`+url+`"}`).mustStatus(t, http.StatusOK))
	if byURL.ID != created.ID {
		t.Fatalf("import by URL gave id %d, want %d", byURL.ID, created.ID)
	}

	list := decode[[]walletEntry](t, ts.api("GET", "/api/wallet", tok, "").mustStatus(t, http.StatusOK))
	if len(list) != 1 || list[0].Name != "Go Basics" || list[0].Issuer != "Loopback Academy" || list[0].Verdict != "valid" || list[0].Report != nil {
		t.Fatalf("list %+v", list)
	}
	one := decode[walletEntry](t, ts.api("GET", "/api/wallet/"+itoa(created.ID), tok, "").mustStatus(t, http.StatusOK))
	if one.Name != "Go Basics" || one.Report == nil || one.Report.Verdict != "valid" {
		t.Fatalf("one %+v", one)
	}
	fresh := decode[struct{ Verdict string }](t, ts.api("POST", "/api/wallet/"+itoa(created.ID)+"/verify", tok, "").mustStatus(t, http.StatusOK))
	if fresh.Verdict != "valid" {
		t.Fatalf("verify %+v", fresh)
	}

	for _, path := range []string{"/api/wallet/999", "/api/wallet/abc"} {
		ts.api("GET", path, tok, "").mustStatus(t, http.StatusNotFound)
	}
	ts.api("POST", "/api/wallet/999/verify", tok, "").mustStatus(t, http.StatusNotFound)
	ts.api("GET", "/api/wallet", "", "").mustStatus(t, http.StatusUnauthorized)
}

func TestAPIWalletBadInput(t *testing.T) {
	ts := newSite(t)
	tok := ts.token()
	send := func(ctype, body string) response {
		req := httptest.NewRequest("POST", "/api/wallet", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", ctype)
		return ts.browser().do(req)
	}
	for _, c := range []struct{ ctype, body string }{
		{"application/json", "{not json"},
		{"text/plain", "\x00\x01 not a badge"},
		{"image/png", "not a png at all"},
		{"application/json", `{"url": "ftp://example.org/x"}`},
	} {
		r := send(c.ctype, c.body).mustStatus(t, http.StatusBadRequest)
		e := decode[struct{ Error, Detail string }](t, r)
		if e.Error == "" || e.Detail == "" {
			t.Errorf("%s %q: error %+v", c.ctype, c.body, e)
		}
	}
	send("application/octet-stream", "x").mustStatus(t, http.StatusUnsupportedMediaType)
	tooLarge(t, ts, tok)
	list := decode[[]walletEntry](t, ts.api("GET", "/api/wallet", tok, "").mustStatus(t, http.StatusOK))
	if len(list) != 0 {
		t.Fatalf("bad input stored %+v", list)
	}
}

// tooLarge announces a body over the limit to a real listener: Fiber's
// in-process Test refuses such a body before the server sees it, and the
// server answers from the Content-Length alone, before any body is sent.
func tooLarge(t *testing.T, ts *testSite, tok string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.site.Serve(ln)
	t.Cleanup(func() { ts.site.Shutdown(time.Second) })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /api/wallet HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: image/png\r\nContent-Length: %d\r\n\r\n", tok, 9<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}

func TestWalletPages(t *testing.T) {
	assertion, _ := badgeIssuer(t)
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	b.get("/admin/wallet").mustStatus(t, http.StatusOK).mustContain(t, "No badges yet")

	// A good URL and a broken file in one go: the good one is kept, the
	// page says what was wrong with the other.
	r := b.postMultipart("/admin/wallet", map[string]string{"csrf": b.csrf("/admin/wallet"), "url": assertion},
		"files", "broken.json", []byte(`{"not": "a badge"`))
	r.mustStatus(t, http.StatusBadRequest).mustContain(t, "broken.json:", "imported, valid")
	list, _ := ts.wallet.List(context.Background())
	if len(list) != 1 {
		t.Fatalf("wallet has %d credentials", len(list))
	}
	page := b.get("/admin/wallet").mustContain(t, list[0].Name, "valid")
	if !strings.Contains(page.body, fmt.Sprintf(`href="/admin/wallet/%d"`, list[0].ID)) {
		t.Fatal("no link to the credential")
	}
	b.get("/admin/wallet?status=valid&q="+url.QueryEscape(strings.ToLower(list[0].Name))).mustContain(t, list[0].Name)
	b.get("/admin/wallet?status=revoked").mustContain(t, "No badge matches")
	b.get("/admin/wallet?q=nothing-like-this").mustContain(t, "No badge matches")
	detail := fmt.Sprintf("/admin/wallet/%d", list[0].ID)
	b.get(detail).mustContain(t, "Raw credential", assertion, "Criteria")
	b.get(detail).mustStatus(t, http.StatusOK).mustContain(t, "Checks", "hosted", "issuer", "Verify again", "History")
	b.post(detail+"/verify", url.Values{"csrf": {b.csrf(detail)}}).mustStatus(t, http.StatusSeeOther)
	orig := b.get(detail+"/original").mustStatus(t, http.StatusOK)
	if !strings.Contains(orig.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(orig.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("original download headers %v", orig.Header)
	}
	export := b.get("/admin/wallet/export").mustStatus(t, http.StatusOK)
	if export.Header.Get("Content-Type") != "application/zip" || !strings.HasPrefix(export.body, "PK") {
		t.Fatalf("export: %q", export.Header.Get("Content-Type"))
	}
	b.post(detail+"/delete", url.Values{"csrf": {b.csrf(detail)}}).mustStatus(t, http.StatusSeeOther)
	b.get(detail).mustStatus(t, http.StatusNotFound)
	// Restoring the export brings the badge back.
	b.postMultipart("/admin/wallet/restore", map[string]string{"csrf": b.csrf("/admin/wallet")}, "archive", "wallet.zip", []byte(export.body)).
		mustStatus(t, http.StatusSeeOther)
	b.get("/admin/wallet").mustContain(t, "1 added", list[0].Name)
	b.postMultipart("/admin/wallet/restore", map[string]string{"csrf": b.csrf("/admin/wallet")}, "archive", "x.zip", []byte("not a zip")).
		mustStatus(t, http.StatusBadRequest).mustContain(t, "not a Cairn wallet export")
	// Nothing chosen: a clear message.
	b.post("/admin/wallet", url.Values{"csrf": {b.csrf("/admin/wallet")}}).mustStatus(t, http.StatusBadRequest).
		mustContain(t, "Choose badge files")
	// Visitors never see the wallet.
	ts.browser().get("/admin/wallet").mustStatus(t, http.StatusSeeOther)
}
