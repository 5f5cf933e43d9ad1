package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/verify/did"
	vl "github.com/cairn-pl/cairn/verify/ledger"
	"github.com/cairn-pl/cairn/wallet/ledger"
)

func ledgerSigner(didID, vm string) ledger.Ed25519Signer {
	seed := sha256.Sum256([]byte("cli ledger test"))
	return ledger.Ed25519Signer{DID: didID, VM: vm, Key: ed25519.NewKeyFromSeed(seed[:])}
}

// fillLedger appends n awards and seals them (difficulty 2, blocks of 5).
func fillLedger(t *testing.T, s ledger.Signer, n int) *ledger.Ledger {
	t.Helper()
	ctx := context.Background()
	l, err := ledger.New(storetest.New(t), s, ledger.Options{Difficulty: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		d := sha256.Sum256([]byte(strconv.Itoa(i)))
		if err := l.Append(ctx, vl.Record{Type: vl.TypeAward, Credential: fmt.Sprintf("urn:uuid:%d", i),
			Digest: "sha256:" + hex.EncodeToString(d[:]), Achievement: "https://issuer.example/a/1",
			Recipient: "sha256$" + hex.EncodeToString(d[:])}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.SealDue(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLedgerVerifyFile(t *testing.T) {
	pub := ledgerSigner("", "").Key.Public().(ed25519.PublicKey)
	mk := did.EncodeMultikey(pub)
	l := fillLedger(t, ledgerSigner("did:key:"+mk, "did:key:"+mk+"#"+mk), 12)
	e, err := l.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "ledger.json")
	data, _ := json.Marshal(e)
	os.WriteFile(good, data, 0o600)

	code, out, errOut := cli(t, "", "ledger", "verify", good)
	if code != 0 || !strings.HasPrefix(out, "VALID (cairn-ledger/1)") || !strings.Contains(out, "blocks   3, records 12 (12 awards, 0 revocations)") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	// From stdin, as JSON.
	code, out, _ = cli(t, string(data), "ledger", "verify", "--json", "-")
	var res struct{ Status string }
	if json.Unmarshal([]byte(out), &res); code != 0 || res.Status != "pass" {
		t.Fatalf("json: exit %d\n%s", code, out)
	}

	// A tampered record: exit 1, the block named.
	bad := filepath.Join(dir, "tampered.json")
	os.WriteFile(bad, []byte(strings.Replace(string(data), "urn:uuid:7", "urn:uuid:X", 1)), 0o600)
	code, out, _ = cli(t, "", "ledger", "verify", bad)
	if code != 1 || !strings.HasPrefix(out, "INVALID") || !strings.Contains(out, "block 1: the merkle root of its 5 records") {
		t.Fatalf("tampered: exit %d\n%s", code, out)
	}

	// Bad input: exit 3.
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte(`{"format":"something else"}`), 0o600)
	for _, args := range [][]string{{"ledger", "verify", garbage}, {"ledger", "verify", filepath.Join(dir, "missing")}, {"ledger", "verify"}, {"ledger"}} {
		if code, _, _ := cli(t, "", args...); code != 3 {
			t.Errorf("%v: exit %d, want 3", args, code)
		}
	}
}

func TestLedgerVerifyGRSShopperFile(t *testing.T) {
	genesis := `{"index":1,"timestamp":1543622400,"transactions":[],"proof":1,"previous_hash":100}`
	c, err := vl.ParseGRSShopper([]byte(`{"chain":[` + genesis + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := vl.GRSShopperHash(c.Blocks[0])
	// As deployed: every block hangs from genesis with proof 761.
	var blocks []string
	blocks = append(blocks, genesis)
	for i := 2; i <= 4; i++ {
		blocks = append(blocks, fmt.Sprintf(`{"index":%d,"timestamp":%d,"transactions":[{"sender":{"url":"https://c.example/"},"badge":{"badge_url":"https://c.example/badge/1/%d"},"recipient":{"name":"L%d","url":"https://l.example/"},"evidence":{"url":"https://l.example/p"}},{"sender":0,"recipient":1,"amount":1}],"proof":761,"previous_hash":%q}`, i, 1543622400+i, i, i, h))
	}
	file := filepath.Join(t.TempDir(), "blockchain.json")
	os.WriteFile(file, []byte(`{"chain":[`+strings.Join(blocks, ",")+`],"current_transactions":[],"nodes":[]}`), 0o600)
	code, out, errOut := cli(t, "", "ledger", "verify", file)
	if code != 0 || !strings.HasPrefix(out, "VALID (grsshopper, legacy mode: as deployed in 2018)") || !strings.Contains(out, "intended fails") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	broken := strings.Replace(strings.Join(blocks, ","), `"proof":761`, `"proof":762`, 1)
	os.WriteFile(file, []byte(`{"chain":[`+broken+`]}`), 0o600)
	if code, out, _ := cli(t, "", "ledger", "verify", file); code != 1 || !strings.Contains(out, "neither mode holds") {
		t.Fatalf("broken: exit %d\n%s", code, out)
	}
}

// TestLedgerVerifyURL serves a ledger signed by a did:web issuer on
// loopback and verifies it through /ledger and /ledger/blocks.
func TestLedgerVerifyURL(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	didID := "did:web:" + strings.Replace(host, ":", "%3A", 1)
	s := ledgerSigner(didID, didID+"#key-1")
	l := fillLedger(t, s, 23) // 4 full blocks + 1 sealed by age
	mk := did.EncodeMultikey(s.Key.Public().(ed25519.PublicKey))
	mux.HandleFunc("/.well-known/did.json", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"@context": []string{"https://www.w3.org/ns/did/v1"}, "id": didID,
			"verificationMethod": []map[string]any{{"id": didID + "#key-1", "type": "Multikey", "controller": didID, "publicKeyMultibase": mk}},
			"assertionMethod":    []string{didID + "#key-1"}})
	})
	mux.HandleFunc("/ledger", func(w http.ResponseWriter, r *http.Request) {
		doc, _ := l.Document(r.Context())
		json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("/ledger/blocks", func(w http.ResponseWriter, r *http.Request) {
		from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
		bs, _ := l.Blocks(r.Context(), from, 2) // small pages: the client must page
		if bs == nil {
			bs = []vl.Block{}
		}
		json.NewEncoder(w).Encode(bs)
	})
	t.Setenv("CAIRN_ALLOW_PRIVATE_NETWORK", "1")
	for _, u := range []string{srv.URL + "/ledger", srv.URL} {
		code, out, errOut := cli(t, "", "ledger", "verify", u)
		if code != 0 || !strings.Contains(out, "blocks   5, records 23") || !strings.Contains(out, "issuer   "+didID) {
			t.Fatalf("%s: exit %d\n%s%s", u, code, out, errOut)
		}
	}
	// Without the private-network switch the loopback issuer cannot be
	// reached: could not check.
	t.Setenv("CAIRN_ALLOW_PRIVATE_NETWORK", "")
	if code, _, _ := cli(t, "", "ledger", "verify", srv.URL+"/ledger"); code != 2 {
		t.Fatalf("unreachable: exit %d, want 2", code)
	}
}
