package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"willnorris.com/go/microformats"

	"github.com/cairn-pl/cairn/internal/account"
)

func TestHomeShowsRepresentativeHCard(t *testing.T) {
	ts := newSite(t)
	ctx := context.Background()
	err := ts.account.UpdateProfile(ctx, account.Profile{
		Name: "Ada Learner", Bio: "Learning in public.", Photo: "https://ada.example/me.jpg",
		Links: []string{"https://github.com/ada", "https://social.example/@ada"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := ts.browser().get("/").mustStatus(t, http.StatusOK)
	base, _ := url.Parse(ts.cfg.BaseURL + "/")
	data := microformats.Parse(strings.NewReader(r.body), base)
	var card *microformats.Microformat
	for _, item := range data.Items {
		if slices.Contains(item.Type, "h-card") {
			card = item
		}
	}
	if card == nil {
		t.Fatalf("no top-level h-card: %+v", data.Items)
	}
	want := map[string]string{"name": "Ada Learner", "url": ts.cfg.BaseURL + "/", "uid": ts.cfg.BaseURL + "/",
		"photo": "https://ada.example/me.jpg", "note": "Learning in public."}
	for prop, v := range want {
		if got := first(card.Properties[prop]); got != v {
			t.Errorf("h-card %s = %q, want %q", prop, got, v)
		}
	}
	if me := data.Rels["me"]; !slices.Contains(me, "https://github.com/ada") || !slices.Contains(me, "https://social.example/@ada") {
		t.Errorf("rel=me links %v", me)
	}
	var feed bool
	for _, item := range data.Items {
		feed = feed || slices.Contains(item.Type, "h-feed")
	}
	if !feed {
		t.Error("home page has no h-feed")
	}
}

func first(v []any) string {
	if len(v) == 0 {
		return ""
	}
	switch x := v[0].(type) {
	case string:
		return x
	case map[string]string:
		return x["value"]
	case map[string]any:
		s, _ := x["value"].(string)
		return s
	}
	return ""
}

func TestSecurityHeaders(t *testing.T) {
	ts := newSite(t)
	r := ts.browser().get("/")
	csp := r.Header.Get("Content-Security-Policy")
	for _, directive := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, directive) {
			t.Errorf("CSP %q lacks %q", csp, directive)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline script or style: %q", csp)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers %v", r.Header)
	}
	// No inline script or style anywhere in the page, or the CSP would break it.
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]+</script>|<style|style="|onclick=|onsubmit=`).MatchString(r.body) {
		t.Errorf("inline script or style in the home page: %s", r.body)
	}
}

func TestStaticAssetsHaveContentHashURLs(t *testing.T) {
	ts := newSite(t)
	page := ts.browser().get("/").body
	m := regexp.MustCompile(`href="(/static/([0-9a-f]+)/css/cairn\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no hashed stylesheet link in %s", page)
	}
	r := ts.browser().get(m[1]).mustStatus(t, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type %q", ct)
	}
	// An outdated hash still gets the file, but not for a year.
	stale := ts.browser().get("/static/000000000000/css/cairn.css").mustStatus(t, http.StatusOK)
	if cc := stale.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("stale hash cached as immutable: %q", cc)
	}
	// Conditional request.
	req := httptest.NewRequest(http.MethodGet, m[1], nil)
	req.Header.Set("If-None-Match", r.Header.Get("ETag"))
	ts.browser().do(req).mustStatus(t, http.StatusNotModified)
	ts.browser().get("/static/"+m[2]+"/css/missing.css").mustStatus(t, http.StatusNotFound)
	ts.browser().get("/static/"+m[2]+"/../web.go").mustStatus(t, http.StatusNotFound)
}

func TestNavigationForOwner(t *testing.T) {
	ts := newSite(t).withPassword()
	anon := ts.browser().get("/").body
	if strings.Contains(anon, `href="/admin/settings"`) {
		t.Error("visitors see the owner navigation")
	}
	b := ts.browser()
	b.login()
	page := b.get("/").body
	for _, label := range []string{"Journal", "Courses", "Wallet", "Profiles", "Settings"} {
		if !strings.Contains(page, ">"+label+"</a>") {
			t.Errorf("nav lacks %s", label)
		}
	}
	for _, path := range []string{"/admin/courses", "/admin/wallet", "/admin/profiles", "/admin/jobs"} {
		r := b.get(path).mustStatus(t, http.StatusOK)
		if !strings.Contains(r.body, `aria-current="page"`) {
			t.Errorf("%s: no current nav item", path)
		}
	}
}

func TestFriendlyErrors(t *testing.T) {
	ts := newSite(t).withPassword()
	r := ts.browser().get("/no/such/page").mustStatus(t, http.StatusNotFound)
	r.mustContain(t, "Page not found", "<html")
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("404 Content-Type %q", ct)
	}
	// An internal failure shows a generic page; the cause goes to the log.
	b := ts.browser()
	b.login()
	if _, err := ts.db.W.Exec("DROP TABLE api_tokens"); err != nil {
		t.Fatal(err)
	}
	r = b.get("/admin/settings")
	if r.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d", r.StatusCode)
	}
	if strings.Contains(r.body, "api_tokens") || strings.Contains(r.body, "no such table") {
		t.Errorf("internal detail leaked: %s", r.body)
	}
	r.mustContain(t, "Something went wrong")
}

func TestHealthz(t *testing.T) {
	ts := newSite(t)
	ts.browser().get("/healthz").mustStatus(t, http.StatusOK).mustContain(t, "ok")
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSettingsProfileAndPhotoUpload(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	csrf := b.csrf("/admin/settings")
	r := b.postMultipart("/admin/settings/profile", map[string]string{
		"csrf": csrf, "name": "Ada", "bio": "Hi <script>alert(1)</script>", "links": "https://ada.example\r\nhttps://code.example/ada\n",
	}, "photo_file", "me.png", pngBytes(t))
	r.mustStatus(t, http.StatusSeeOther)
	o, _ := ts.account.Owner(context.Background())
	if o.Name != "Ada" || len(o.Links) != 2 || !strings.HasPrefix(o.Photo, "/media/") {
		t.Fatalf("owner after save: %+v", o)
	}
	b.get(o.Photo).mustStatus(t, http.StatusOK)
	home := ts.browser().get("/").body
	if strings.Contains(home, "<script>alert(1)") {
		t.Fatal("bio is not escaped")
	}
	if !strings.Contains(home, "Hi &lt;script&gt;") {
		t.Fatalf("bio missing: %s", home)
	}

	// A non-image upload is refused with a reason; the profile stays.
	r = b.postMultipart("/admin/settings/profile", map[string]string{"csrf": csrf, "name": "Changed"},
		"photo_file", "evil.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	r.mustStatus(t, http.StatusSeeOther)
	b.get("/admin/settings").mustContain(t, "the image must be a PNG, JPEG, GIF or WebP file")
	o2, _ := ts.account.Owner(context.Background())
	if o2.Name != "Ada" || o2.Photo != o.Photo {
		t.Fatalf("refused upload changed the profile: %+v", o2)
	}
	ts.browser().get("/media/../cairn.db").mustStatus(t, http.StatusNotFound)
	ts.browser().get("/media/0123456789abcdef0123456789abcdef.png").mustStatus(t, http.StatusNotFound)
}

func TestSettingsIdentitiesErrorKeepsEverything(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	csrf := b.csrf("/admin/settings")
	b.post("/admin/settings/identities", url.Values{"csrf": {csrf}, "identities": {"Ada@Example.org\nhttps://ada.example"}}).
		mustStatus(t, http.StatusSeeOther)
	b.post("/admin/settings/identities", url.Values{"csrf": {csrf}, "identities": {"ada@example.org\nnot an identity"}}).
		mustStatus(t, http.StatusSeeOther)
	b.get("/admin/settings").mustContain(t, "not an identity", "mailto:ada@example.org")
	o, _ := ts.account.Owner(context.Background())
	if len(o.Identities) != 2 {
		t.Fatalf("a bad list replaced the identities: %v", o.Identities)
	}
}

func TestMissingCSRFOnOwnerFormIs403(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	b.post("/admin/settings/profile", url.Values{"name": {"No Token"}}).mustStatus(t, http.StatusForbidden).
		mustContain(t, "expired or did not come from this site")
	// The anonymous token does not stand in for the session's.
	b.post("/admin/settings/profile", url.Values{"csrf": {b.cookies["cairn_csrf"]}, "name": {"No Token"}}).
		mustStatus(t, http.StatusForbidden)
	o, _ := ts.account.Owner(context.Background())
	if o.Name == "No Token" {
		t.Fatal("profile changed without a CSRF token")
	}
}

func TestTokensInSettingsAndAPI(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	r := b.post("/admin/settings/tokens", url.Values{"csrf": {b.csrf("/admin/settings")}, "name": {"script"}})
	r.mustStatus(t, http.StatusCreated)
	m := regexp.MustCompile(`id="new-token">(cairn_[A-Za-z0-9_-]+)<`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("token not shown: %s", r.body)
	}
	token := m[1]
	if strings.Contains(b.get("/admin/settings").body, token) {
		t.Fatal("token shown a second time")
	}

	api := func(method, path, tok, body string) response {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return ts.browser().do(req)
	}
	r = api(http.MethodGet, "/api/settings", "", "").mustStatus(t, http.StatusUnauthorized)
	var e struct{ Error, Detail string }
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Error == "" || !strings.Contains(e.Detail, "Bearer") {
		t.Fatalf("API error body %q (%v)", r.body, err)
	}
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	api(http.MethodGet, "/api/settings", "cairn_wrong", "").mustStatus(t, http.StatusUnauthorized)
	api(http.MethodGet, "/api/settings", token, "").mustStatus(t, http.StatusOK).mustContain(t, `"identities":[]`)
	api(http.MethodPost, "/api/settings/identities", token, `{"identities": ["Ada@Example.org"]}`).
		mustStatus(t, http.StatusOK).mustContain(t, `"mailto:ada@example.org"`)
	api(http.MethodPost, "/api/settings/identities", token, `{"identities": ["nope"]}`).
		mustStatus(t, http.StatusBadRequest).mustContain(t, `"error":"bad request"`)
	api(http.MethodPost, "/api/settings/identities", token, `{"identities": [`).mustStatus(t, http.StatusBadRequest)
	api(http.MethodGet, "/api/nothing", token, "").mustStatus(t, http.StatusNotFound).mustContain(t, `"error":"not found"`)

	// Revoking in Settings stops the token at once.
	list, _ := ts.account.APITokens(context.Background())
	b.post("/admin/settings/tokens/"+strconv.FormatInt(list[0].ID, 10)+"/revoke", url.Values{"csrf": {b.csrf("/admin/settings")}}).
		mustStatus(t, http.StatusSeeOther)
	api(http.MethodGet, "/api/settings", token, "").mustStatus(t, http.StatusUnauthorized)
	b.get("/admin/settings").mustContain(t, "revoked")
}

func TestHomeCacheFollowsProfileChanges(t *testing.T) {
	ts := newSite(t).withPassword()
	visitor := ts.browser()
	visitor.get("/").mustContain(t, "localhost:8080")
	if _, ok := visitor.cookies["cairn_csrf"]; ok {
		t.Error("the public home page set a CSRF cookie; it would not be cacheable")
	}
	owner := ts.browser()
	owner.login()
	owner.post("/admin/settings/profile", url.Values{"csrf": {owner.csrf("/admin/settings")}, "name": {"Renamed Owner"}}).
		mustStatus(t, http.StatusSeeOther)
	visitor.get("/").mustContain(t, "Renamed Owner")
}
