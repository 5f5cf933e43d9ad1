package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// issuerSite serves an Open Badges 2.0 hosted assertion, its badge class
// and its issuer on loopback; revoked switches the assertion to 410.
func issuerSite(t *testing.T) (srv *httptest.Server, assertion string, revoked *atomic.Bool) {
	revoked = &atomic.Bool{}
	mux := http.NewServeMux()
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base := srv.URL
	doc := func(path string, v map[string]any) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if path == "/assertions/1" && revoked.Load() {
				w.WriteHeader(http.StatusGone)
				return
			}
			w.Header().Set("Content-Type", "application/ld+json")
			json.NewEncoder(w).Encode(v)
		})
	}
	ctx := "https://w3id.org/openbadges/v2"
	doc("/issuer", map[string]any{"@context": ctx, "type": "Issuer", "id": base + "/issuer", "name": "Loopback Academy",
		"url": base, "email": "badges@academy.example"})
	doc("/badges/1", map[string]any{"@context": ctx, "type": "BadgeClass", "id": base + "/badges/1", "name": "Go Basics",
		"description": "Wrote Go.", "image": base + "/badge.png", "criteria": map[string]any{"narrative": "Write Go."},
		"issuer": base + "/issuer"})
	doc("/assertions/1", map[string]any{"@context": ctx, "type": "Assertion", "id": base + "/assertions/1",
		"recipient": map[string]any{"type": "email", "hashed": false, "identity": "ada@example.org"},
		"badge":     base + "/badges/1", "issuedOn": "2026-01-02T03:04:05Z", "verification": map[string]any{"type": "HostedBadge"}})
	return srv, base + "/assertions/1", revoked
}

func TestVerifyCommandExitCodes(t *testing.T) {
	_, assertion, revoked := issuerSite(t)
	t.Setenv("CAIRN_ALLOW_PRIVATE_NETWORK", "1")

	code, out, errOut := cli(t, "", "verify", assertion)
	if code != 0 || !strings.HasPrefix(out, "VALID (ob2-hosted)") || !strings.Contains(out, "Go Basics") {
		t.Fatalf("valid: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = cli(t, "", "verify", "--json", "--recipient", "ada@example.org", assertion)
	var report struct {
		Verdict string `json:"verdict"`
		Checks  []struct{ ID, Status string }
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil || code != 0 || report.Verdict != "valid" {
		t.Fatalf("json: exit %d, %v\n%s", code, err, out)
	}
	if code, _, _ := cli(t, "", "verify", assertion, "--recipient", "someone@else.example"); code != 1 {
		t.Errorf("wrong recipient: exit %d, want 1", code)
	}
	revoked.Store(true)
	if code, out, _ := cli(t, "", "verify", assertion); code != 1 || !strings.HasPrefix(out, "INVALID") {
		t.Errorf("revoked: exit %d\n%s", code, out)
	}
	revoked.Store(false)
	// From stdin.
	if code, out, _ := cli(t, assertion, "verify", "-"); code != 0 {
		t.Errorf("stdin URL: exit %d\n%s", code, out)
	}

	// Unreachable issuer: unknown, never valid. Without the flag the
	// loopback issuer is refused by the SSRF guard, which is just that.
	t.Setenv("CAIRN_ALLOW_PRIVATE_NETWORK", "")
	if code, out, _ := cli(t, "", "verify", assertion); code != 2 || !strings.HasPrefix(out, "UNKNOWN") {
		t.Errorf("unreachable: exit %d\n%s", code, out)
	}

	// Bad input: exit 3.
	garbage := filepath.Join(t.TempDir(), "garbage.bin")
	os.WriteFile(garbage, []byte("\x00\x01 not a badge"), 0o600)
	if code, _, _ := cli(t, "", "verify", garbage); code != 3 {
		t.Errorf("garbage: exit %d, want 3", code)
	}
	if code, _, _ := cli(t, "", "verify", filepath.Join(t.TempDir(), "missing.json")); code != 3 {
		t.Errorf("missing file: exit %d, want 3", code)
	}
	if code, _, _ := cli(t, "", "verify"); code != 3 {
		t.Errorf("no argument: exit %d, want 3", code)
	}
}
