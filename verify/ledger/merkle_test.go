package ledger_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gowebpki/jcs"

	"github.com/cairn-pl/cairn/verify/ledger"
)

// TestMerkleRFC6962Vector is the certificate-transparency test vector: the
// root of its eight leaves. Paths were also checked against
// golang.org/x/mod/sumdb/tlog for every size up to 70.
func TestMerkleRFC6962Vector(t *testing.T) {
	var leaves []ledger.Hash
	for _, s := range []string{"", "\x00", "\x10", "\x20\x21", "\x30\x31", "\x40\x41\x42\x43",
		"\x50\x51\x52\x53\x54\x55\x56\x57", "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"} {
		leaves = append(leaves, ledger.LeafHash([]byte(s)))
	}
	if got := ledger.MerkleRoot(leaves).String(); got != "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328" {
		t.Fatalf("root %s", got)
	}
	if got := ledger.MerkleRoot(nil).String(); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("empty root %s", got)
	}
}

func TestAuditPathsEverySize(t *testing.T) {
	for n := 1; n <= 33; n++ {
		var leaves []ledger.Hash
		for i := 0; i < n; i++ {
			leaves = append(leaves, ledger.LeafHash(fmt.Appendf(nil, "leaf %d", i)))
		}
		root := ledger.MerkleRoot(leaves)
		for i := 0; i < n; i++ {
			path, err := ledger.AuditPath(leaves, i)
			if err != nil {
				t.Fatal(err)
			}
			if err := ledger.VerifyInclusion(leaves[i], i, n, path, root); err != nil {
				t.Fatalf("n=%d i=%d: %v", n, i, err)
			}
			// Wrong leaf, index, size or root fail.
			other := leaves[(i+1)%n]
			if n > 1 && ledger.VerifyInclusion(other, i, n, path, root) == nil {
				t.Fatalf("n=%d i=%d: another leaf verified", n, i)
			}
			if n > 1 && ledger.VerifyInclusion(leaves[i], (i+1)%n, n, path, root) == nil {
				t.Fatalf("n=%d i=%d: another index verified", n, i)
			}
			if ledger.VerifyInclusion(leaves[i], i, n+1, path, root) == nil && len(path) > 0 {
				// A different size may share the path shape; it must not
				// share the root.
				t.Logf("n=%d i=%d: size %d accepted the same path", n, i, n+1)
			}
			if ledger.VerifyInclusion(leaves[i], i, n, path, ledger.LeafHash([]byte("x"))) == nil {
				t.Fatalf("n=%d i=%d: another root verified", n, i)
			}
		}
	}
	if _, err := ledger.AuditPath(nil, 0); err == nil {
		t.Fatal("path of an empty tree")
	}
	if ledger.VerifyInclusion(ledger.Hash{}, 3, 3, nil, ledger.Hash{}) == nil {
		t.Fatal("index outside the tree accepted")
	}
}

func TestHeaderJSONIsJCS(t *testing.T) {
	for _, ts := range []string{"2026-01-02T03:04:05Z", "a\"b\\c\n\t\x01\x1f\u2028é</>&", ""} {
		b := ledger.Block{Index: 12, Timestamp: ts, MerkleRoot: "ab", PreviousHash: "cd", Difficulty: 4, Proof: 1 << 40}
		m, _ := json.Marshal(map[string]any{"index": b.Index, "timestamp": b.Timestamp, "merkle_root": b.MerkleRoot,
			"previous_hash": b.PreviousHash, "difficulty": b.Difficulty, "proof": b.Proof})
		want, err := jcs.Transform(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := ledger.HeaderJSON(&b); string(got) != string(want) {
			t.Fatalf("header\n got %s\nwant %s", got, want)
		}
	}
}

func TestRecordCanonical(t *testing.T) {
	is := newIssuer(t, 1)
	_ = is
	r := award(t, 1)
	c, err := r.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	var back ledger.Record
	// Pretty-printed with members in another order: the same record.
	pretty := []byte(`{
	  "time": "` + r.Time + `", "type": "award", "credential": "` + r.Credential + `",
	  "digest": "` + r.Digest + `", "achievement": "` + r.Achievement + `", "recipient": "` + r.Recipient + `"}`)
	if err := json.Unmarshal(pretty, &back); err != nil {
		t.Fatal(err)
	}
	h1, _ := ledger.RecordHash(&r)
	h2, _ := ledger.RecordHash(&back)
	if h1 != h2 {
		t.Fatalf("hashes differ: %s", c)
	}
	if string(c) != `{"achievement":"`+r.Achievement+`","credential":"`+r.Credential+`","digest":"`+r.Digest+`","recipient":"`+r.Recipient+`","time":"`+r.Time+`","type":"award"}` {
		t.Fatalf("canonical %s", c)
	}
}

func TestDigest(t *testing.T) {
	a, err := ledger.Digest([]byte(`{"b": 1, "a": [1.0, "x"]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ledger.Digest([]byte(`{"a":[1,"x"],"b":1}` + "\n"))
	if a != b || len(a) != len("sha256:")+64 {
		t.Fatalf("%s %s", a, b)
	}
	jws := "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"
	c, _ := ledger.Digest([]byte(jws + "\n"))
	d, _ := ledger.Digest([]byte(jws))
	if c != d || c == a {
		t.Fatal("JWS digest")
	}
	if _, err := ledger.Digest([]byte(`{"a":`)); err == nil {
		t.Fatal("broken JSON digested")
	}
}
