package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/bake"
	"github.com/cairn-pl/cairn/verify/sign"
)

var cardLink = regexp.MustCompile(`href="/admin/wallet/(\d+)"`)

// TestWalletOB3Pages imports Open Badges 3.0 credentials from the shared
// loopback issuer through the wallet's import form (a JSON Learning Token
// uploaded, a VC-JWT pasted), and sees them on the wallet and credential
// pages: verdicts, the Learning Token line and totals, the issuer, the
// checks, the baked download, and a revocation found by "Verify again".
func TestWalletOB3Pages(t *testing.T) {
	is := testissuer.NewVC(t)
	ts := newSite(t).withPassword()
	ts.api("POST", "/api/settings/identities", ts.token(), `{"identities": ["mailto:`+testissuer.Email+`"]}`).mustStatus(t, http.StatusOK)
	b := ts.browser()
	b.login()

	token := is.LearningToken(verify.TokenScore, 7, 0, 10)
	b.postMultipart("/admin/wallet", map[string]string{"csrf": b.csrf("/admin/wallet")}, "files", "token.json",
		is.SignJSON(token, sign.RDFC)).mustStatus(t, http.StatusSeeOther)
	jwt := is.JWT(is.Credential(2), is.Key, is.VM)
	b.post("/admin/wallet", url.Values{"csrf": {b.csrf("/admin/wallet")}, "paste": {jwt}}).mustStatus(t, http.StatusSeeOther)
	page := b.get("/admin/wallet").mustStatus(t, http.StatusOK).mustContain(t,
		"pasted credential: imported, valid",
		"Learning Token · score", "7 of 0–10", "Field: "+testissuer.TokenFieldName, "Skill: "+testissuer.TokenSkillName,
		`<h2 id="learning-tokens">Learning Tokens</h2>`, "<td>score</td><td>7</td><td>1</td>",
		"Web Publishing", testissuer.IssuerName, "unknown issuer")
	if n := strings.Count(page.body, `<span class="badge ok">valid</span>`); n != 2 {
		t.Fatalf("%d valid cards, want 2: %s", n, page.body)
	}
	ids := cardLink.FindAllStringSubmatch(page.body, -1)
	if len(ids) != 2 {
		t.Fatalf("cards %v", ids)
	}
	jwtPage, tokenPage := "/admin/wallet/"+ids[0][1], "/admin/wallet/"+ids[1][1] // newest first

	b.get(tokenPage).mustStatus(t, http.StatusOK).mustContain(t,
		"Learning Token: score", "ob3-di", "<dt>Issuer</dt><dd>"+testissuer.IssuerName,
		"claims the id</span> <code class=\"inert-link\">"+is.DID+"</code>",
		"Learning Token · score", "7 of 0–10",
		`<h2 id="checks">Checks</h2>`, "<code>signature</code>", "eddsa-rdfc-2022", "<code>key</code>",
		"<code>status</code>", "<code>recipient</code>", testissuer.Email, "<code>trust</code>",
		"Unknown issuer: links are disabled until you trust it")
	b.get(jwtPage).mustContain(t, "ob3-jwt", "<code>signature</code>")

	// The baked download of the JSON credential is a PNG with the OB 3.0
	// keyword.
	dl := b.get(tokenPage+"/baked").mustStatus(t, http.StatusOK)
	if ct := dl.Header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("baked download %q", ct)
	}
	if baked, err := bake.Unbake([]byte(dl.body)); err != nil || baked.Keyword != bake.KeywordOB3 {
		t.Fatalf("baked download unbakes to %q, %v", baked.Keyword, err)
	}

	// Revoked at the issuer: "Verify again" says so at once.
	is.SetBit("revocation", testissuer.TokenIndex(token))
	b.post(tokenPage+"/verify", url.Values{"csrf": {b.csrf(tokenPage)}}).mustStatus(t, http.StatusSeeOther)
	b.get(tokenPage).mustContain(t, "Verified again: invalid", `<span class="badge bad">revoked</span>`, "revoked by the issuer")
	// A revoked token no longer counts.
	if strings.Contains(b.get("/admin/wallet").body, `id="learning-tokens"`) {
		t.Fatal("the revoked token still shows in the totals")
	}

	// Trusting the did:web issuer lifts safe mode.
	b.post(jwtPage+"/trust", url.Values{"csrf": {b.csrf(jwtPage)}}).mustStatus(t, http.StatusSeeOther)
	page = b.get(jwtPage).mustContain(t, "Trusted "+is.DID, "Verified again: valid")
	if strings.Contains(page.body, "Unknown issuer") {
		t.Fatal("safe mode after trusting the issuer")
	}
	list, err := ts.wallet.List(context.Background())
	if err != nil || len(list) != 2 {
		t.Fatalf("list %d %v", len(list), err)
	}
	for _, c := range list {
		if c.IssuerID != is.DID {
			t.Fatalf("issuer %q", c.IssuerID)
		}
	}
}
