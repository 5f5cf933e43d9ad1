package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"willnorris.com/go/microformats"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/internal/web"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/courses"
	"github.com/cairn-pl/cairn/ple/mentions"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/bake"
	"github.com/cairn-pl/cairn/wallet"
	"github.com/cairn-pl/cairn/wallet/issuer"
)

// issuerSite is a Cairn site with issuer mode wired as internal/app wires
// it, served on a loopback server so verifiers can reach its did:web.
type issuerSite struct {
	*testSite
	issuer *issuer.Service
	srv    *httptest.Server
}

func newIssuerSite(t *testing.T) *issuerSite {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	db := storetest.New(t)
	cfg := config.Defaults
	cfg.DataDir = t.TempDir()
	cfg.BaseURL = "http://" + srv.Listener.Addr().String()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := &testSite{t: t, db: db, account: account.New(db), cfg: cfg}
	ts.jobs = jobs.New(db, jobs.Config{Logger: logger})
	ts.net = netx.New(netx.Options{AllowPrivate: true, Timeout: 2 * time.Second})
	ts.courses = courses.New(db, ts.net, ts.jobs, logger)
	ts.courses.RegisterJobs()
	ts.journal = ple.NewJournal(db, ts.courses, ts.jobs, logger, cfg.BaseURL)
	ts.mentions = mentions.New(db, ts.net, ts.jobs, ts.journal, ts.courses, logger, cfg.BaseURL)
	t.Cleanup(ts.mentions.Close)
	ts.wallet = wallet.New(db, verify.NetFetcher{Client: ts.net}, func(ctx context.Context) ([]string, error) {
		o, err := ts.account.Owner(ctx)
		return o.Identities, err
	}, logger)
	tasks := issuer.TaskSourceFunc(func(ctx context.Context) ([]issuer.Task, error) {
		posts, err := ts.journal.List(ctx, ple.Query{TasksOnly: true})
		var out []issuer.Task
		for _, p := range posts {
			out = append(out, issuer.Task{URL: cfg.BaseURL + p.Path(), Title: p.Title})
		}
		return out, err
	})
	is, err := issuer.New(issuer.Config{Store: db, Jobs: ts.jobs, Net: ts.net, KeysDir: cfg.KeysDir(),
		BaseURL: cfg.BaseURL, Logger: logger, Tasks: tasks})
	if err != nil {
		t.Fatal(err)
	}
	is.RegisterJobs(ts.jobs)
	site, err := web.New(web.Deps{Config: cfg, Store: db, Account: ts.account, Jobs: ts.jobs, Journal: ts.journal,
		Courses: ts.courses, Mentions: ts.mentions, Wallet: ts.wallet, Logger: logger, Version: "test", Issuer: is})
	if err != nil {
		t.Fatal(err)
	}
	ts.site = site
	srv.Config.Handler = site.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return &issuerSite{testSite: ts, issuer: is, srv: srv}
}

// fetcher reaches the site over plain http, as netx with the private
// network allowed does (https to loopback fails like a TLS handshake).
func (s *issuerSite) fetcher() verify.Fetcher {
	host := strings.TrimPrefix(s.cfg.BaseURL, "http://")
	return verify.FetcherFunc(func(ctx context.Context, u, accept string) (*verify.Response, error) {
		if strings.HasPrefix(u, "https://"+host) {
			return nil, errors.New("tls: plain http only")
		}
		if !strings.HasPrefix(u, s.cfg.BaseURL) {
			return &verify.Response{Status: http.StatusNotFound, URL: u}, nil
		}
		status, body, ctype := s.get(u, accept)
		return &verify.Response{Status: status, URL: u, Body: body, ContentType: ctype}, nil
	})
}

// get fetches a URL of the site over the loopback server.
func (s *issuerSite) get(u, accept string) (int, []byte, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("Content-Type")
}

func issuerBadgePNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		img.Set(x, x, color.RGBA{40, 90, 160, 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// mentionSink plays the learner's site: the evidence post names a
// Webmention endpoint that records what it is sent.
type mentionSink struct {
	srv  *httptest.Server
	sent chan [2]string
}

func newMentionSink(t *testing.T) *mentionSink {
	r := &mentionSink{sent: make(chan [2]string, 8)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/posts/answer":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<!doctype html><html><head><link rel="webmention" href="/webmention"></head><body><article class="h-entry">answer</article></body></html>`)
		case "/webmention":
			req.ParseForm()
			r.sent <- [2]string{req.PostForm.Get("source"), req.PostForm.Get("target")}
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, req)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *mentionSink) next(t *testing.T) [2]string {
	t.Helper()
	select {
	case s := <-r.sent:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no Webmention received")
	}
	return [2]string{}
}

func issuerCheck(rep verify.Report, id string) verify.Check {
	for _, c := range rep.Checks {
		if c.ID == id {
			return c
		}
	}
	return verify.Check{}
}

func TestIssuerEndToEndThroughTheAPI(t *testing.T) {
	s := newIssuerSite(t)
	base := s.cfg.BaseURL
	tok := s.token()
	for _, p := range []string{"/.well-known/did.json", "/.well-known/jwks.json", "/issuer", "/issuer/status/1"} {
		if st, _, _ := s.get(base+p, ""); st != http.StatusNotFound {
			t.Fatalf("%s with issuer mode off: %d", p, st)
		}
	}
	s.api(http.MethodPost, "/api/settings/issuer", "", `{"enabled": true}`).mustStatus(t, http.StatusUnauthorized)

	// Switch issuer mode on.
	r := s.api(http.MethodPost, "/api/settings/issuer", tok, `{"enabled": true, "name": "Loopback Course",
		"email": "teacher@example.org", "description": "Learning on loopback."}`).mustStatus(t, http.StatusOK)
	var prof struct {
		Enabled bool
		ID      string
		Name    string
		Keys    []struct{ ID string }
	}
	json.Unmarshal([]byte(r.body), &prof)
	did := s.issuer.DID()
	if !prof.Enabled || prof.ID != did || prof.Name != "Loopback Course" || len(prof.Keys) != 1 || prof.Keys[0].ID != did+"#key-1" {
		t.Fatalf("profile: %s", r.body)
	}
	info, err := os.Stat(filepath.Join(s.cfg.KeysDir(), "issuer-ed25519-1.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}

	// Public documents.
	st, body, ctype := s.get(base+"/.well-known/did.json", "")
	var didDoc struct {
		ID                 string
		VerificationMethod []struct{ ID, Type, Controller, PublicKeyMultibase string }
		AssertionMethod    []string
	}
	json.Unmarshal(body, &didDoc)
	if st != 200 || !strings.Contains(ctype, "json") || didDoc.ID != did || len(didDoc.VerificationMethod) != 1 ||
		didDoc.VerificationMethod[0].Type != "Multikey" || didDoc.VerificationMethod[0].Controller != did ||
		len(didDoc.AssertionMethod) != 1 {
		t.Fatalf("did.json: %d %s", st, body)
	}
	st, body, _ = s.get(base+"/.well-known/jwks.json", "")
	if st != 200 || !strings.Contains(string(body), `"kty":"OKP"`) || !strings.Contains(string(body), did+"#key-1") {
		t.Fatalf("jwks: %d %s", st, body)
	}
	st, body, ctype = s.get(base+"/issuer", "application/ld+json")
	if st != 200 || !strings.Contains(ctype, "ld+json") || !strings.Contains(string(body), `"type":["Profile"]`) {
		t.Fatalf("issuer JSON: %d %s %s", st, ctype, body)
	}
	st, body, ctype = s.get(base+"/issuer", "text/html")
	if st != 200 || !strings.Contains(ctype, "html") || !strings.Contains(string(body), "Loopback Course") {
		t.Fatalf("issuer page: %d %s", st, ctype)
	}

	// An achievement with a PNG image.
	img := "data:image/png;base64," + base64.StdEncoding.EncodeToString(issuerBadgePNG())
	r = s.api(http.MethodPost, "/api/issuer/achievements", tok, `{"name": "Week 1 Writer", "description": "Wrote week 1.",
		"criteria": "Answer the week 1 task.", "image": "`+img+`", "tags": ["week1"],
		"alignments": [{"name": "Writing", "url": "https://example.org/skills/writing", "framework": "Skills", "code": "W1"}]}`).
		mustStatus(t, http.StatusCreated)
	var ach struct {
		ID  int64
		URL string
	}
	json.Unmarshal([]byte(r.body), &ach)
	if ach.ID == 0 || ach.URL != fmt.Sprintf("%s/issuer/achievements/%d", base, ach.ID) {
		t.Fatalf("achievement: %s", r.body)
	}
	s.api(http.MethodPost, "/api/issuer/achievements", tok, `{"name": "x", "description": "y", "image": "data:image/gif;base64,R0lGODlh"}`).
		mustStatus(t, http.StatusBadRequest)
	st, body, _ = s.get(ach.URL, "application/json")
	if st != 200 || !strings.Contains(string(body), `"type":["Achievement"]`) || !strings.Contains(string(body), "Week 1 Writer") {
		t.Fatalf("achievement JSON: %d %s", st, body)
	}
	if st, body, _ = s.get(ach.URL, ""); st != 200 || !strings.Contains(string(body), "Answer the week 1 task.") {
		t.Fatalf("achievement page: %d", st)
	}
	if st, body, ctype = s.get(ach.URL+"/image", ""); st != 200 || ctype != "image/png" || !bytes.Equal(body, issuerBadgePNG()) {
		t.Fatalf("achievement image: %d %s", st, ctype)
	}

	// Award it for a post on the learner's site.
	learner := newMentionSink(t)
	evidence := learner.srv.URL + "/posts/answer"
	r = s.api(http.MethodPost, "/api/issuer/awards", tok, fmt.Sprintf(`{"achievement": %d,
		"recipient": {"email": "learner@example.org", "url": "%s/", "name": "Lea"}, "evidence": "%s"}`,
		ach.ID, learner.srv.URL, evidence)).mustStatus(t, http.StatusCreated)
	var aw struct {
		ID            string `json:"id"`
		AwardURL      string `json:"award_url"`
		CredentialURL string `json:"credential_url"`
	}
	json.Unmarshal([]byte(r.body), &aw)
	if aw.AwardURL != base+"/issuer/awards/"+aw.ID || aw.CredentialURL != base+"/issuer/credentials/"+aw.ID+".json" {
		t.Fatalf("award: %s", r.body)
	}
	st, cred, ctype := s.get(aw.CredentialURL, "")
	if st != 200 || !strings.Contains(ctype, "json") {
		t.Fatalf("credential: %d %s", st, ctype)
	}
	if strings.Contains(string(cred), "learner@example.org") {
		t.Fatal("the credential holds the plain email")
	}
	opts := verify.Options{Fetcher: s.fetcher(), Recipients: []string{"learner@example.org"}}
	rep := verify.Verify(context.Background(), cred, opts)
	if rep.Verdict != verify.VerdictValid {
		t.Fatalf("verdict %s: %+v", rep.Verdict, rep.Checks)
	}
	for _, id := range []string{verify.CheckSignature, verify.CheckKey, verify.CheckStatus, verify.CheckSchema} {
		if c := issuerCheck(rep, id); c.Status != verify.StatusPass {
			t.Fatalf("check %s: %+v", id, c)
		}
	}
	// The credential id dereferences too.
	if st, b, _ := s.get(base+"/issuer/credentials/"+aw.ID, ""); st != 200 || !bytes.Equal(b, cred) {
		t.Fatalf("credential by id: %d", st)
	}
	for _, ext := range []string{"png", "svg"} {
		st, b, ctype := s.get(base+"/issuer/credentials/"+aw.ID+"."+ext, "")
		if st != 200 || !strings.HasPrefix(ctype, "image/") {
			t.Fatalf("%s: %d %s", ext, st, ctype)
		}
		bk, err := bake.Unbake(b)
		if err != nil || !bytes.Equal(bk.Payload, cred) {
			t.Fatalf("baked %s does not unbake to the credential: %v", ext, err)
		}
	}

	// The award page is the DESIGN "Badge award post".
	st, page, _ := s.get(aw.AwardURL, "")
	if st != 200 || strings.Contains(string(page), "learner@example.org") {
		t.Fatalf("award page: %d", st)
	}
	pageURL, _ := url.Parse(aw.AwardURL)
	data := microformats.Parse(bytes.NewReader(page), pageURL)
	var entry *microformats.Microformat
	for _, it := range data.Items {
		if len(it.Type) > 0 && it.Type[0] == "h-entry" {
			entry = it
		}
	}
	if entry == nil {
		t.Fatalf("no h-entry on the award page: %+v", data.Items)
	}
	str := func(mf *microformats.Microformat, prop string) string {
		if vs := mf.Properties[prop]; len(vs) > 0 {
			if s, ok := vs[0].(string); ok {
				return s
			}
		}
		return ""
	}
	nested := func(prop, typ string) *microformats.Microformat {
		for _, v := range entry.Properties[prop] {
			if mf, ok := v.(*microformats.Microformat); ok && len(mf.Type) > 0 && mf.Type[0] == typ {
				return mf
			}
		}
		t.Fatalf("no %s %s in %+v", prop, typ, entry.Properties)
		return nil
	}
	if str(entry, "in-reply-to") != evidence || str(entry, "category") != "badge" || str(entry, "x-evidence") != evidence ||
		str(entry, "x-credential") != aw.CredentialURL || str(entry, "url") != aw.AwardURL {
		t.Fatalf("award h-entry: %+v", entry.Properties)
	}
	badge := nested("x-badge", "h-cite")
	if str(badge, "name") != "Week 1 Writer" || str(badge, "url") != ach.URL || str(badge, "photo") != ach.URL+"/image" {
		t.Fatalf("x-badge: %+v", badge.Properties)
	}
	rcpt := nested("x-recipient", "h-card")
	if str(rcpt, "url") != learner.srv.URL+"/" || str(rcpt, "name") != "Lea" {
		t.Fatalf("x-recipient: %+v", rcpt.Properties)
	}

	// The Webmention job tells the learner's post.
	if _, err := s.jobs.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := learner.next(t); got != [2]string{aw.AwardURL, evidence} {
		t.Fatalf("Webmention: %v", got)
	}

	// Hosted Open Badges 2.0, then revocation.
	st, body, _ = s.get(base+"/issuer/ob2/assertions/"+aw.ID, "")
	if st != 200 || !strings.Contains(string(body), `"HostedBadge"`) {
		t.Fatalf("OB 2.0 assertion: %d %s", st, body)
	}
	for _, p := range []string{fmt.Sprintf("/issuer/ob2/badges/%d", ach.ID), "/issuer/ob2/issuer"} {
		if st, _, _ := s.get(base+p, ""); st != 200 {
			t.Fatalf("%s: %d", p, st)
		}
	}
	r = s.api(http.MethodPost, "/api/issuer/awards/"+aw.ID+"/revoke", tok, `{"reason": "Copied."}`).mustStatus(t, http.StatusOK)
	if !strings.Contains(r.body, `"state":"revoked"`) {
		t.Fatalf("revoke: %s", r.body)
	}
	st, body, _ = s.get(base+"/issuer/ob2/assertions/"+aw.ID, "")
	var ob2 struct {
		Revoked          bool
		RevocationReason string
	}
	json.Unmarshal(body, &ob2)
	if st != http.StatusGone || !ob2.Revoked || ob2.RevocationReason != "Copied." {
		t.Fatalf("revoked OB 2.0 assertion: %d %s", st, body)
	}
	rep = verify.Verify(context.Background(), cred, opts)
	if rep.Verdict != verify.VerdictInvalid || issuerCheck(rep, verify.CheckStatus).Status != verify.StatusFail ||
		!strings.Contains(issuerCheck(rep, verify.CheckStatus).Message, "revoked") {
		t.Fatalf("after revocation: %s %+v", rep.Verdict, rep.Checks)
	}
	if _, page, _ = s.get(aw.AwardURL, ""); !strings.Contains(string(page), "This award was revoked") {
		t.Fatal("the award page does not say revoked")
	}
	if _, err := s.jobs.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := learner.next(t); got != [2]string{aw.AwardURL, evidence} {
		t.Fatalf("Webmention after revocation: %v", got)
	}
	r = s.api(http.MethodGet, "/api/issuer/awards", tok, "").mustStatus(t, http.StatusOK)
	if !strings.Contains(r.body, aw.ID) || !strings.Contains(r.body, `"revoked"`) {
		t.Fatalf("awards list: %s", r.body)
	}
	s.api(http.MethodPost, "/api/issuer/awards/nope/revoke", tok, `{}`).mustStatus(t, http.StatusNotFound)

	// Bulk: each award succeeds or fails on its own.
	r = s.api(http.MethodPost, "/api/issuer/awards", tok, fmt.Sprintf(`{"achievement": "%d", "awards": [
		{"recipient": {"email": "a@example.org"}}, {"recipient": {}}, {"recipient": {"url": "https://b.example/"}}]}`, ach.ID)).
		mustStatus(t, http.StatusOK)
	var bulk struct {
		Results []struct {
			Status int
			ID     string
			Detail string
		}
	}
	json.Unmarshal([]byte(r.body), &bulk)
	if len(bulk.Results) != 3 || bulk.Results[0].Status != 201 || bulk.Results[0].ID == "" || bulk.Results[1].Status != 400 ||
		bulk.Results[1].Detail == "" || bulk.Results[2].Status != 201 {
		t.Fatalf("bulk: %s", r.body)
	}
}

func TestIssuerOwnerPagesNeedCSRF(t *testing.T) {
	s := newIssuerSite(t)
	s.withPassword()
	ctx := context.Background()
	task, err := s.journal.Create(ctx, ple.Draft{Title: "Week 1 task", Content: "Write.", IsTask: true, Tags: []string{"week1"}})
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	if r := b.get("/admin/issuer"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("dashboard without login: %d", r.StatusCode)
	}
	b.login()
	b.get("/admin/settings").mustStatus(t, http.StatusOK).mustContain(t, `href="/admin/issuer"`)
	b.get("/admin/issuer").mustStatus(t, http.StatusOK).mustContain(t, "Issuer mode", "No key yet")
	form := url.Values{"enabled": {"1"}, "name": {"Form Course"}}
	b.post("/admin/issuer/profile", form).mustStatus(t, http.StatusForbidden)
	if on, _ := s.issuer.Enabled(ctx); on {
		t.Fatal("issuer mode switched on without a CSRF token")
	}
	form.Set("csrf", b.csrf("/admin/issuer"))
	b.post("/admin/issuer/profile", form).mustStatus(t, http.StatusSeeOther)
	b.get("/admin/issuer").mustContain(t, "Form Course", "#key-1", "signs new awards")
	b.post("/admin/issuer/keys", url.Values{}).mustStatus(t, http.StatusForbidden)
	b.post("/admin/issuer/keys", url.Values{"csrf": {b.csrf("/admin/issuer")}}).mustStatus(t, http.StatusSeeOther)
	if len(s.issuer.Keys()) != 2 {
		t.Fatalf("keys: %d", len(s.issuer.Keys()))
	}

	// The new-achievement form offers the owner's task posts.
	taskURL := s.cfg.BaseURL + task.Path()
	b.get("/admin/issuer/achievements/new").mustStatus(t, http.StatusOK).mustContain(t, "Week 1 task", taskURL)
	fields := map[string]string{"name": "Week 1 Writer", "description": "Wrote week 1.", "tasks": taskURL + " #week1",
		"alignments": "Writing | https://example.org/skills/writing | Skills | W1", "tags": "week1, writing",
		"token_kind": "score", "token_min": "0", "token_max": "5", "field_name": "English", "field_code": "23.0101",
		"skill_name": "Writing", "skill_code": "2.3"}
	b.postMultipart("/admin/issuer/achievements", fields, "image", "badge.png", issuerBadgePNG()).mustStatus(t, http.StatusForbidden)
	fields["csrf"] = b.csrf("/admin/issuer/achievements/new")
	r := b.postMultipart("/admin/issuer/achievements", fields, "image", "badge.png", issuerBadgePNG()).mustStatus(t, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	list, _ := s.issuer.Achievements(ctx)
	if len(list) != 1 || loc != fmt.Sprintf("/admin/issuer/achievements/%d", list[0].ID) || list[0].Token == nil ||
		list[0].Token.Kind != "score" || len(list[0].Tasks) != 1 || list[0].Tasks[0].URL != taskURL || list[0].Tasks[0].Hashtag != "week1" {
		t.Fatalf("created: %s %+v", loc, list)
	}
	b.get(loc).mustStatus(t, http.StatusOK).mustContain(t, "Week 1 Writer", "Award to many", `name="amount"`)
	b.get(loc+"/edit").mustStatus(t, http.StatusOK).mustContain(t, "Writing | https://example.org/skills/writing | Skills | W1")

	// Award through the form, then revoke through the awards list.
	award := url.Values{"url": {"https://learner.example/"}, "amount": {"4"}}
	b.post(loc+"/award", award).mustStatus(t, http.StatusForbidden)
	award.Set("csrf", b.csrf(loc))
	b.post(loc+"/award", award).mustStatus(t, http.StatusSeeOther)
	award.Set("amount", "9")
	b.post(loc+"/award", award).mustStatus(t, http.StatusSeeOther)
	b.get(loc).mustContain(t, "between 0 and 5")
	awards, _ := s.issuer.Awards(ctx, issuer.AwardQuery{})
	if len(awards) != 1 || awards[0].Amount != "4" {
		t.Fatalf("awards: %+v", awards)
	}
	b.post(loc+"/bulk", url.Values{"csrf": {b.csrf(loc)},
		"recipients": {"one@example.org https://one.example/p 3\nnot-a-recipient\nhttps://two.example/ https://two.example/p 2"}}).
		mustStatus(t, http.StatusSeeOther)
	b.get(loc).mustContain(t, "2 awarded; not awarded: line 2")
	id := awards[0].ID
	b.get("/admin/issuer/awards").mustStatus(t, http.StatusOK).mustContain(t, "/issuer/awards/"+id, "issued")
	b.post("/admin/issuer/awards/"+id+"/revoke", url.Values{"reason": {"x"}}).mustStatus(t, http.StatusForbidden)
	if w, _ := s.issuer.GetAward(ctx, id); w.Revoked {
		t.Fatal("revoked without a CSRF token")
	}
	b.post("/admin/issuer/awards/"+id+"/revoke", url.Values{"reason": {"Wrong learner."}, "csrf": {b.csrf("/admin/issuer/awards")}}).
		mustStatus(t, http.StatusSeeOther)
	if w, _ := s.issuer.GetAward(ctx, id); !w.Revoked || w.Reason != "Wrong learner." {
		t.Fatalf("after revoke: %+v", w)
	}
	b.get("/admin/issuer/awards").mustContain(t, "revoked", "Wrong learner.")

	// Switching issuer mode off unpublishes everything.
	b.post("/admin/issuer/profile", url.Values{"name": {"Form Course"}, "csrf": {b.csrf("/admin/issuer")}}).
		mustStatus(t, http.StatusSeeOther)
	for _, p := range []string{"/.well-known/did.json", "/issuer", "/issuer/awards/" + id, "/issuer/credentials/" + id + ".json"} {
		if st, _, _ := s.get(s.cfg.BaseURL+p, ""); st != http.StatusNotFound {
			t.Fatalf("%s with issuer mode off: %d", p, st)
		}
	}
}
