package issuer_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/bake"
	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/ledger"
	"github.com/cairn-pl/cairn/wallet/issuer"
)

const learnerEmail = "learner@example.org"

// fixture is an issuer on a loopback server that serves what internal/web
// serves for it: the DID document, the status lists and the credentials.
type fixture struct {
	t       *testing.T
	svc     *issuer.Service
	srv     *httptest.Server
	base    string
	keys    string
	jobs    *jobs.Queue
	mu      sync.Mutex
	records []ledger.Record
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.New(t)
	f := &fixture{t: t, keys: filepath.Join(t.TempDir(), "keys")}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.base = "http://" + f.srv.Listener.Addr().String()
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.jobs = jobs.New(db, jobs.Config{Logger: logger})
	svc, err := issuer.New(issuer.Config{Store: db, Jobs: f.jobs, KeysDir: f.keys, BaseURL: f.base, Logger: logger,
		Net:    netx.New(netx.Options{AllowPrivate: true, Timeout: 2 * time.Second}),
		Ledger: issuer.LedgerFunc(f.appendRecord)})
	if err != nil {
		t.Fatal(err)
	}
	svc.RegisterJobs(f.jobs)
	f.svc = svc
	return f
}

func (f *fixture) appendRecord(_ context.Context, r ledger.Record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records = append(f.records, r)
	return nil
}

func (f *fixture) serve(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	send := func(v any, err error) {
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		if b, ok := v.([]byte); ok {
			w.Write(b)
			return
		}
		json.NewEncoder(w).Encode(v)
	}
	p := r.URL.Path
	switch {
	case p == "/.well-known/did.json":
		send(f.svc.DIDDocument(ctx))
	case strings.HasPrefix(p, "/issuer/status/"):
		n, _ := strconv.ParseInt(strings.TrimPrefix(p, "/issuer/status/"), 10, 64)
		send(f.svc.StatusListCredential(ctx, n))
	case p == "/ledger":
		// A ledger whose records all still wait to be sealed: verifiers
		// warn, they do not fail.
		f.mu.Lock()
		n := len(f.records)
		f.mu.Unlock()
		send(map[string]any{"format": "cairn-ledger/1", "issuer": f.svc.DID(), "key": f.svc.DID() + "#key-1",
			"head": nil, "pending": n, "anchors": []any{}}, nil)
	case strings.HasPrefix(p, "/issuer/credentials/"):
		send(f.svc.CredentialJSON(ctx, strings.TrimSuffix(strings.TrimPrefix(p, "/issuer/credentials/"), ".json")))
	default:
		http.NotFound(w, r)
	}
}

// fetcher reaches the fixture over plain http: https to it fails as a TLS
// handshake would (did:web then falls back to http for loopback).
func (f *fixture) fetcher() verify.Fetcher {
	host := strings.TrimPrefix(f.base, "http://")
	return verify.FetcherFunc(func(ctx context.Context, u, accept string) (*verify.Response, error) {
		if strings.HasPrefix(u, "https://"+host) {
			return nil, errors.New("tls: plain http only")
		}
		if !strings.HasPrefix(u, f.base) {
			return &verify.Response{Status: http.StatusNotFound, URL: u}, nil
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		req.Header.Set("Accept", accept)
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return &verify.Response{Status: resp.StatusCode, URL: u, Body: b, ContentType: resp.Header.Get("Content-Type")}, nil
	})
}

func (f *fixture) verify(input []byte) verify.Report {
	return verify.Verify(context.Background(), input, verify.Options{Fetcher: f.fetcher(), Recipients: []string{learnerEmail}})
}

func (f *fixture) enable() {
	f.t.Helper()
	if _, err := f.svc.SaveProfile(context.Background(), issuer.Profile{Enabled: true, Name: "Loopback Course",
		Email: "teacher@example.org", Description: "A course on loopback."}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) achievement(a issuer.Achievement) issuer.Achievement {
	f.t.Helper()
	got, err := f.svc.CreateAchievement(context.Background(), a)
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

func webBadge() issuer.Achievement {
	return issuer.Achievement{Name: "Web Publishing", Description: "Publishes a post on the open web.",
		Criteria:   "Write and publish a post that answers the task.",
		Alignments: []issuer.Alignment{{Name: "HTML", URL: "https://example.org/skills/html", Framework: "Web Skills", Code: "H1"}},
		Tags:       []string{"#web", "writing"},
		Tasks:      []issuer.LinkedTask{{URL: "https://course.example/posts/task-1", Hashtag: "#week1"}}}
}

func checkStatus(t *testing.T, rep verify.Report, id, want string) {
	t.Helper()
	for _, c := range rep.Checks {
		if c.ID == id {
			if c.Status != want {
				t.Fatalf("check %s = %s (%s), want %s; report %+v", id, c.Status, c.Message, want, rep.Checks)
			}
			return
		}
	}
	t.Fatalf("no check %s in %+v", id, rep.Checks)
}

func TestKeyGeneratedOnceAndRotation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.DIDDocument(ctx); !errors.Is(err, issuer.ErrDisabled) {
		t.Fatalf("DID document before issuer mode: %v", err)
	}
	if len(f.svc.Keys()) != 0 {
		t.Fatal("a key exists before issuer mode was switched on")
	}
	f.enable()
	path := filepath.Join(f.keys, "issuer-ed25519-1.key")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v, want 0600", info.Mode().Perm())
	}
	first, _ := os.ReadFile(path)

	// Saving again, switching off and on, and a restart keep the key.
	f.enable()
	if _, err := f.svc.SaveProfile(ctx, issuer.Profile{Enabled: false, Name: "Off"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DIDDocument(ctx); !errors.Is(err, issuer.ErrDisabled) {
		t.Fatalf("DID document with issuer mode off: %v", err)
	}
	f.enable()
	again, _ := os.ReadFile(path)
	if !bytes.Equal(first, again) {
		t.Fatal("the key file was rewritten")
	}
	restarted, err := issuer.New(issuer.Config{Store: storetest.New(t), KeysDir: f.keys, BaseURL: f.base})
	if err != nil {
		t.Fatal(err)
	}
	if k := restarted.Keys(); len(k) != 1 || !k[0].Public.Equal(f.svc.Keys()[0].Public) {
		t.Fatalf("keys after restart: %+v", k)
	}
	if entries, _ := os.ReadDir(f.keys); len(entries) != 1 {
		t.Fatalf("keys dir holds %d files", len(entries))
	}

	// Rotation adds key 2, which signs; key 1 stays published.
	k2, err := f.svc.RotateKey()
	if err != nil {
		t.Fatal(err)
	}
	id := f.svc.DID()
	if k2.N != 2 || k2.ID != id+"#key-2" || !k2.Current {
		t.Fatalf("rotated key: %+v", k2)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, first) {
		t.Fatal("rotation touched key 1")
	}
	if info, err := os.Stat(filepath.Join(f.keys, "issuer-ed25519-2.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key 2: %v %v", info, err)
	}
	doc, err := f.svc.DIDDocument(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	parsed, err := didParse(b, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range f.svc.Keys() {
		m, err := parsed.Lookup(k.ID)
		if err != nil || !parsed.InAssertionMethod(k.ID) || m.Controller != id {
			t.Fatalf("key %s in the DID document: %+v %v (%s)", k.ID, m, err, b)
		}
		if pub, ok := m.Key.(ed25519.PublicKey); !ok || !pub.Equal(k.Public) {
			t.Fatalf("key %s: wrong public key", k.ID)
		}
	}
	var shape struct {
		Context []string `json:"@context"`
		ID      string   `json:"id"`
		Service []struct {
			ID, Type, ServiceEndpoint string
		} `json:"service"`
	}
	json.Unmarshal(b, &shape)
	if shape.ID != id || len(shape.Context) != 2 || shape.Context[0] != "https://www.w3.org/ns/did/v1" ||
		len(shape.Service) != 1 || shape.Service[0].ID != id+"#ledger" || shape.Service[0].Type != "CairnLedger" ||
		shape.Service[0].ServiceEndpoint != f.base+"/ledger" {
		t.Fatalf("DID document: %s", b)
	}

	// JWKS: both keys as OKP JWKs, kid = VM id.
	jwks, err := f.svc.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jb, _ := json.Marshal(jwks)
	var set struct{ Keys []json.RawMessage }
	json.Unmarshal(jb, &set)
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS: %s", jb)
	}
	for i, raw := range set.Keys {
		pub, kid, err := did.ParseJWK(raw)
		if err != nil || kid != f.svc.Keys()[i].ID || !did.SameKey(pub, f.svc.Keys()[i].Public) {
			t.Fatalf("JWK %d: %s %v", i, raw, err)
		}
	}

	// Profile JSON-LD.
	prof, err := f.svc.ProfileDocument(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if prof["id"] != id || prof["name"] != "Loopback Course" || prof["email"] != "teacher@example.org" ||
		prof["url"] != f.base+"/" {
		t.Fatalf("profile: %v", prof)
	}
	if !strings.HasPrefix(id, "did:web:127.0.0.1%3A") {
		t.Fatalf("DID %s", id)
	}
}

func didParse(b []byte, base string) (*did.Document, error) { return did.ParseDocument(b, base) }

func TestNeverOverwritesAKeyFile(t *testing.T) {
	f := newFixture(t)
	// Someone else's key 1 is already there: enabling uses it.
	if err := os.MkdirAll(f.keys, 0o700); err != nil {
		t.Fatal(err)
	}
	f.enable()
	before, _ := os.ReadFile(filepath.Join(f.keys, "issuer-ed25519-1.key"))
	// A key file that appears under the next number is skipped, not replaced.
	if err := os.WriteFile(filepath.Join(f.keys, "issuer-ed25519-2.key"), before, 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := f.svc.RotateKey()
	if err != nil || k.N != 3 {
		t.Fatalf("rotation next to an existing file: %+v %v", k, err)
	}
	if after, _ := os.ReadFile(filepath.Join(f.keys, "issuer-ed25519-2.key")); !bytes.Equal(before, after) {
		t.Fatal("key 2 was overwritten")
	}
	if _, err := os.Stat(filepath.Join(f.keys, "issuer-ed25519-4.key")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("an extra key file was written")
	}
}

func TestAwardVerifiesBakesAndRevokes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.enable()
	a := f.achievement(webBadge())
	if len(a.Tasks) != 1 || a.Tasks[0].Hashtag != "week1" || len(a.Tags) != 2 || a.Tags[0] != "web" {
		t.Fatalf("achievement: %+v", a)
	}
	w, err := f.svc.Award(ctx, issuer.AwardRequest{AchievementID: a.ID, Email: learnerEmail,
		SubjectURL: "https://learner.example/", Name: "Lea", Evidence: "https://learner.example/posts/answer",
		Narrative: "Wrote a fine post."})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(w.Credential), learnerEmail) {
		t.Fatal("the credential holds the plain email")
	}
	var doc map[string]any
	json.Unmarshal(w.Credential, &doc)
	if doc["id"] != f.base+"/issuer/credentials/"+w.ID {
		t.Fatalf("credential id %v", doc["id"])
	}
	rep := f.verify(w.Credential)
	if rep.Verdict != verify.VerdictValid {
		t.Fatalf("verdict %s: %+v", rep.Verdict, rep.Checks)
	}
	for _, id := range []string{verify.CheckSignature, verify.CheckKey, verify.CheckStatus, verify.CheckSchema,
		verify.CheckContext, verify.CheckIssuer, verify.CheckRecipient} {
		checkStatus(t, rep, id, verify.StatusPass)
	}
	checkStatus(t, rep, verify.CheckLedger, verify.StatusWarn) // the record waits for its block
	if rep.Format != verify.FormatOB3DI || rep.Credential.Name != "Web Publishing" || len(rep.Credential.Skills) == 0 ||
		rep.Credential.Skills[0].Name != "HTML" || len(rep.Credential.Evidence) != 1 ||
		rep.Credential.Evidence[0].URL != "https://learner.example/posts/answer" {
		t.Fatalf("report: %+v", rep.Credential)
	}
	got, _ := f.svc.GetAward(ctx, w.ID)
	if !bytes.Equal(got.Credential, w.Credential) {
		t.Fatal("the stored credential differs from the issued one")
	}

	// Baked files unbake to exactly the credential and verify.
	for _, kind := range []string{"png", "svg"} {
		img, err := f.svc.BakedCredential(ctx, w.ID, kind)
		if err != nil {
			t.Fatal(kind, err)
		}
		bk, err := bake.Unbake(img)
		if err != nil || string(bk.Kind) != kind || bk.Keyword != map[string]string{"png": bake.KeywordOB3, "svg": bake.ElementCredential}[kind] {
			t.Fatalf("%s: %+v %v", kind, bk, err)
		}
		if !bytes.Equal(bk.Payload, w.Credential) {
			t.Fatalf("%s payload differs from the credential", kind)
		}
		if r := f.verify(img); r.Verdict != verify.VerdictValid {
			t.Fatalf("baked %s: %s %+v", kind, r.Verdict, r.Checks)
		}
	}

	// Hosted OB 2.0 before revocation.
	ob2, revoked, err := f.svc.OB2Assertion(ctx, w.ID)
	if err != nil || revoked || ob2["badge"] != f.base+"/issuer/ob2/badges/"+strconv.FormatInt(a.ID, 10) {
		t.Fatalf("OB 2.0 assertion: %v %v %v", ob2, revoked, err)
	}
	rcpt := ob2["recipient"].(map[string]any)
	if rcpt["type"] != "email" || rcpt["identity"] != w.RecipientHash || rcpt["hashed"] != true {
		t.Fatalf("OB 2.0 recipient: %v", rcpt)
	}

	// Revocation: the status list says revoked, the 2.0 assertion too.
	if _, err := f.svc.Revoke(ctx, w.ID, "Plagiarised."); err != nil {
		t.Fatal(err)
	}
	rep = f.verify(w.Credential)
	if rep.Verdict != verify.VerdictInvalid {
		t.Fatalf("after revocation: %s %+v", rep.Verdict, rep.Checks)
	}
	checkStatus(t, rep, verify.CheckStatus, verify.StatusFail)
	checkStatus(t, rep, verify.CheckSignature, verify.StatusPass)
	for _, c := range rep.Checks {
		if c.ID == verify.CheckStatus && !strings.Contains(c.Message, "revoked") {
			t.Fatalf("status message: %q", c.Message)
		}
	}
	ob2, revoked, err = f.svc.OB2Assertion(ctx, w.ID)
	if err != nil || !revoked || ob2["revoked"] != true || ob2["revocationReason"] != "Plagiarised." {
		t.Fatalf("revoked OB 2.0 assertion: %v %v %v", ob2, revoked, err)
	}
	if again, err := f.svc.Revoke(ctx, w.ID, "twice"); err != nil || again.Reason != "Plagiarised." {
		t.Fatalf("second revocation: %+v %v", again, err)
	}

	// The ledger got the award and the revocation, with no personal data.
	f.mu.Lock()
	recs := append([]ledger.Record(nil), f.records...)
	f.mu.Unlock()
	digest, _ := ledger.Digest(w.Credential)
	if len(recs) != 2 || recs[0].Type != "award" || recs[1].Type != "revocation" || recs[0].Digest != digest ||
		recs[0].Credential != w.CredentialID || recs[0].Recipient != w.RecipientHash ||
		recs[0].Achievement != f.base+"/issuer/achievements/"+strconv.FormatInt(a.ID, 10) || recs[1].Reason != "Plagiarised." {
		t.Fatalf("ledger records: %+v", recs)
	}
	for _, r := range recs {
		b, _ := json.Marshal(r)
		if strings.Contains(string(b), learnerEmail) || !strings.HasPrefix(r.Recipient, "sha256$") {
			t.Fatalf("record leaks personal data: %s", b)
		}
	}
}

func TestLearningToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.enable()
	tok := issuer.Achievement{Name: "Help token", Description: "Helped another learner.",
		Token: &issuer.Token{Kind: "help", Min: 0, Max: 10,
			Field: issuer.Coded{Name: "Computer Science", Code: "11.0701"},
			Skill: issuer.Coded{Name: "Analytical thinking", Code: "1.1"}}}
	a := f.achievement(tok)
	if _, err := f.svc.Award(ctx, issuer.AwardRequest{AchievementID: a.ID, Email: learnerEmail}); err == nil {
		t.Fatal("a token without an amount was awarded")
	}
	eleven := 11.0
	if _, err := f.svc.Award(ctx, issuer.AwardRequest{AchievementID: a.ID, Email: learnerEmail, Amount: &eleven}); err == nil {
		t.Fatal("an amount beyond the range was awarded")
	}
	seven := 7.5
	w, err := f.svc.Award(ctx, issuer.AwardRequest{AchievementID: a.ID, Email: learnerEmail, Amount: &seven})
	if err != nil {
		t.Fatal(err)
	}
	if w.MentionStatus != "none" {
		t.Fatalf("no evidence, yet mention %s", w.MentionStatus)
	}
	rep := f.verify(w.Credential)
	if rep.Verdict != verify.VerdictValid {
		t.Fatalf("verdict %s: %+v", rep.Verdict, rep.Checks)
	}
	lt := rep.Credential.LearningToken
	if lt == nil || lt.Kind != "help" || lt.Amount != 7.5 || !lt.HasRange || lt.Min != 0 || lt.Max != 10 ||
		lt.Field.Code != "11.0701" || lt.Field.Framework != issuer.FrameworkCIP || lt.Skill.Code != "1.1" ||
		lt.Skill.Framework != issuer.FrameworkWEF {
		t.Fatalf("learning token: %+v", lt)
	}
}

func TestAwardInputAndBulk(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Award(ctx, issuer.AwardRequest{AchievementID: 1, Email: learnerEmail}); !errors.Is(err, issuer.ErrDisabled) {
		t.Fatalf("award with issuer mode off: %v", err)
	}
	f.enable()
	var ve *issuer.ValidationError
	for _, bad := range []issuer.Achievement{
		{Description: "no name"},
		{Name: "no description"},
		{Name: "x", Description: "y", Image: []byte("GIF89a...")},
		{Name: "x", Description: "y", Image: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{Name: "x", Description: "y", Image: []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)},
		{Name: "x", Description: "y", Alignments: []issuer.Alignment{{Name: "no url"}}},
		{Name: "x", Description: "y", Token: &issuer.Token{Kind: "gold", Max: 1}},
	} {
		if _, err := f.svc.CreateAchievement(ctx, bad); !errors.As(err, &ve) {
			t.Fatalf("achievement %+v accepted: %v", bad, err)
		}
	}
	a := f.achievement(issuer.Achievement{Name: "Svg", Description: "An SVG badge.",
		Image: []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`)})
	if a.ImageType != "svg" {
		t.Fatalf("image type %q", a.ImageType)
	}
	res := f.svc.AwardMany(ctx, a.ID, []issuer.AwardRequest{
		{Email: "one@example.org"}, {Email: "not an email"}, {SubjectURL: "https://two.example/"}, {},
	})
	if len(res) != 4 || res[0].Err != nil || res[2].Err != nil || !errors.As(res[1].Err, &ve) || !errors.As(res[3].Err, &ve) {
		t.Fatalf("bulk: %+v", res)
	}
	if res[0].Award.StatusIndex == res[2].Award.StatusIndex {
		t.Fatal("two awards share a status index")
	}
	list, err := f.svc.Awards(ctx, issuer.AwardQuery{AchievementID: a.ID})
	if err != nil || len(list) != 2 {
		t.Fatalf("awards: %d %v", len(list), err)
	}
	// The URL-only recipient verifies against that URL.
	rep := verify.Verify(ctx, res[2].Award.Credential, verify.Options{Fetcher: f.fetcher(), Recipients: []string{"https://two.example/"}})
	if rep.Verdict != verify.VerdictValid {
		t.Fatalf("URL recipient: %s %+v", rep.Verdict, rep.Checks)
	}
	// An SVG achievement's PNG file is the default badge, baked.
	img, err := f.svc.BakedCredential(ctx, res[0].Award.ID, "png")
	if err != nil {
		t.Fatal(err)
	}
	if bk, err := bake.Unbake(img); err != nil || !bytes.Equal(bk.Payload, res[0].Award.Credential) {
		t.Fatalf("default PNG: %v", err)
	}
}

func TestWebmentionJobSendsToEvidence(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.enable()
	type sent struct{ source, target string }
	got := make(chan sent, 4)
	var recv *httptest.Server
	recv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/posts/answer":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<html><head><link rel="webmention" href="/webmention"></head><body>answer</body></html>`)
		case "/webmention":
			r.ParseForm()
			got <- sent{r.PostForm.Get("source"), r.PostForm.Get("target")}
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, r)
		}
	}))
	defer recv.Close()
	evidence := recv.URL + "/posts/answer"
	a := f.achievement(webBadge())
	w, err := f.svc.Award(ctx, issuer.AwardRequest{AchievementID: a.ID, SubjectURL: recv.URL + "/", Evidence: evidence})
	if err != nil {
		t.Fatal(err)
	}
	if w.MentionStatus != "queued" {
		t.Fatalf("mention %s", w.MentionStatus)
	}
	if _, err := f.jobs.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s.source != f.base+"/issuer/awards/"+w.ID || s.target != evidence {
			t.Fatalf("sent %+v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no Webmention sent")
	}
	if w2, _ := f.svc.GetAward(ctx, w.ID); w2.MentionStatus != "sent" {
		t.Fatalf("mention status %s %s", w2.MentionStatus, w2.MentionError)
	}
	// Revoking sends it again.
	if _, err := f.svc.Revoke(ctx, w.ID, ""); err != nil {
		t.Fatal(err)
	}
	f.jobs.RunOnce(ctx)
	select {
	case s := <-got:
		if s.target != evidence {
			t.Fatalf("re-sent %+v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no Webmention after revocation")
	}
}
