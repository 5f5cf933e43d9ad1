package ledger_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/verify/ledger"
)

// TestGRSShopperHashMatchesPerl: the vector was computed with perl 5.36,
// JSON::PP->new->canonical()->encode and Digest::SHA hmac_sha256_base64
// under "secret" (padded to 44 characters as gRSShopper does); "ë" is
// hashed as one Latin-1 byte.
func TestGRSShopperHashMatchesPerl(t *testing.T) {
	c, err := ledger.ParseGRSShopper([]byte(`{"chain":[{"index":1,"timestamp":1543622400,"transactions":[{"sender":{"url":"https://x.example/","name":"Zoë"},"amount":"5"}],"proof":1,"previous_hash":100}]}`))
	if err != nil {
		t.Fatal(err)
	}
	h, err := ledger.GRSShopperHash(c.Blocks[0])
	if err != nil || h != "KInKH9idMtCMsXbTNEYiRVkgawv5Ygf1uIti+vXiGFA=" {
		t.Fatalf("hash %q, %v", h, err)
	}
	// The as-deployed proof of work: 761 is the first p with "00".
	if !ledger.GRSShopperPoW("761", "00") || ledger.GRSShopperPoW("760", "00") {
		t.Fatal("761")
	}
	if !ledger.GRSShopperPoW("17697560", "0000") {
		t.Fatal("pre-course proof")
	}
	wide, _ := ledger.ParseGRSShopper([]byte(`{"chain":[{"index":1,"transactions":[{"name":"⛰"}],"proof":1,"previous_hash":100}]}`))
	if _, err := ledger.GRSShopperHash(wide.Blocks[0]); err == nil || !strings.Contains(err.Error(), "Latin-1") {
		t.Fatalf("wide character: %v", err)
	}
}

// grsChain builds a blockchain.json as gRSShopper's module would: the
// intended code (chained, proof over last proof + proof) or as deployed
// (every block hangs from genesis, proof over the proof alone).
func grsChain(t *testing.T, blocks int, legacy bool, prefix string) []byte {
	t.Helper()
	genesis := map[string]any{"index": json.Number("1"), "timestamp": json.Number("1543622400"),
		"transactions": []any{}, "proof": json.Number("1"), "previous_hash": json.Number("100")}
	chain := []map[string]any{genesis}
	for i := 1; i < blocks; i++ {
		last := chain[i-1]
		lastProof := string(last["proof"].(json.Number))
		linkTo := last
		if legacy {
			lastProof, linkTo = "", genesis
		}
		p := 0
		if legacy && prefix == "0000" {
			p = 17697560 - 5 // research/seed-systems.md a.6: the first such proof; skip 17.7M HMACs
		}
		for !ledger.GRSShopperPoW(lastProof+strconv.Itoa(p), prefix) {
			p++
		}
		prev, err := ledger.GRSShopperHash(linkTo)
		if err != nil {
			t.Fatal(err)
		}
		var txs []any
		for j := 0; j < 6; j++ {
			n := fmt.Sprint(i*10 + j)
			txs = append(txs, map[string]any{
				"sender":    map[string]any{"url": "https://course.example/", "email": "s@course.example", "name": "Course"},
				"badge":     map[string]any{"badge_entityid": "Ab" + n, "badge_url": "https://course.example/badge/3/" + n},
				"recipient": map[string]any{"name": "Léa " + n, "url": "https://learner" + n + ".example/"},
				"evidence":  map[string]any{"url": "https://learner" + n + ".example/post/1"},
			})
		}
		txs = append(txs, map[string]any{"sender": json.Number("0"), "recipient": json.Number("1"), "amount": json.Number("1")})
		chain = append(chain, map[string]any{"index": json.Number(strconv.Itoa(i + 1)),
			"timestamp": json.Number(strconv.Itoa(1543622400 + i*60)), "transactions": txs,
			"proof": json.Number(strconv.Itoa(p)), "previous_hash": prev})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]any{"chain": chain, "current_transactions": []any{}, "nodes": []any{}})
	return bytes.TrimSpace(buf.Bytes())
}

func TestGRSShopperModes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		legacy bool
		prefix string
		mode   string
	}{
		{"intended", false, "00", ledger.ModeIntended},
		{"legacy", true, "00", ledger.ModeLegacy},
		{"pre-course legacy", true, "0000", ledger.ModeLegacy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := grsChain(t, 5, tc.legacy, tc.prefix)
			if !ledger.LooksLikeGRSShopper(data) {
				t.Fatal("not recognised")
			}
			c, err := ledger.ParseGRSShopper(data)
			if err != nil {
				t.Fatal(err)
			}
			r := ledger.VerifyGRSShopper(c)
			if r.Mode != tc.mode || r.Status() != ledger.StatusPass || r.Blocks != 5 || r.Transactions != 28 || r.Prefix != tc.prefix {
				t.Fatalf("%+v", r)
			}
			if tc.legacy {
				if r.Intended.Holds || r.Intended.Block != 1 {
					t.Errorf("intended problem %q", r.Intended.Problem)
				}
				if want := map[string]string{"00": "761", "0000": "17697560"}[tc.prefix]; string(c.Blocks[3]["proof"].(json.Number)) != want {
					t.Errorf("legacy proof %v", c.Blocks[3]["proof"])
				}
			} else if r.Legacy.Holds {
				t.Error("legacy holds for an intended chain")
			}
			t.Log(r.Message())

			// Pretty-printed (as current gRSShopper writes) reads the same.
			var pretty bytes.Buffer
			json.Indent(&pretty, data, "", "  ")
			c2, err := ledger.ParseGRSShopper(pretty.Bytes())
			if err != nil || ledger.VerifyGRSShopper(c2).Mode != tc.mode {
				t.Fatalf("pretty: %v", err)
			}

			// An edit breaks both modes, naming the block. In the legacy
			// mode only genesis is covered by a hash, so edit that there.
			edited := bytes.Replace(data, []byte("Léa 21"), []byte("Lea 21"), 1)
			wantBlock := "block 3"
			if tc.legacy {
				edited = bytes.Replace(data, []byte("1543622400"), []byte("1543622401"), 1)
				wantBlock = "block 1"
			}
			c3, _ := ledger.ParseGRSShopper(edited)
			r3 := ledger.VerifyGRSShopper(c3)
			if r3.Mode != ledger.ModeNeither || r3.Status() != ledger.StatusFail {
				t.Fatalf("edited: %+v", r3)
			}
			if !strings.Contains(r3.Message(), wantBlock) {
				t.Errorf("edited: %s", r3.Message())
			}
		})
	}
}

func TestGRSShopperShortChain(t *testing.T) {
	c, _ := ledger.ParseGRSShopper(grsChain(t, 1, false, "00"))
	if r := ledger.VerifyGRSShopper(c); r.Mode != ledger.ModeBoth {
		t.Fatalf("%+v", r)
	}
	if _, err := ledger.ParseGRSShopper([]byte(`{}`)); err == nil {
		t.Fatal("{} parsed")
	}
	if _, err := ledger.ParseGRSShopper([]byte(`{"chain":[1]}`)); err == nil {
		t.Fatal("non-object block parsed")
	}
	if ledger.LooksLikeGRSShopper([]byte(`{"format":"cairn-ledger/1"}`)) {
		t.Fatal("cairn ledger taken for gRSShopper")
	}
}
