package verify

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/verify/bake"
)

func TestHostedValid(t *testing.T) {
	f, in := hostedWorld(t)
	r := Verify(t.Context(), in, opts(f, "mailto:Nobody@Example.org"))
	wantVerdict(t, r, VerdictValid)
	if r.Format != FormatOB2Hosted {
		t.Errorf("format %s", r.Format)
	}
	for _, id := range []string{CheckParse, CheckContext, CheckType, CheckHosted, CheckIssuer, CheckNotBefore, CheckExpiry, CheckStatus, CheckRecipient, CheckImage} {
		checkStatus(t, r, id, StatusPass)
	}
	checkStatus(t, r, CheckTrust, StatusWarn)
	c := r.Credential
	if c.ID != assertURL || c.Name != "Robotics" || c.Issuer.ID != issuerURL || c.Issuer.Name != "Example Issuer" ||
		c.Issuer.URL != "https://issuer.example" || c.Issued != "2026-01-02T03:04:05Z" || c.Recipient != "Nobody@Example.org" {
		t.Errorf("summary %+v", c)
	}
	if len(c.Skills) != 1 || c.Skills[0].Name != "Robotics" || c.Skills[0].Code != "R1" {
		t.Errorf("skills %+v", c.Skills)
	}
	if c.Achievement.Criteria != "Build a robot." {
		t.Errorf("achievement %+v", c.Achievement)
	}
}

func TestHostedByURL(t *testing.T) {
	f, _ := hostedWorld(t)
	r := Verify(t.Context(), []byte(" "+assertURL+"\n"), opts(f))
	wantVerdict(t, r, VerdictValid)
	n := 0
	for _, c := range f.calls {
		if c == assertURL {
			n++
		}
	}
	if n != 1 {
		t.Errorf("assertion fetched %d times", n)
	}
}

func TestHostedUsesIssuerCopy(t *testing.T) {
	f, _ := hostedWorld(t)
	a := assertionDoc()
	a["expires"] = "2099-01-01T00:00:00Z" // the given copy claims more than the issuer's
	in, _ := json.Marshal(a)
	r := Verify(t.Context(), in, opts(f))
	wantVerdict(t, r, VerdictValid)
	if r.Credential.Expires != "" {
		t.Errorf("expires taken from the given copy: %q", r.Credential.Expires)
	}
}

func TestHostedFailures(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(f *fakeFetcher, a map[string]any)
		check   string
		status  string
		verdict string
	}{
		{"id mismatch", func(f *fakeFetcher, a map[string]any) {
			b := assertionDoc()
			b["id"] = "https://issuer.example/assertions/2.json"
			f.json(assertURL, b)
		}, CheckHosted, StatusFail, VerdictInvalid},
		{"410 gone", func(f *fakeFetcher, a map[string]any) { f.status(assertURL, 410) }, CheckStatus, StatusFail, VerdictInvalid},
		{"revoked true", func(f *fakeFetcher, a map[string]any) {
			b := assertionDoc()
			b["revoked"] = true
			b["revocationReason"] = "cheating"
			f.json(assertURL, b)
		}, CheckStatus, StatusFail, VerdictInvalid},
		{"404", func(f *fakeFetcher, a map[string]any) { f.status(assertURL, 404) }, CheckHosted, StatusFail, VerdictInvalid},
		{"assertion unreachable", func(f *fakeFetcher, a map[string]any) { f.fail(assertURL) }, CheckHosted, StatusError, VerdictUnknown},
		{"issuer unreachable", func(f *fakeFetcher, a map[string]any) { f.fail(issuerURL) }, CheckIssuer, StatusError, VerdictUnknown},
		{"issuer 503", func(f *fakeFetcher, a map[string]any) { f.status(issuerURL, 503) }, CheckIssuer, StatusError, VerdictUnknown},
		{"badge unreachable", func(f *fakeFetcher, a map[string]any) { f.fail(badgeURL) }, CheckIssuer, StatusError, VerdictUnknown},
		{"expired", func(f *fakeFetcher, a map[string]any) {
			a["expires"] = "2026-06-01T00:00:00Z"
			f.json(assertURL, a)
		}, CheckExpiry, StatusFail, VerdictInvalid},
		{"expires before issued", func(f *fakeFetcher, a map[string]any) {
			a["expires"] = "2025-06-01T00:00:00Z"
			f.json(assertURL, a)
		}, CheckExpiry, StatusFail, VerdictInvalid},
		{"issued in future", func(f *fakeFetcher, a map[string]any) {
			a["issuedOn"] = "2100-12-31T23:59:59Z"
			f.json(assertURL, a)
		}, CheckNotBefore, StatusFail, VerdictInvalid},
		{"no time zone", func(f *fakeFetcher, a map[string]any) {
			a["issuedOn"] = "2026-01-02T03:04:05"
			f.json(assertURL, a)
		}, CheckSchema, StatusFail, VerdictInvalid},
		{"outside default origin", func(f *fakeFetcher, a map[string]any) {
			a["id"] = "https://evil.example/a.json"
			f.json("https://evil.example/a.json", a)
		}, CheckHosted, StatusFail, VerdictInvalid},
		{"outside allowedOrigins", func(f *fakeFetcher, a map[string]any) {
			iss := issuerDoc()
			iss["verification"] = map[string]any{"allowedOrigins": []any{"badges.issuer.example"}}
			f.json(issuerURL, iss)
		}, CheckHosted, StatusFail, VerdictInvalid},
		{"outside startsWith", func(f *fakeFetcher, a map[string]any) {
			iss := issuerDoc()
			iss["verification"] = map[string]any{"startsWith": "https://issuer.example/public/"}
			f.json(issuerURL, iss)
		}, CheckHosted, StatusFail, VerdictInvalid},
		{"issuer of wrong type", func(f *fakeFetcher, a map[string]any) {
			iss := issuerDoc()
			iss["type"] = "Criteria"
			f.json(issuerURL, iss)
		}, CheckIssuer, StatusFail, VerdictInvalid},
		{"badge lacks name", func(f *fakeFetcher, a map[string]any) {
			b := badgeDoc()
			delete(b, "name")
			f.json(badgeURL, b)
		}, CheckSchema, StatusFail, VerdictInvalid},
		{"assertion image data uri", func(f *fakeFetcher, a map[string]any) {
			a["image"] = "data:image/png;base64,iVBORw0KGgo="
			f.json(assertURL, a)
		}, CheckImage, StatusFail, VerdictInvalid},
		{"badge image missing", func(f *fakeFetcher, a map[string]any) {
			b := badgeDoc()
			delete(b, "image")
			f.json(badgeURL, b)
		}, CheckImage, StatusFail, VerdictInvalid},
		{"wrong context", func(f *fakeFetcher, a map[string]any) {
			a["@context"] = "https://w3id.org/openbadges/invalid"
			f.json(assertURL, a)
		}, CheckContext, StatusFail, VerdictInvalid},
		{"wrong type", func(f *fakeFetcher, a map[string]any) {
			a["type"] = "OtherAssertion"
			f.json(assertURL, a)
		}, CheckType, StatusFail, VerdictInvalid},
		{"hash without hashed", func(f *fakeFetcher, a map[string]any) {
			a["recipient"] = map[string]any{"type": "email", "identity": sha256Identity(email, "")}
			f.json(assertURL, a)
		}, CheckSchema, StatusFail, VerdictInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := hostedWorld(t)
			a := assertionDoc()
			tt.setup(f, a)
			in, _ := json.Marshal(a)
			r := Verify(t.Context(), in, opts(f))
			checkStatus(t, r, tt.check, tt.status)
			wantVerdict(t, r, tt.verdict)
		})
	}
}

func TestHostedScopeAllowed(t *testing.T) {
	for name, v := range map[string]any{
		"allowedOrigins": map[string]any{"allowedOrigins": []any{"other.example", "issuer.example"}},
		"startsWith":     map[string]any{"startsWith": []any{"https://x.example/", "https://issuer.example/assertions/"}},
	} {
		t.Run(name, func(t *testing.T) {
			f, in := hostedWorld(t)
			iss := issuerDoc()
			iss["verification"] = v
			f.json(issuerURL, iss)
			r := Verify(t.Context(), in, opts(f))
			wantVerdict(t, r, VerdictValid)
		})
	}
}

func TestRecipient(t *testing.T) {
	plain := map[string]any{"type": "email", "hashed": false, "identity": "Learner@Example.org"}
	md5r := map[string]any{"type": "email", "hashed": true, "salt": "s", "identity": "md5$" + md5hex("learner@example.org"+"s")}
	urlr := map[string]any{"type": "url", "hashed": false, "identity": "https://learner.example/"}
	tests := []struct {
		name  string
		recip map[string]any
		ids   []string
		want  string
	}{
		{"hashed sha256 match", nil, []string{email}, StatusPass},
		{"hashed sha256 mailto upper", nil, []string{"mailto:NOBODY@example.org"}, StatusPass},
		{"hashed sha256 mismatch", nil, []string{"somebody@example.org"}, StatusFail},
		{"hashed sha256 url identity", nil, []string{"https://nobody.example"}, StatusFail},
		{"no identities", nil, nil, StatusSkip},
		{"plain match case", plain, []string{"learner@example.org"}, StatusPass},
		{"plain mismatch", plain, []string{"other@example.org"}, StatusFail},
		{"md5 salted", md5r, []string{"Learner@Example.org"}, StatusPass},
		{"url match", urlr, []string{"https://learner.example"}, StatusPass},
		{"url vs email", urlr, []string{"learner@example.org"}, StatusFail},
		{"one of several", nil, []string{"https://x.example", "x@example.org", email}, StatusPass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := hostedWorld(t)
			a := assertionDoc()
			if tt.recip != nil {
				a["recipient"] = tt.recip
			}
			f.json(assertURL, a)
			in, _ := json.Marshal(a)
			r := Verify(t.Context(), in, opts(f, tt.ids...))
			checkStatus(t, r, CheckRecipient, tt.want)
			if tt.want == StatusFail {
				wantVerdict(t, r, VerdictInvalid)
			} else {
				wantVerdict(t, r, VerdictValid)
			}
		})
	}
}

func TestHashIdentityVector(t *testing.T) {
	// research/credentials.md a.1, checked vector.
	if got := hashIdentity("sha256", "nobody@example.org", "deadsea"); got != "ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942" {
		t.Errorf("got %s", got)
	}
}

func TestTrust(t *testing.T) {
	for _, trusted := range []string{issuerURL, "https://issuer.example", "https://issuer.example/"} {
		f, in := hostedWorld(t)
		o := opts(f)
		o.TrustedIssuers = []string{"https://other.example", trusted}
		r := Verify(t.Context(), in, o)
		checkStatus(t, r, CheckTrust, StatusPass)
	}
	f, in := hostedWorld(t)
	o := opts(f)
	o.TrustedIssuers = []string{"https://issuer.example/other"}
	r := Verify(t.Context(), in, o)
	checkStatus(t, r, CheckTrust, StatusWarn)
	wantVerdict(t, r, VerdictValid)
}

func TestNoFetcherIsUnknown(t *testing.T) {
	_, in := hostedWorld(t)
	r := Verify(t.Context(), in, Options{Now: fixedNow})
	wantVerdict(t, r, VerdictUnknown)
}

func TestInputDetection(t *testing.T) {
	tests := []struct {
		name, in, verdict, format string
	}{
		{"empty", "", VerdictInvalid, ""},
		{"garbage", "hello world", VerdictInvalid, ""},
		{"bad json", "{\"a\":", VerdictInvalid, ""},
		{"trailing json", "{}{}", VerdictInvalid, ""},
		{"bad jws", "eyJhbGciOiJub25lIn0.e30.", VerdictInvalid, FormatOB2Signed},
		{"alg none", "eyJhbGciOiJub25lIn0.eyJ0eXBlIjoiQXNzZXJ0aW9uIn0.c2ln", VerdictInvalid, FormatOB2Signed},
		{"vc", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"]}`, VerdictInvalid, FormatOB3DI},
		{"url unreachable", "https://nowhere.example/a.json", VerdictUnknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.fail("https://nowhere.example/a.json")
			r := Verify(t.Context(), []byte(tt.in), opts(f))
			wantVerdict(t, r, tt.verdict)
			if r.Format != tt.format {
				t.Errorf("format %q, want %q", r.Format, tt.format)
			}
		})
	}
}

// A baked PNG holding a hosted assertion, served by an httptest server
// through an adapter, as internal/netx would be wired.
func TestBakedPNGOverHTTP(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base := srv.URL
	iss := issuerDoc()
	iss["id"], iss["url"] = base+"/issuer", base
	b := badgeDoc()
	b["id"], b["issuer"] = base+"/badge", base+"/issuer"
	a := assertionDoc()
	a["id"], a["badge"] = base+"/a/1", base+"/badge"
	for path, doc := range map[string]any{"/issuer": iss, "/badge": b, "/a/1": a} {
		body, _ := json.Marshal(doc)
		mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/ld+json")
			w.Write(body)
		})
	}
	mux.HandleFunc("/gone", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) })
	payload, _ := json.Marshal(a)
	png, err := bake.Bake(minimalPNG(), bake.KeywordOB2, payload)
	if err != nil {
		t.Fatal(err)
	}
	o := opts(httpFetcher{srv.Client()}, email)
	r := Verify(t.Context(), png, o)
	wantVerdict(t, r, VerdictValid)
	r = Verify(t.Context(), []byte(base+"/gone"), o)
	wantVerdict(t, r, VerdictInvalid)
	checkStatus(t, r, CheckStatus, StatusFail)
}

func md5hex(s string) string { return hashIdentity("md5", s, "") }

func TestUnknownVerificationType(t *testing.T) {
	f, _ := hostedWorld(t)
	a := assertionDoc()
	a["verification"] = map[string]any{"type": "Magic"}
	in, _ := json.Marshal(a)
	r := Verify(t.Context(), in, opts(f))
	wantVerdict(t, r, VerdictInvalid)
	if !strings.Contains(strings.ToLower(dump(r)), "magic") {
		t.Error("message should name the type")
	}
}
