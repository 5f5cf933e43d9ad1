package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/cairn-pl/cairn/internal/store"
)

// cli runs the command in-process with the given stdin and returns its
// exit code and output.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVersionAndHelp(t *testing.T) {
	if code, out, _ := cli(t, "", "version"); code != 0 || !strings.HasPrefix(out, "cairn ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, out, _ := cli(t, "", "help"); code != 0 || !strings.Contains(out, "cairn serve") {
		t.Fatalf("help: %d %q", code, out)
	}
	if code, _, errOut := cli(t, "", "frobnicate"); code != exitUsage || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
}

func TestServeHelpDocumentsFlagsAndEnv(t *testing.T) {
	code, _, errOut := cli(t, "", "serve", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"-data", "CAIRN_DATA", "-listen", "CAIRN_LISTEN", "-base-url", "CAIRN_BASE_URL",
		"CAIRN_ALLOW_PRIVATE_NETWORK", "./data", ":8080"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, errOut)
		}
	}
}

func TestTokenCreatePrintsTokenOnLastLine(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := cli(t, "", "token", "create", "deploy", "--data", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if !strings.HasPrefix(token, "cairn_") {
		t.Fatalf("last line %q", token)
	}
	// Only the hash is stored.
	db, _ := sql.Open("sqlite", filepath.Join(dir, "cairn.db"))
	defer db.Close()
	var hash string
	db.QueryRow("SELECT token_hash FROM api_tokens").Scan(&hash)
	if hash == "" || strings.Contains(hash, token) || hash == token {
		t.Fatalf("stored %q", hash)
	}
	if code, _, _ := cli(t, "", "token", "create", "--data", dir); code != exitUsage {
		t.Fatalf("token without a name: exit %d", code)
	}
}

func TestPasswdFromStdin(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := cli(t, "short\n", "passwd", "--data", dir); code != 1 || !strings.Contains(errOut, "must be 8") {
		t.Fatalf("weak password: %d %q", code, errOut)
	}
	if code, out, errOut := cli(t, "a fine password\n", "passwd", "--data", dir); code != 0 || !strings.Contains(out, "password set") {
		t.Fatalf("passwd: %d %q %q", code, out, errOut)
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `cairn serve` in-process and returns when it answers.
func startServe(t *testing.T, dir, addr string, env ...string) (stop func() (int, string)) {
	t.Helper()
	for i := 0; i+1 < len(env); i += 2 {
		t.Setenv(env[i], env[i+1])
	}
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"serve", "--data", dir, "--listen", addr}, strings.NewReader(""), &out, &errOut)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer: %s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return func() (int, string) {
		p, _ := os.FindProcess(os.Getpid())
		p.Signal(os.Interrupt)
		select {
		case code := <-done:
			return code, out.String() + errOut.String()
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop on SIGINT")
			return -1, ""
		}
	}
}

func TestServeFirstRunHealthcheckBackupAndShutdown(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	addr := freePort(t)
	stop := startServe(t, dir, addr)

	if code, _, errOut := cli(t, "", "healthcheck", "--listen", addr); code != 0 {
		t.Fatalf("healthcheck: %d %s", code, errOut)
	}
	// CLI commands work beside the running server on the same data dir.
	backup := filepath.Join(t.TempDir(), "backup.db")
	if code, _, errOut := cli(t, "", "backup", backup, "--data", dir); code != 0 {
		t.Fatalf("backup while serving: %d %s", code, errOut)
	}
	if code, _, errOut := cli(t, "", "token", "create", "ci", "--data", dir); code != 0 {
		t.Fatalf("token while serving: %d %s", code, errOut)
	}

	code, output := stop()
	if code != 0 {
		t.Fatalf("serve exit %d: %s", code, output)
	}
	for _, want := range []string{"running at http://localhost:", "/setup/", "shutting down", "stopped"} {
		if !strings.Contains(output, want) {
			t.Errorf("output lacks %q:\n%s", want, output)
		}
	}
	// Shutdown checkpointed the WAL into the main file.
	if fi, err := os.Stat(filepath.Join(dir, "cairn.db-wal")); err == nil && fi.Size() > 0 {
		t.Errorf("WAL not checkpointed: %d bytes left", fi.Size())
	}
	if code, _, _ := cli(t, "", "healthcheck", "--listen", addr); code == 0 {
		t.Fatal("healthcheck passed with the server stopped")
	}
	db, err := store.OpenFile(context.Background(), backup)
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	db.Close()
}

func TestServeBootstrapsAdminPasswordFromEnv(t *testing.T) {
	dir := t.TempDir()
	stop := startServe(t, dir, freePort(t), "CAIRN_ADMIN_PASSWORD", "container password")
	_, output := stop()
	if !strings.Contains(output, "set from CAIRN_ADMIN_PASSWORD") || strings.Contains(output, "/setup/") {
		t.Fatalf("output:\n%s", output)
	}
	if strings.Contains(output, "container password") {
		t.Fatal("the password was printed")
	}
}

func TestServeRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(fmt.Sprintf("PRAGMA user_version = %d", store.LatestVersion()+5))
	db.Close()
	code, _, errOut := cli(t, "", "serve", "--data", dir, "--listen", freePort(t))
	if code != 1 || !strings.Contains(errOut, "newer than this binary") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	if code, _, errOut := cli(t, "", "serve", "--base-url", "not a url"); code != exitUsage || !strings.Contains(errOut, "base URL") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, _, _ := cli(t, "", "backup"); code != exitUsage {
		t.Fatalf("backup without file: exit %d", code)
	}
}
