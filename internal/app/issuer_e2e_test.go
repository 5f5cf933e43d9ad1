package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/app"
	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/ledger"
)

// apiClient talks to one Cairn's JSON API with an owner token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func newAPIClient(t *testing.T, s *e2eServer) *apiClient {
	t.Helper()
	tok, err := app.CreateToken(t.Context(), s.Config, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, base: s.BaseURL, token: tok}
}

// do sends a request and decodes the JSON answer into out (when not nil),
// failing the test unless the status is want.
func (c *apiClient) do(method, path string, body any, want int, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

// eventually polls cond until it holds (the instances' job workers run in
// the background) or fails the test after a while.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIssuerAndLearnerEndToEnd is the product's end-to-end test: two real
// Cairn instances on loopback, one an issuer, one a learner. The learner
// follows the issuer's course and answers a task; the issuer harvests the
// answer from the learner's feed, finds it in the review queue matched to
// the task and awards a badge; the learner's Cairn receives the Webmention,
// the owner accepts the award and the wallet verifies the credential valid
// (signature, status, issuer and ledger); the issuer revokes it and the
// learner's wallet then says revoked.
func TestIssuerAndLearnerEndToEnd(t *testing.T) {
	private := func(c *config.Config) {
		c.AllowPrivateNetwork = true
		c.LedgerBlockSize = 1 // seal each award at once
		c.LedgerDifficulty = 2
	}
	is := startCairn(t, private)
	ls := startCairn(t, private)
	issuerAPI, learnerAPI := newAPIClient(t, is), newAPIClient(t, ls)
	learnerHome := ls.BaseURL + "/"

	// The instructor switches on issuer mode, posts a task and an
	// achievement linked to it.
	issuerAPI.do("POST", "/api/settings/issuer", map[string]any{"enabled": true, "name": "Loopback Academy",
		"url": is.BaseURL, "email": "teacher@academy.example", "description": "A course on loopback."}, http.StatusOK, nil)
	var task struct{ URL string }
	issuerAPI.do("POST", "/api/posts", map[string]any{"title": "Week 1: publish a post", "content": "Write about your week. #week1",
		"tags": []string{"week1"}, "task": true}, http.StatusCreated, &task)
	var ach struct {
		ID  json.Number `json:"id"`
		URL string      `json:"url"`
	}
	issuerAPI.do("POST", "/api/issuer/achievements", map[string]any{"name": "Week 1 Writer", "description": "Published the week 1 post.",
		"criteria": "Answer the week 1 task with a post.", "tags": []string{"writing"},
		"alignments": []map[string]any{{"name": "Web publishing", "url": "https://example.org/skills/web-publishing", "framework": "Cairn skills"}},
		"tasks":      []map[string]any{{"url": task.URL, "hashtag": "week1"}}}, http.StatusCreated, &ach)

	// The learner says who they are, follows the course and answers.
	learnerAPI.do("POST", "/api/settings/identities", map[string]any{"identities": []string{learnerHome}}, http.StatusOK, nil)
	learnerAPI.do("POST", "/api/courses", map[string]any{"url": is.BaseURL + "/tasks"}, http.StatusCreated, nil)
	var answer struct{ URL string }
	learnerAPI.do("POST", "/api/posts", map[string]any{"title": "My week", "content": "I published my first post this week.",
		"in_reply_to": task.URL}, http.StatusCreated, &answer)

	// The instructor adds the learner's feed to the roster; the answer is
	// harvested and lands in the review queue matched to the task.
	issuerAPI.do("POST", "/api/issuer/roster", map[string]any{"feed_url": learnerHome}, http.StatusCreated, nil)
	type submission struct {
		ID      int64  `json:"id"`
		PostURL string `json:"post_url"`
		TaskURL string `json:"task_url"`
		State   string `json:"state"`
	}
	var subs []submission
	eventually(t, "the answer in the review queue", func() bool {
		subs = nil
		issuerAPI.do("GET", "/api/issuer/submissions", nil, http.StatusOK, &subs)
		return len(subs) > 0
	})
	if len(subs) != 1 || subs[0].PostURL != answer.URL || subs[0].TaskURL != task.URL || subs[0].State != "new" {
		t.Fatalf("review queue: %+v (answer %s, task %s)", subs, answer.URL, task.URL)
	}

	// The instructor awards the badge for that submission.
	var award struct {
		ID            string `json:"id"`
		AwardURL      string `json:"award_url"`
		CredentialURL string `json:"credential_url"`
	}
	issuerAPI.do("POST", "/api/issuer/awards", map[string]any{"achievement": ach.ID,
		"recipient": map[string]any{"url": learnerHome}, "evidence": answer.URL}, http.StatusCreated, &award)

	// The learner's Cairn receives the award Webmention and files it.
	type inboxAward struct {
		ID            int64  `json:"id"`
		CredentialURL string `json:"credential_url"`
		State         string `json:"state"`
	}
	var inbox []inboxAward
	eventually(t, "the award in the learner's inbox", func() bool {
		inbox = nil
		learnerAPI.do("GET", "/api/awards", nil, http.StatusOK, &inbox)
		return len(inbox) > 0
	})
	if inbox[0].CredentialURL == "" || !strings.HasPrefix(inbox[0].CredentialURL, is.BaseURL) {
		t.Fatalf("inbox: %+v", inbox)
	}

	// The ledger seals the award's block (block size 1), then the learner
	// accepts the award and the wallet verifies it.
	credentialID := jsonField(t, award.CredentialURL, "id")
	eventually(t, "the award sealed in the issuer's ledger", func() bool {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", is.BaseURL+"/ledger/proof?credential="+url.QueryEscape(credentialID), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	var accepted struct {
		WalletID int64         `json:"wallet_id"`
		Report   verify.Report `json:"report"`
	}
	learnerAPI.do("POST", fmt.Sprintf("/api/awards/%d/accept", inbox[0].ID), nil, http.StatusCreated, &accepted)
	rep := accepted.Report
	if rep.Verdict != verify.VerdictValid || rep.Format != verify.FormatOB3DI {
		t.Fatalf("the learner's wallet says %s (%s): %+v", rep.Verdict, rep.Format, rep.Checks)
	}
	for _, id := range []string{verify.CheckSignature, verify.CheckKey, verify.CheckStatus, verify.CheckIssuer, verify.CheckLedger,
		verify.CheckRecipient, verify.CheckSchema, verify.CheckTrust} {
		if c, ok := rep.Check(id); !ok || c.Status != verify.StatusPass {
			t.Errorf("check %s: %+v", id, c)
		}
	}
	if rep.Credential.Name != "Week 1 Writer" || len(rep.Credential.Evidence) != 1 || rep.Credential.Evidence[0].URL != answer.URL {
		t.Errorf("credential summary: %+v", rep.Credential)
	}

	// The instructor revokes; the learner re-verifies and sees it revoked.
	issuerAPI.do("POST", "/api/issuer/awards/"+award.ID+"/revoke", map[string]any{"reason": "awarded to the wrong post"}, http.StatusOK, nil)
	var again verify.Report
	learnerAPI.do("POST", fmt.Sprintf("/api/wallet/%d/verify", accepted.WalletID), nil, http.StatusOK, &again)
	if again.Verdict != verify.VerdictInvalid {
		t.Fatalf("after revocation the wallet says %s: %+v", again.Verdict, again.Checks)
	}
	if c, _ := again.Check(verify.CheckStatus); c.Status != verify.StatusFail || !strings.Contains(c.Message, "revoked") {
		t.Fatalf("status check after revocation: %+v", c)
	}

	// The ledger holds the award and its revocation: the whole chain
	// verifies as a stranger would check it, and the page shows the blocks.
	client := ledger.Client{Fetch: func(ctx context.Context, u, accept string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}}
	var export *ledger.Export
	eventually(t, "the revocation sealed", func() bool {
		e, err := client.Export(t.Context(), is.BaseURL+"/ledger")
		export = e
		return err == nil && e.Head != nil && e.Head.Index == 1
	})
	res := ledger.VerifyExport(t.Context(), export, ledger.DIDKeys(client.Fetch, did.Options{AllowHTTPForPrivate: true}), nil)
	if res.Status != ledger.StatusPass || res.Awards != 1 || res.Revocations != 1 {
		t.Fatalf("the issuer's ledger: %+v", res)
	}
	page, err := http.Get(is.BaseURL + "/ledger")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	for _, want := range []string{"Block 0", "Block 1", "revocation: awarded to the wrong post", export.Blocks[1].Hash[:16]} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the ledger page lacks %q", want)
		}
	}
}

// jsonField fetches a JSON document and returns one of its string fields.
func jsonField(t *testing.T, u, field string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	s, _ := m[field].(string)
	if s == "" {
		t.Fatalf("%s has no %s", u, field)
	}
	return s
}
