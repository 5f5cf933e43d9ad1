package main

import (
	"encoding/json"
	"github.com/cairn-pl/cairn/internal/testissuer"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// issuerSite starts the shared loopback issuer; revoked switches its
// assertions to 410 Gone.
func issuerSite(t *testing.T) (assertion string, revoked *atomic.Bool) {
	is := testissuer.New(t, testissuer.Options{})
	return is.AssertionURL(1), &is.Revoked
}

func TestVerifyCommandExitCodes(t *testing.T) {
	assertion, revoked := issuerSite(t)
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
