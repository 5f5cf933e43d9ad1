package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportCommand(t *testing.T) {
	assertion, _ := issuerSite(t)
	dir := t.TempDir()

	code, out, errOut := cli(t, "", "import", "--data", dir, "--allow-private-network", assertion)
	if code != 0 || !strings.Contains(out, "VALID") || !strings.Contains(out, "wallet id 1") {
		t.Fatalf("import by URL: exit %d\n%s%s", code, out, errOut)
	}
	// A file holding the same assertion is recognised, not added again.
	resp, err := http.Get(assertion)
	if err != nil {
		t.Fatal(err)
	}
	var doc json.RawMessage
	json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	file := filepath.Join(t.TempDir(), "badge.json")
	os.WriteFile(file, doc, 0o600)
	t.Setenv("CAIRN_ALLOW_PRIVATE_NETWORK", "1")
	code, out, errOut = cli(t, "", "import", file, "--data", dir)
	if code != 0 || !strings.Contains(out, "Already in the wallet") || !strings.Contains(out, "wallet id 1") {
		t.Fatalf("import file: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "cairn.db")); err != nil {
		t.Fatalf("no database in the data dir: %v", err)
	}

	garbage := filepath.Join(t.TempDir(), "garbage.bin")
	os.WriteFile(garbage, []byte("\x00\x01 not a badge"), 0o600)
	if code, _, errOut := cli(t, "", "import", "--data", dir, garbage); code != 1 || !strings.Contains(errOut, "cairn:") {
		t.Errorf("garbage: exit %d %q", code, errOut)
	}
	if code, _, _ := cli(t, "", "import", "--data", dir); code != exitUsage {
		t.Errorf("no argument: exit %d", code)
	}
}

// TestImportWhileServing imports beside a running server on the same data
// dir; the server's API lists the credential at once.
func TestImportWhileServing(t *testing.T) {
	assertion, _ := issuerSite(t)
	dir := filepath.Join(t.TempDir(), "data")
	addr := freePort(t)
	stop := startServe(t, dir, addr, "CAIRN_ALLOW_PRIVATE_NETWORK", "1")
	defer stop()

	code, out, errOut := cli(t, "", "import", assertion, "--data", dir)
	if code != 0 || !strings.Contains(out, "wallet id 1") {
		t.Fatalf("import while serving: exit %d\n%s%s", code, out, errOut)
	}
	code, tok, errOut := cli(t, "", "token", "create", "ci", "--data", dir)
	if code != 0 {
		t.Fatalf("token: %d %s", code, errOut)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/wallet", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		ID      int64
		Name    string
		Verdict string
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list) != 1 || list[0].Name != "Go Basics" || list[0].Verdict != "valid" {
		t.Fatalf("GET /api/wallet: %d %+v %v", resp.StatusCode, list, err)
	}
}
