package verify

import (
	"testing"
)

func TestOB05Upgrade(t *testing.T) {
	const u = "https://issuer.example/assertions/05.json"
	a := map[string]any{
		"recipient": sha256Identity(email, "pepper"),
		"salt":      "pepper",
		"issued_on": "2013-06-01",
		"evidence":  "/work/1",
		"badge": map[string]any{"version": "0.5.0", "name": "Old Badge", "image": "/img/old.png",
			"description": "An old one.", "criteria": "/criteria/old",
			"issuer": map[string]any{"origin": "https://issuer.example", "name": "Old Issuer", "org": "Dept", "contact": "x@issuer.example"}},
	}
	f := newFake()
	f.json(u, a)
	r := Verify(t.Context(), []byte(u), opts(f, email))
	wantVerdict(t, r, VerdictValid)
	if r.Format != FormatOB05 {
		t.Errorf("format %s", r.Format)
	}
	checkStatus(t, r, CheckHosted, StatusPass)
	checkStatus(t, r, CheckRecipient, StatusPass)
	c := r.Credential
	if c.ID != u || c.Name != "Old Badge" || c.Issuer.Name != "Old Issuer: Dept" || c.Issuer.URL != "https://issuer.example" ||
		c.Issued != "2013-06-01T00:00:00Z" || c.Achievement.Image != "https://issuer.example/img/old.png" {
		t.Errorf("summary %+v", c)
	}

	// Inline 0.5 JSON has no URL to check it at: unknown, never valid.
	r = Verify(t.Context(), mustJSON(a), opts(f))
	wantVerdict(t, r, VerdictUnknown)

	// Hosted on another origin than the issuer's: invalid.
	const evil = "https://evil.example/05.json"
	f.json(evil, a)
	r = Verify(t.Context(), []byte(evil), opts(f))
	wantVerdict(t, r, VerdictInvalid)
	checkStatus(t, r, CheckHosted, StatusFail)
}

func ob1World(ctx bool) (*fakeFetcher, map[string]any) {
	const u = "https://issuer.example/a/10.json"
	a := map[string]any{
		"uid":       "10",
		"recipient": map[string]any{"type": "email", "hashed": true, "salt": "s", "identity": sha256Identity(email, "s")},
		"badge":     "https://issuer.example/b1.json",
		"verify":    map[string]any{"type": "hosted", "url": u},
		"issuedOn":  1388534400,
		"expires":   "2099-01-01",
	}
	if ctx {
		a["@context"] = "https://w3id.org/openbadges/v1"
		a["type"] = "Assertion"
		a["id"] = u
	}
	f := newFake()
	f.json(u, a)
	f.json("https://issuer.example/b1.json", map[string]any{"name": "One", "description": "1.0 badge",
		"image": "https://issuer.example/1.png", "criteria": "https://issuer.example/criteria",
		"issuer":    "https://issuer.example/org.json",
		"alignment": []any{map[string]any{"name": "Welding", "url": "https://skills.example/weld", "description": "d"}}})
	f.json("https://issuer.example/org.json", map[string]any{"name": "Org", "url": "https://issuer.example", "email": "o@issuer.example"})
	return f, a
}

func TestOB1Hosted(t *testing.T) {
	for _, ctx := range []bool{false, true} {
		f, a := ob1World(ctx)
		r := Verify(t.Context(), mustJSON(a), opts(f, "mailto:"+email))
		wantVerdict(t, r, VerdictValid)
		if r.Format != FormatOB1 {
			t.Errorf("format %s", r.Format)
		}
		c := r.Credential
		if c.Issued != "2014-01-01T00:00:00Z" || c.Expires != "2099-01-01T00:00:00Z" || len(c.Skills) != 1 || c.Skills[0].Name != "Welding" {
			t.Errorf("summary %+v", c)
		}
		want := StatusSkip
		if ctx {
			want = StatusPass
		}
		checkStatus(t, r, CheckContext, want)
	}
	// The issuer no longer hosts it.
	f, a := ob1World(false)
	f.status("https://issuer.example/a/10.json", 410)
	r := Verify(t.Context(), mustJSON(a), opts(f))
	wantVerdict(t, r, VerdictInvalid)
	checkStatus(t, r, CheckStatus, StatusFail)
}

func TestOB1Signed(t *testing.T) {
	key := testRSAKey(t)
	const pemURL = "https://issuer.example/public.pem"
	a := map[string]any{
		"uid":       "abc",
		"recipient": map[string]any{"type": "email", "hashed": false, "identity": email},
		"badge":     "https://issuer.example/b1.json",
		"verify":    map[string]any{"type": "signed", "url": pemURL},
		"issuedOn":  "2014-01-01T00:00:00Z",
	}
	f, _ := ob1World(false)
	f.docs[pemURL] = fakeResp{status: 200, body: []byte(pemOf(t, key.Public()))}
	jws := signJWS(t, "RS256", key, a)
	r := Verify(t.Context(), []byte(jws), opts(f))
	wantVerdict(t, r, VerdictValid)
	if r.Format != FormatOB1 {
		t.Errorf("format %s", r.Format)
	}
	checkStatus(t, r, CheckKey, StatusWarn)
	checkStatus(t, r, CheckSignature, StatusPass)
	if r.Credential.ID != "uid:abc" {
		t.Errorf("id %q", r.Credential.ID)
	}

	// 1.x revocation list: a map of uid to reason.
	f.json("https://issuer.example/org.json", map[string]any{"name": "Org", "url": "https://issuer.example",
		"revocationList": "https://issuer.example/revoked.json"})
	f.json("https://issuer.example/revoked.json", map[string]any{"abc": "issued by mistake"})
	r = Verify(t.Context(), []byte(jws), opts(f))
	wantVerdict(t, r, VerdictInvalid)
	checkStatus(t, r, CheckStatus, StatusFail)

	// A key on another origin than the issuer's is refused.
	a["verify"] = map[string]any{"type": "signed", "url": "https://evil.example/key.pem"}
	f.docs["https://evil.example/key.pem"] = fakeResp{status: 200, body: []byte(pemOf(t, key.Public()))}
	r = Verify(t.Context(), []byte(signJWS(t, "RS256", key, a)), opts(f))
	wantVerdict(t, r, VerdictInvalid)
	checkStatus(t, r, CheckKey, StatusFail)
}

func TestDetectOBVersion(t *testing.T) {
	tests := []struct {
		doc  map[string]any
		want string
	}{
		{map[string]any{"@context": "https://w3id.org/openbadges/v2"}, "2.0"},
		{map[string]any{"@context": "https://w3id.org/openbadges/v1"}, "1.1"},
		{map[string]any{"recipient": "a@b.c"}, "0.5"},
		{map[string]any{"recipient": map[string]any{}, "verify": map[string]any{}}, "1.0"},
		{map[string]any{"uid": "x"}, "1.0"},
		{map[string]any{"verification": map[string]any{}}, "2.0"},
	}
	for _, tt := range tests {
		if got := detectOBVersion(tt.doc); got != tt.want {
			t.Errorf("%v: %s, want %s", tt.doc, got, tt.want)
		}
	}
	for in, want := range map[string]string{"1388534400": "2014-01-01T00:00:00Z", "2013-06-01": "2013-06-01T00:00:00Z",
		"2016-12-31T23:59:59+02:00": "2016-12-31T21:59:59Z", "junk": "junk"} {
		if got := legacyDate(in); got != want {
			t.Errorf("legacyDate(%s) = %v, want %s", in, got, want)
		}
	}
}
