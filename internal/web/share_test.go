package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/ple/profiles"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/sign"
)

// decodeQR reads a QR code from a PNG with a real decoder (ZXing's port).
func decodeQR(t testing.TB, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode the QR code: %v", err)
	}
	return res.GetText()
}

// sharedProfile is a share site with one profile of four credentials from
// two loopback issuers: a valid one from a trusted issuer, a revoked one,
// an expired one, and a valid one from an issuer the holder does not
// trust. Its share link's token is returned.
type sharedProfile struct {
	*shareSite
	trusted, stranger *testissuer.VC
	ids               map[string]int64 // by credential name
	token, apiToken   string
	pid               int64
	listHitsBefore    int // the trusted issuer's revocation list fetches before any page
}

func newSharedProfile(t *testing.T) *sharedProfile {
	t.Helper()
	ctx := context.Background()
	sp := &sharedProfile{shareSite: newShareSite(t), trusted: testissuer.NewVC(t), stranger: testissuer.NewVC(t),
		ids: map[string]int64{}}
	sp.apiToken = sp.testSite.token()
	// The owner's identity: the recipient check passes, and the page must
	// still never show it.
	sp.api("POST", "/api/settings/identities", sp.apiToken, `{"identities": ["mailto:`+testissuer.Email+`"]}`).mustStatus(t, http.StatusOK)
	if _, err := sp.wallet.AddTrustedIssuer(ctx, sp.trusted.DID, "Loopback Academy"); err != nil {
		t.Fatal(err)
	}
	add := func(is *testissuer.VC, name string, index int, edit func(map[string]any)) {
		doc := is.Credential(index)
		doc["name"] = name
		doc["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["name"] = name
		doc["evidence"] = []any{map[string]any{"id": "https://learner.example/posts/" + strings.ReplaceAll(strings.ToLower(name), " ", "-"),
			"type": []any{"Evidence"}, "name": "Post: " + name}}
		if edit != nil {
			edit(doc)
		}
		sp.ids[name] = sp.importJSON(t, is.SignJSON(doc, sign.RDFC))
	}
	add(sp.trusted, "Valid Badge", 1, nil)
	add(sp.trusted, "Revoked Badge", 2, nil)
	add(sp.trusted, "Expired Badge", 3, func(d map[string]any) { d["validUntil"] = "2026-03-01T00:00:00Z" })
	add(sp.stranger, "Stranger Badge", 4, nil)
	sp.trusted.SetBit("revocation", 2) // revoked after it was imported

	body, _ := json.Marshal(map[string]any{"name": "Web developer", "headline": "I build for the open web",
		"credentials": []int64{sp.ids["Valid Badge"], sp.ids["Revoked Badge"], sp.ids["Expired Badge"], sp.ids["Stranger Badge"]}})
	var created struct{ ID int64 }
	json.Unmarshal([]byte(sp.api("POST", "/api/profiles", sp.apiToken, string(body)).mustStatus(t, http.StatusCreated).body), &created)
	sp.pid = created.ID
	var share struct{ Token, URL string }
	json.Unmarshal([]byte(sp.api("POST", "/api/profiles/"+itoa(sp.pid)+"/shares", sp.apiToken, "").mustStatus(t, http.StatusCreated).body), &share)
	sp.token = share.Token
	sp.listHitsBefore = sp.trusted.Hits("/status/revocation")
	return sp
}

// items splits the page into its credentials: id → (state, html).
func items(t *testing.T, body string) map[int64][2]string {
	t.Helper()
	out := map[int64][2]string{}
	rest := body
	for {
		i := strings.Index(rest, `<li class="card share-credential`)
		if i < 0 {
			break
		}
		rest = rest[i:]
		end := strings.Index(rest[1:], `<li class="card share-credential`)
		chunk := rest
		if end >= 0 {
			chunk = rest[:end+1]
		}
		m := regexp.MustCompile(`id="credential-(\d+)" data-verdict="([^"]*)"`).FindStringSubmatch(chunk)
		if m == nil {
			t.Fatalf("credential item without id: %.300s", chunk)
		}
		var id int64
		json.Unmarshal([]byte(m[1]), &id)
		out[id] = [2]string{m[2], chunk}
		rest = rest[1:]
	}
	return out
}

// TestSharePageVerdicts opens the employer's page and finds each
// credential with its verdict in plain words: valid, revoked by the
// issuer, expired on its date, and an unknown issuer shown (not hidden)
// with the trust warning. The recipient's email never appears, the page
// is noindex, carries Open Graph tags and JSON-LD, and a second visit is
// served from the verification cache (no new fetch at the issuers).
func TestSharePageVerdicts(t *testing.T) {
	sp := newSharedProfile(t)
	visitor := sp.browser()
	r := visitor.get("/s/"+sp.token).mustStatus(t, http.StatusOK)
	page := r.body
	got := items(t, page)
	if len(got) != 4 {
		t.Fatalf("%d credentials on the page, want 4", len(got))
	}
	check := func(name, state string, words ...string) {
		t.Helper()
		it, ok := got[sp.ids[name]]
		if !ok {
			t.Fatalf("%s is not on the page", name)
		}
		if it[0] != state {
			t.Errorf("%s: state %q, want %q", name, it[0], state)
		}
		for _, w := range append(words, name) {
			if !strings.Contains(it[1], w) {
				t.Errorf("%s lacks %q: %s", name, w, it[1])
			}
		}
	}
	check("Valid Badge", "valid", "The signature matches the content.", "Not revoked.", "The issuer is in the holder&#39;s trusted list.",
		testissuer.IssuerName, "Issued to the holder of this page.", "Checked at", "/s/"+sp.token+"/credentials/")
	check("Revoked Badge", "revoked", `<span class="why">Revoked by the issuer (found on `)
	check("Expired Badge", "expired", `<span class="why">Expired on 1 Mar 2026.</span>`, "Expired on 1 Mar 2026.")
	check("Stranger Badge", "valid", "The issuer is not in the holder&#39;s trusted list.", `status-warn`)
	// Links from an untrusted issuer are shown as text (safe mode).
	if it := got[sp.ids["Stranger Badge"]][1]; strings.Contains(it, `href="https://learner.example/posts/stranger-badge"`) {
		t.Errorf("a link from an untrusted issuer is live: %s", it)
	}
	if it := got[sp.ids["Valid Badge"]][1]; !strings.Contains(it, `href="https://learner.example/posts/valid-badge"`) {
		t.Errorf("the evidence link of a trusted credential is missing: %s", it)
	}

	// Privacy: the owner's email is nowhere, the page asks not to be indexed.
	for _, leak := range []string{testissuer.Email, "mailto:", "issued to learner"} {
		if strings.Contains(strings.ToLower(page), strings.ToLower(leak)) {
			t.Errorf("the page shows %q", leak)
		}
	}
	if !strings.Contains(page, `<meta name="robots" content="noindex">`) || r.Header.Get("X-Robots-Tag") != "noindex" {
		t.Error("the page is not noindex")
	}
	for _, want := range []string{`<meta property="og:title"`, `<meta property="og:url" content="` + sp.cfg.BaseURL + "/s/" + sp.token + `">`,
		`<meta property="og:description" content="I build for the open web">`, `<script type="application/ld+json">`,
		`"@type":"ProfilePage"`, `"hasCredential"`, `"knowsAbout":["HTML"]`, "Web developer", "I build for the open web",
		`<h2 id="skills">Skills</h2>`, "2 credentials", // HTML from the two valid badges only
		`href="/s/` + sp.token + `/presentation.json"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// JSON-LD parses and lists only the credentials that verified.
	m := regexp.MustCompile(`<script type="application/ld\+json">(.*?)</script>`).FindStringSubmatch(page)
	var ld struct {
		MainEntity struct {
			HasCredential []map[string]any `json:"hasCredential"`
		} `json:"mainEntity"`
	}
	if m == nil || json.Unmarshal([]byte(m[1]), &ld) != nil || len(ld.MainEntity.HasCredential) != 2 {
		t.Errorf("JSON-LD %v", m)
	}

	// From the cache: no issuer is asked again, same page.
	hits := sp.trusted.Hits("/status/revocation")
	// The status list was fetched once for the three credentials of the
	// trusted issuer (one shared verify.Cache).
	if n := hits - sp.listHitsBefore; n != 1 {
		t.Errorf("the revocation list was fetched %d times for the page", n)
	}
	again := visitor.get("/s/"+sp.token).mustStatus(t, http.StatusOK)
	if sp.trusted.Hits("/status/revocation") != hits {
		t.Error("the second visit verified again")
	}
	if again.body != page {
		t.Error("the second visit shows another page")
	}

	// Each original downloads as issued; only the profile's credentials.
	dl := visitor.get("/s/"+sp.token+"/credentials/"+itoa(sp.ids["Valid Badge"])).mustStatus(t, http.StatusOK)
	if !strings.Contains(dl.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(dl.body, `"proof"`) {
		t.Errorf("download %q %.100s", dl.Header.Get("Content-Disposition"), dl.body)
	}
	other := sp.importJSON(t, sp.trusted.SignJSON(sp.trusted.Credential(9), sign.RDFC))
	visitor.get("/s/"+sp.token+"/credentials/"+itoa(other)).mustStatus(t, http.StatusNotFound)

	// The issuer's status lists are down when the checks run again: "could
	// not be checked right now", never valid.
	sp.trusted.SetDown(true)
	sp.profiles.Forget()
	got = items(t, visitor.get("/s/"+sp.token).mustStatus(t, http.StatusOK).body)
	check("Valid Badge", "could not be checked", "Could not be checked right now. The issuer&#39;s revocation list did not answer.")
	check("Stranger Badge", "valid")
}

// TestShareQRCodes decodes the PNG QR codes (both sizes) with a real QR
// decoder back to the exact share URL, and checks the SVG.
func TestShareQRCodes(t *testing.T) {
	sp := newSharedProfile(t)
	want := sp.cfg.BaseURL + "/s/" + sp.token
	v := sp.browser()
	var widths []int
	for _, size := range []string{"", "screen", "print"} {
		r := v.get("/s/"+sp.token+"/qr.png?size="+size).mustStatus(t, http.StatusOK)
		if r.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("content type %q", r.Header.Get("Content-Type"))
		}
		if got := decodeQR(t, []byte(r.body)); got != want {
			t.Fatalf("size %q decodes to %q, want %q", size, got, want)
		}
		img, _ := png.DecodeConfig(strings.NewReader(r.body))
		widths = append(widths, img.Width)
	}
	if widths[1] < 250 || widths[2] < 1000 || widths[0] != widths[1] {
		t.Errorf("widths %v: want screen ≈ 300 px and print ≈ 1200 px", widths)
	}
	svg := v.get("/s/"+sp.token+"/qr.svg").mustStatus(t, http.StatusOK)
	if svg.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(svg.body, "<svg") || !strings.Contains(svg.body, "<path") {
		t.Fatalf("svg %q %.100s", svg.Header.Get("Content-Type"), svg.body)
	}
}

// siteFetcher lets Cairn's own verifier reach the in-process site (its
// did:web over http, as for loopback hosts) and the loopback issuers.
func (sp *sharedProfile) siteFetcher() verify.Fetcher {
	base := sp.cfg.BaseURL // http://localhost:8080
	httpsBase := "https://" + strings.TrimPrefix(base, "http://")
	return verify.FetcherFunc(func(ctx context.Context, u, accept string) (*verify.Response, error) {
		switch {
		case strings.HasPrefix(u, httpsBase):
			return nil, errors.New("tls: the test site speaks plain http")
		case strings.HasPrefix(u, base):
			req := httptest.NewRequest(http.MethodGet, strings.TrimPrefix(u, base), nil)
			req.Header.Set("Accept", accept)
			resp, err := sp.site.Test(req, -1)
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return &verify.Response{Status: resp.StatusCode, URL: u, Body: b, ContentType: resp.Header.Get("Content-Type")}, nil
		}
		// Each issuer by its host, over https (refused) or http.
		host := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
		if strings.HasPrefix(host, strings.TrimPrefix(sp.trusted.Origin, "http://")) {
			return sp.trusted.Fetcher().Fetch(ctx, u, accept)
		}
		return sp.stranger.Fetcher().Fetch(ctx, u, accept)
	})
}

// TestSharePresentation downloads the profile as a Verifiable
// Presentation, verifies it with Cairn's own verifier (the holder's proof
// by the site's did:web key, published with issuer mode off, and each
// credential), and sees it fail once tampered with.
func TestSharePresentation(t *testing.T) {
	sp := newSharedProfile(t)
	v := sp.browser()
	r := v.get("/s/"+sp.token+"/presentation.json").mustStatus(t, http.StatusOK)
	var vp map[string]any
	if err := json.Unmarshal([]byte(r.body), &vp); err != nil {
		t.Fatal(err)
	}
	holder := "did:web:localhost%3A8080"
	if vp["holder"] != holder {
		t.Fatalf("holder %v", vp["holder"])
	}
	proof, _ := vp["proof"].(map[string]any)
	if proof["cryptosuite"] != "eddsa-rdfc-2022" || !strings.HasPrefix(proof["verificationMethod"].(string), holder+"#") {
		t.Fatalf("proof %v", proof)
	}
	if creds, _ := vp["verifiableCredential"].([]any); len(creds) != 4 {
		t.Fatalf("%d credentials in the presentation", len(creds))
	}
	// Issuer mode is off, yet the site's DID document is published.
	v.get("/.well-known/did.json").mustStatus(t, http.StatusOK).mustContain(t, holder, "Multikey")

	opts := profiles.VerifyOptions{AllowHTTPForPrivate: true,
		Verify: verify.Options{Fetcher: sp.siteFetcher(), Recipients: []string{testissuer.Email}, TrustedIssuers: []string{sp.trusted.DID}}}
	rep := profiles.VerifyPresentation(context.Background(), []byte(r.body), opts)
	if rep.Proof != verify.StatusPass || rep.Holder != holder {
		t.Fatalf("presentation proof %s: %s", rep.Proof, rep.Message)
	}
	verdicts := map[string]string{}
	for _, c := range rep.Credentials {
		verdicts[c.Credential.Name] = c.Verdict
	}
	want := map[string]string{"Valid Badge": "valid", "Revoked Badge": "invalid", "Expired Badge": "invalid", "Stranger Badge": "valid"}
	for k, w := range want {
		if verdicts[k] != w {
			t.Errorf("%s: %s in the presentation, want %s", k, verdicts[k], w)
			for _, c := range rep.Credentials {
				if c.Credential.Name == k {
					t.Logf("%+v", c.Checks)
				}
			}
		}
	}

	// Tampered: a credential renamed, or the holder changed.
	tampered := strings.Replace(r.body, `"Stranger Badge"`, `"Senior Badge"`, 1)
	if rep := profiles.VerifyPresentation(context.Background(), []byte(tampered), opts); rep.Proof != verify.StatusFail ||
		!strings.Contains(rep.Message, "no longer matches") {
		t.Fatalf("tampered presentation: %s %s", rep.Proof, rep.Message)
	}
	var doc map[string]any
	json.Unmarshal([]byte(r.body), &doc)
	doc["verifiableCredential"] = doc["verifiableCredential"].([]any)[:3]
	b, _ := json.Marshal(doc)
	if rep := profiles.VerifyPresentation(context.Background(), b, opts); rep.Proof != verify.StatusFail {
		t.Fatalf("presentation with a credential left out: %s %s", rep.Proof, rep.Message)
	}

	// Withdrawn: the presentation and the DID document go with the link.
	sp.api("DELETE", "/api/shares/"+sp.token, sp.apiToken, "").mustStatus(t, http.StatusNoContent)
	v.get("/s/"+sp.token+"/presentation.json").mustStatus(t, http.StatusGone)
	v.get("/.well-known/did.json").mustStatus(t, http.StatusNotFound)
}

// TestShareIndexableOptIn: a profile the owner opts in drops noindex.
func TestShareIndexableOptIn(t *testing.T) {
	sp := newSharedProfile(t)
	p, err := sp.profiles.Get(context.Background(), sp.pid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sp.profiles.Update(context.Background(), sp.pid, profiles.Input{Name: p.Name, Headline: p.Headline,
		Indexable: true, Credentials: p.Items}); err != nil {
		t.Fatal(err)
	}
	r := sp.browser().get("/s/"+sp.token).mustStatus(t, http.StatusOK)
	if strings.Contains(r.body, `name="robots"`) || r.Header.Get("X-Robots-Tag") != "" {
		t.Fatal("an indexable profile is still noindex")
	}
}

// benchShare builds a profile of 20 credentials from two loopback issuers
// (16 badges, 4 Learning Tokens) with one share link.
func benchShare(b *testing.B) (*shareSite, string) {
	b.Helper()
	ss := newShareSite(b)
	a, c := testissuer.NewVC(b), testissuer.NewVC(b)
	ctx := context.Background()
	if _, err := ss.wallet.AddTrustedIssuer(ctx, a.DID, "A"); err != nil {
		b.Fatal(err)
	}
	var ids []int64
	for i := range 20 {
		is := a
		if i%2 == 1 {
			is = c
		}
		doc := is.Credential(100 + i)
		if i%5 == 4 {
			doc = is.LearningTokenAt(200+i, "score", float64(i), 0, 20)
		}
		ids = append(ids, ss.importJSON(b, is.SignJSON(doc, sign.RDFC)))
	}
	p, err := ss.profiles.Create(ctx, profiles.Input{Name: "Bench profile", Headline: "Twenty credentials", Credentials: ids})
	if err != nil {
		b.Fatal(err)
	}
	sh, err := ss.profiles.CreateShare(ctx, p.ID, "", time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	return ss, sh.Token
}

func getShare(b *testing.B, ss *shareSite, path string) {
	resp, err := ss.site.Test(httptest.NewRequest(http.MethodGet, path, nil), -1)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatal(err, resp.StatusCode)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// BenchmarkSharePage20Cached is the employer's page with 20 credentials
// served from the verification cache (every report fresh): Fiber's whole
// stack in process, one request at a time.
func BenchmarkSharePage20Cached(b *testing.B) {
	ss, token := benchShare(b)
	getShare(b, ss, "/s/"+token) // verifies all 20 once
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		getShare(b, ss, "/s/"+token)
	}
}

// BenchmarkSharePage20CachedParallel is the same with concurrent visitors
// (GOMAXPROCS goroutines): req/s = 1e9 / ns/op.
func BenchmarkSharePage20CachedParallel(b *testing.B) {
	ss, token := benchShare(b)
	getShare(b, ss, "/s/"+token)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			getShare(b, ss, "/s/"+token)
		}
	})
}

// BenchmarkSharePage20Cold is the page with every verification run: the
// live reports and the shared document cache are dropped before each
// request, so all 20 credentials are verified against their (loopback)
// issuers, DID documents and status lists fetched afresh.
func BenchmarkSharePage20Cold(b *testing.B) {
	ss, token := benchShare(b)
	getShare(b, ss, "/s/"+token)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ss.profiles.Forget()
		getShare(b, ss, "/s/"+token)
	}
}

// TestSharePageLedger: a credential its issuer recorded in a cairn-ledger/1
// ledger shows the ledger check passed, in words.
func TestSharePageLedger(t *testing.T) {
	ss := newShareSite(t)
	is := testissuer.NewVC(t)
	is.EnableLedger()
	signed := is.Sign(is.Credential(7), sign.RDFC)
	is.RecordAward(signed)
	raw, _ := json.Marshal(signed)
	id := ss.importJSON(t, raw)
	ctx := context.Background()
	p, err := ss.profiles.Create(ctx, profiles.Input{Name: "Ledger", Credentials: []int64{id}})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := ss.profiles.CreateShare(ctx, p.ID, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	page := ss.browser().get("/s/"+sh.Token).mustStatus(t, http.StatusOK)
	page.mustContain(t, `<li class="check check-ledger status-pass"><span class="badge ok">Ledger</span> Recorded in the issuer&#39;s public ledger.</li>`)
}
