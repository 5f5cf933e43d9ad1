package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

// retrustJobs counts the queued re-verifications after a trust change.
func retrustJobs(t *testing.T, ts *testSite) int {
	t.Helper()
	var n int
	if err := ts.db.R.QueryRow("SELECT count(*) FROM jobs WHERE kind = ?", wallet.JobRetrust).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSettingsTrustedIssuers(t *testing.T) {
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	ctx := context.Background()
	b.get("/admin/settings").mustStatus(t, http.StatusOK).mustContain(t, "Trusted issuers", "No trusted issuers yet")

	// Without the form token nothing changes.
	b.post("/admin/settings/trusted-issuers", url.Values{"issuer": {"https://issuer.example"}}).mustStatus(t, http.StatusForbidden)

	csrf := b.csrf("/admin/settings")
	r := b.post("/admin/settings/trusted-issuers", url.Values{"csrf": {csrf}, "issuer": {"https://Issuer.Example/"}, "label": {"Example U"}})
	r.mustStatus(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/settings") {
		t.Fatalf("redirect to %q", loc)
	}
	if n := retrustJobs(t, ts); n != 1 {
		t.Fatalf("%d re-verifications queued after adding, want 1", n)
	}
	page := b.get("/admin/settings").mustContain(t, "Trusted https://issuer.example", "<code>https://issuer.example</code>", "Example U")

	// Bad input: a clear message on the page, the typed text kept, the list
	// as it was.
	bad := b.post("/admin/settings/trusted-issuers", url.Values{"csrf": {csrf}, "issuer": {"issuer.example"}, "label": {"kept label"}})
	bad.mustStatus(t, http.StatusBadRequest).mustContain(t, "is not an issuer", "did:web:issuer.example",
		`value="issuer.example"`, `value="kept label"`, "<code>https://issuer.example</code>")
	list, err := ts.wallet.TrustedIssuers(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("after bad input: %+v, %v", list, err)
	}

	// A DID too.
	b.post("/admin/settings/trusted-issuers", url.Values{"csrf": {csrf}, "issuer": {"did:web:badges.example"}}).mustStatus(t, http.StatusSeeOther)

	// Remove: the token is needed there too.
	remove := fmt.Sprintf("/admin/settings/trusted-issuers/%d/remove", list[0].ID)
	if !strings.Contains(page.body, `action="`+remove+`"`) {
		t.Fatal("no remove form for the entry")
	}
	b.post(remove, url.Values{}).mustStatus(t, http.StatusForbidden)
	b.post(remove, url.Values{"csrf": {csrf}}).mustStatus(t, http.StatusSeeOther)
	after := b.get("/admin/settings").mustContain(t, "did:web:badges.example")
	if strings.Contains(after.body, "<code>https://issuer.example</code>") {
		t.Fatal("removed issuer still listed")
	}
	b.post(remove, url.Values{"csrf": {csrf}}).mustStatus(t, http.StatusNotFound)

	// A followed course's origin is listed as coming from it, not removable.
	if _, err := ts.db.W.Exec(`INSERT INTO courses (name, site_url, feed_url, created_at) VALUES (?, ?, ?, ?)`,
		"Course One", "https://course.example/", "https://course.example/feed.xml", store.Now()); err != nil {
		t.Fatal(err)
	}
	b.get("/admin/settings").mustContain(t, "<code>https://course.example</code>", "from course https://course.example",
		"unfollow the course to remove it")
}

func TestAPITrustedIssuers(t *testing.T) {
	ts := newSite(t)
	tok := ts.token()
	type entry struct {
		ID      int64  `json:"id"`
		Issuer  string `json:"issuer"`
		Label   string `json:"label"`
		AddedAt string `json:"added_at"`
		Course  string `json:"course"`
	}
	if got := decode[[]entry](t, ts.api("GET", "/api/settings/trusted-issuers", tok, "").mustStatus(t, http.StatusOK)); len(got) != 0 {
		t.Fatalf("empty list: %+v", got)
	}
	e := decode[entry](t, ts.api("POST", "/api/settings/trusted-issuers", tok, `{"issuer": "did:key:z6Mkabc", "label": "Key"}`).
		mustStatus(t, http.StatusCreated))
	if e.ID == 0 || e.Issuer != "did:key:z6Mkabc" || e.Label != "Key" || e.AddedAt == "" {
		t.Fatalf("created %+v", e)
	}
	r := ts.api("POST", "/api/settings/trusted-issuers", tok, `{"issuer": "not an issuer"}`).mustStatus(t, http.StatusBadRequest)
	if d := decode[struct{ Error, Detail string }](t, r); !strings.Contains(d.Detail, "is not an issuer") {
		t.Fatalf("bad input error %+v", d)
	}
	list := decode[[]entry](t, ts.api("GET", "/api/settings/trusted-issuers", tok, "").mustStatus(t, http.StatusOK))
	if len(list) != 1 || list[0].Issuer != "did:key:z6Mkabc" {
		t.Fatalf("list %+v", list)
	}
	ts.api("DELETE", "/api/settings/trusted-issuers/"+itoa(e.ID), tok, "").mustStatus(t, http.StatusNoContent)
	ts.api("DELETE", "/api/settings/trusted-issuers/"+itoa(e.ID), tok, "").mustStatus(t, http.StatusNotFound)
	ts.api("GET", "/api/settings/trusted-issuers", "", "").mustStatus(t, http.StatusUnauthorized)
}

// TestUntrustedIssuerSafeMode imports a badge from the loopback issuer,
// which nobody trusts yet: its page shows the issuer's address as text
// with the note, until "Trust this issuer".
func TestUntrustedIssuerSafeMode(t *testing.T) {
	is := testissuer.New(t, testissuer.Options{})
	ts := newSite(t).withPassword()
	b := ts.browser()
	b.login()
	ctx := context.Background()
	cred, _, err := ts.wallet.ImportURL(ctx, is.AssertionURL(1))
	if err != nil || cred.Verdict != verify.VerdictValid {
		t.Fatalf("import: %+v, %v", cred.Verdict, err)
	}
	detail := fmt.Sprintf("/admin/wallet/%d", cred.ID)
	issuerLink := `href="` + is.URL() + `"`
	page := b.get(detail).mustStatus(t, http.StatusOK).
		mustContain(t, "Unknown issuer: links are disabled until you trust it", "Trust this issuer",
			`<code class="inert-link">`+is.URL()+`</code>`, `action="`+detail+`/trust"`)
	if strings.Contains(page.body, issuerLink) {
		t.Fatal("the untrusted issuer's address is a link")
	}
	b.get("/admin/wallet").mustContain(t, "unknown issuer")

	// The trust form needs its token.
	b.post(detail+"/trust", url.Values{}).mustStatus(t, http.StatusForbidden)
	r := b.post(detail+"/trust", url.Values{"csrf": {b.csrf(detail)}}).mustStatus(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != detail {
		t.Fatalf("redirect to %q, want %q", loc, detail)
	}
	page = b.get(detail).mustContain(t, "Trusted "+is.URL()+"/issuer", "Verified again: valid", issuerLink)
	if strings.Contains(page.body, "links are disabled") || strings.Contains(page.body, "Trust this issuer") {
		t.Fatal("safe mode after trusting the issuer")
	}
	stored, err := ts.wallet.Get(ctx, cred.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := stored.Report.Check(verify.CheckTrust); c.Status != verify.StatusPass {
		t.Fatalf("stored trust check %+v", c)
	}
	b.get("/admin/settings").mustContain(t, "<code>"+is.URL()+"/issuer</code>", "Loopback Academy")
}

// TestFollowedCourseIssuerTrusted: the origin of a followed course counts
// as trusted, so its badges are shown with their links.
func TestFollowedCourseIssuerTrusted(t *testing.T) {
	is := testissuer.New(t, testissuer.Options{})
	ts := newSite(t).withPassword()
	if _, err := ts.db.W.Exec(`INSERT INTO courses (name, site_url, feed_url, created_at) VALUES (?, ?, ?, ?)`,
		"Loopback course", is.URL()+"/", is.URL()+"/feed.xml", store.Now()); err != nil {
		t.Fatal(err)
	}
	cred, _, err := ts.wallet.ImportURL(context.Background(), is.AssertionURL(1))
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := cred.Report.Check(verify.CheckTrust); c.Status != verify.StatusPass {
		t.Fatalf("trust check %+v", c)
	}
	b := ts.browser()
	b.login()
	page := b.get(fmt.Sprintf("/admin/wallet/%d", cred.ID)).mustContain(t, `href="`+is.URL()+`"`)
	if strings.Contains(page.body, "links are disabled") {
		t.Fatal("safe mode for a followed course's issuer")
	}
}

// setReport stores rep as a credential's latest report, as if the verifier
// had written it (Learning Tokens come from the OB 3.0 verifier).
func setReport(t *testing.T, ts *testSite, id int64, rep verify.Report) {
	t.Helper()
	repJSON, _ := json.Marshal(rep)
	sumJSON, _ := json.Marshal(rep.Credential)
	c := rep.Credential
	if _, err := ts.db.W.Exec(`UPDATE credentials SET verdict = ?, report_json = ?, summary_json = ?, name = ?,
		issuer_id = ?, issuer_name = ?, issuer_url = ? WHERE id = ?`,
		rep.Verdict, string(repJSON), string(sumJSON), c.Name, c.Issuer.ID, c.Issuer.Name, c.Issuer.URL, id); err != nil {
		t.Fatal(err)
	}
}

func tokenCredential(verdict, trust string, lt *verify.LearningToken) verify.Report {
	return verify.Report{Format: verify.FormatOB3DI, Verdict: verdict,
		Credential: verify.CredentialSummary{
			Name:          "Token " + lt.Kind,
			Issuer:        verify.IssuerSummary{ID: "did:web:school.example", Name: "School", URL: "https://school.example"},
			Achievement:   verify.Achievement{Name: "Token " + lt.Kind, Criteria: "https://school.example/criteria"},
			Evidence:      []verify.Evidence{{URL: "https://learner.example/posts/1", Name: "My post"}},
			Skills:        []verify.Skill{{Name: "Programming", URL: "https://skills.example/programming"}},
			LearningToken: lt,
		},
		Checks: []verify.Check{{ID: verify.CheckSignature, Status: verify.StatusPass}, {ID: verify.CheckTrust, Status: trust}},
	}
}

func TestLearningTokensAndSafeLinks(t *testing.T) {
	is := testissuer.New(t, testissuer.Options{})
	ts := newSite(t).withPassword()
	ctx := context.Background()
	field := verify.Skill{Name: "Computer Science", Framework: "CIP 2020", Code: "11.0701"}
	skill := verify.Skill{Name: "Programming", Framework: "WEF Global Skills Taxonomy"}
	var ids []int64
	for n := 1; n <= 3; n++ {
		c, _, err := ts.wallet.ImportURL(ctx, is.AssertionURL(n))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	setReport(t, ts, ids[0], tokenCredential(verify.VerdictValid, verify.StatusPass,
		&verify.LearningToken{Kind: verify.TokenScore, Amount: 7, Max: 10, HasRange: true, Field: field, Skill: skill}))
	setReport(t, ts, ids[1], tokenCredential(verify.VerdictValid, verify.StatusWarn,
		&verify.LearningToken{Kind: verify.TokenScore, Amount: 2.5, Field: field, Skill: skill}))
	setReport(t, ts, ids[2], tokenCredential(verify.VerdictInvalid, verify.StatusPass,
		&verify.LearningToken{Kind: verify.TokenHelp, Amount: 100, Field: field, Skill: skill}))

	b := ts.browser()
	b.login()
	w := b.get("/admin/wallet").mustStatus(t, http.StatusOK).
		mustContain(t, "Learning Tokens", "valid tokens only", "<td>score</td><td>9.5</td><td>2</td>",
			"Learning Token · score", "7 of 0–10", "Computer Science", "11.0701")
	if strings.Contains(w.body, "<td>help</td>") {
		t.Fatal("the invalid credential's token was counted")
	}

	// Trusted: the credential's links are links.
	trusted := b.get(fmt.Sprintf("/admin/wallet/%d", ids[0])).mustStatus(t, http.StatusOK).
		mustContain(t, "Learning Token · score", "7 of 0–10", "Field: Computer Science <code>11.0701</code>", "Skill: Programming",
			`href="https://school.example"`, `href="https://school.example/criteria"`, `href="https://learner.example/posts/1"`,
			`href="https://skills.example/programming"`)
	if strings.Contains(trusted.body, "links are disabled") {
		t.Fatal("safe mode for a trusted issuer")
	}
	// Untrusted: the same links as text, with the note.
	untrusted := b.get(fmt.Sprintf("/admin/wallet/%d", ids[1])).mustStatus(t, http.StatusOK).
		mustContain(t, "Unknown issuer: links are disabled until you trust it", "2.5", "https://school.example/criteria",
			"https://learner.example/posts/1", "did:web:school.example")
	for _, link := range []string{`href="https://school.example`, `href="https://learner.example`, `href="https://skills.example`} {
		if strings.Contains(untrusted.body, link) {
			t.Errorf("untrusted page has the link %s", link)
		}
	}

	// The API gives the same totals.
	tok := ts.token()
	type tokenTotals struct {
		ValidOnly bool `json:"valid_only"`
		Count     int  `json:"count"`
		Kinds     []struct {
			Kind   string  `json:"kind"`
			Amount float64 `json:"amount"`
			Count  int     `json:"count"`
		} `json:"kinds"`
		Skills []struct {
			Name   string  `json:"name"`
			Amount float64 `json:"amount"`
		} `json:"skills"`
		Fields []struct {
			Code   string  `json:"code"`
			Amount float64 `json:"amount"`
		} `json:"fields"`
	}
	totals := decode[tokenTotals](t, ts.api("GET", "/api/wallet/learning-tokens", tok, "").mustStatus(t, http.StatusOK))
	if !totals.ValidOnly || totals.Count != 2 || len(totals.Kinds) != 1 || totals.Kinds[0].Amount != 9.5 ||
		len(totals.Skills) != 1 || totals.Skills[0].Name != "Programming" || len(totals.Fields) != 1 || totals.Fields[0].Code != "11.0701" {
		t.Fatalf("API totals %+v", totals)
	}
}
