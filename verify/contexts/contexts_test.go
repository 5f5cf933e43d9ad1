package contexts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"testing"
)

func TestPinnedHashes(t *testing.T) {
	seen := map[string]string{}
	for url, e := range table {
		b, err := files.ReadFile("files/" + e.file)
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != e.sha256 {
			t.Errorf("%s (%s): sha256 %s, pinned %s", url, e.file, got, e.sha256)
		}
		if prev, ok := seen[e.file]; ok && prev != e.sha256 {
			t.Errorf("%s pinned with two hashes", e.file)
		}
		seen[e.file] = e.sha256
	}
	// Every embedded file is served by at least one URL.
	names, err := fs.Glob(files, "files/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no embedded files")
	}
	for _, n := range names {
		if _, ok := seen[n[len("files/"):]]; !ok {
			t.Errorf("%s is embedded but no URL serves it", n)
		}
	}
}

func TestEveryURLServes(t *testing.T) {
	urls := URLs()
	if len(urls) != len(table) {
		t.Fatalf("URLs() has %d entries, table %d", len(urls), len(table))
	}
	for i, u := range urls {
		if i > 0 && urls[i-1] >= u {
			t.Errorf("URLs() not sorted at %q", u)
		}
		b, ok := Document(u)
		if !ok {
			t.Errorf("%s: not served", u)
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Errorf("%s: %v", u, err)
			continue
		}
		if _, ok := doc["@context"]; !ok {
			t.Errorf("%s: no @context", u)
		}
	}
}

func TestExactMatchOnly(t *testing.T) {
	for _, u := range []string{
		"https://www.w3.org/ns/credentials/v2/",
		"http://www.w3.org/ns/credentials/v2",
		"https://www.w3.org/ns/credentials/V2",
		"https://www.w3.org/ns/credentials/v2#",
		"https://example.com/context.json",
		"",
	} {
		if _, ok := Document(u); ok {
			t.Errorf("%q served", u)
		}
	}
}

func TestDocumentReturnsCopy(t *testing.T) {
	a, _ := Document("https://www.w3.org/ns/credentials/v2")
	a[0] = 'X'
	b, _ := Document("https://www.w3.org/ns/credentials/v2")
	if b[0] == 'X' {
		t.Fatal("Document returned shared bytes")
	}
}
