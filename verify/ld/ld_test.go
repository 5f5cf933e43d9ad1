package ld

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/multiformats/go-multibase"
)

const vectorDir = "/work/shared/fixtures/credentials/ob-spec-vectors"

func readJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func needVectors(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(vectorDir, "signed-credential.json")); err != nil {
		t.Skipf("test vector folder absent: %v", err)
	}
}

// splitProof returns the document without proof and the proof configuration
// (proof minus proofValue, with the document's @context).
func splitProof(signed map[string]any) (doc, config map[string]any, proofValue string) {
	doc = map[string]any{}
	for k, v := range signed {
		if k != "proof" {
			doc[k] = v
		}
	}
	proof := signed["proof"].(map[string]any)
	config = map[string]any{"@context": signed["@context"]}
	for k, v := range proof {
		if k != "proofValue" {
			config[k] = v
		}
	}
	proofValue, _ = proof["proofValue"].(string)
	return doc, config, proofValue
}

func TestOBSpecVector(t *testing.T) {
	needVectors(t)
	signed := readJSON(t, filepath.Join(vectorDir, "signed-credential.json"))
	vector := readJSON(t, filepath.Join(vectorDir, "vector.json"))
	keys := readJSON(t, filepath.Join(vectorDir, "keys.json"))
	doc, config, proofValue := splitProof(signed)

	docCanon, err := Canonize(doc)
	if err != nil {
		t.Fatal(err)
	}
	proofCanon, err := Canonize(config)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  []byte
		hash string
	}{
		{"document-canon.txt", docCanon, vector["documentHashHex"].(string)},
		{"proof-canon.txt", proofCanon, vector["proofHashHex"].(string)},
	} {
		want, err := os.ReadFile(filepath.Join(vectorDir, c.name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(c.got, want) {
			t.Errorf("%s differs:\n got: %s\nwant: %s", c.name, c.got, want)
		}
		sum := sha256.Sum256(c.got)
		if hex.EncodeToString(sum[:]) != c.hash {
			t.Errorf("%s: sha256 %x, want %s", c.name, sum, c.hash)
		}
	}

	proofHash := sha256.Sum256(proofCanon)
	docHash := sha256.Sum256(docCanon)
	msg := append(proofHash[:], docHash[:]...)
	if hex.EncodeToString(msg) != vector["hashDataHex"] {
		t.Errorf("hash data %x", msg)
	}
	enc, sig, err := multibase.Decode(proofValue)
	if err != nil || enc != multibase.Base58BTC || len(sig) != ed25519.SignatureSize {
		t.Fatalf("proofValue: enc %v, %d bytes, %v", enc, len(sig), err)
	}
	if hex.EncodeToString(sig) != vector["signatureHex"] {
		t.Errorf("signature %x", sig)
	}
	pub, err := hex.DecodeString(keys["publicKeyHex"].(string))
	if err != nil {
		t.Fatal(err)
	}
	_, mk, err := multibase.Decode(keys["publicKeyMultibase"].(string))
	if err != nil || len(mk) != 34 || mk[0] != 0xed || mk[1] != 0x01 || !bytes.Equal(mk[2:], pub) {
		t.Fatalf("publicKeyMultibase does not carry publicKeyHex: %x %v", mk, err)
	}
	if !ed25519.Verify(ed25519.PublicKey(pub), msg, sig) {
		t.Fatal("signature does not verify")
	}
	msg[len(msg)-1] ^= 1
	if ed25519.Verify(ed25519.PublicKey(pub), msg, sig) {
		t.Fatal("signature verifies over altered data")
	}
}

// credential returns a small VCDM 2.0 Open Badges 3.0 credential.
func credential() map[string]any {
	const s = `{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
  "id": "urn:uuid:a63a60be-f4af-491c-87fc-2c8fd3007a58",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "name": "JFF x vc-edu PlugFest 2 Interoperability",
  "issuer": {"type": ["Profile"], "id": "did:key:z6MktiSzqF9kqwdU8VkdBKx56EYzXfpgnNPUAGznpicNiWfn", "name": "Jobs for the Future (JFF)"},
  "validFrom": "2010-01-01T00:00:00Z",
  "credentialSubject": {
    "type": ["AchievementSubject"],
    "id": "did:key:z6MkkUD3J14nkYzn46QeuaVSnp7dF85QJKwKvJvfsjx79aXj",
    "achievement": {
      "id": "urn:uuid:bd6d9316-f7ae-4073-a1e5-2f7f5bd22922",
      "type": ["Achievement"],
      "name": "JFF x vc-edu PlugFest 2 Interoperability",
      "description": "This credential solution supports the use of OBv3 and w3c Verifiable Credentials.",
      "criteria": {"narrative": "Solutions providers earned this badge by demonstrating interoperability."},
      "image": {"id": "https://example.com/achievement.png", "type": "Image"}
    }
  }
}`
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return m
}

func TestDefinedTermsPass(t *testing.T) {
	c := credential()
	// creditsAvailable and achievementType are defined by the OB context.
	ach := c["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
	ach["creditsAvailable"] = 3.0
	ach["achievementType"] = "Badge"
	out, err := Canonize(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("https://purl.imsglobal.org/spec/vc/ob/vocab.html#creditsAvailable")) {
		t.Fatalf("creditsAvailable not in output:\n%s", out)
	}
	if err := CheckTerms(c); err != nil {
		t.Fatal(err)
	}
}

func TestUndefinedTerm(t *testing.T) {
	c := credential()
	c["favouriteColour"] = "green"
	c["credentialSubject"].(map[string]any)["shoeSize"] = 44.0
	_, err := Canonize(c)
	var ute *UndefinedTermError
	if !errors.As(err, &ute) {
		t.Fatalf("got %v, want UndefinedTermError", err)
	}
	if strings.Join(ute.Terms, ",") != "favouriteColour,shoeSize" {
		t.Fatalf("terms %v", ute.Terms)
	}
	if !strings.Contains(err.Error(), "favouriteColour") {
		t.Fatalf("error %q does not name the term", err)
	}
}

func TestUndefinedType(t *testing.T) {
	c := credential()
	c["type"] = []any{"VerifiableCredential", "OpenBadgeCredential", "MadeUpCredential"}
	var ute *UndefinedTermError
	if err := CheckTerms(c); !errors.As(err, &ute) || len(ute.Terms) != 1 || ute.Terms[0] != "MadeUpCredential" {
		t.Fatalf("got %v", err)
	}
}

func TestIssuerDependentVocab(t *testing.T) {
	c := credential()
	c["@context"] = append(c["@context"].([]any),
		map[string]any{"@vocab": "https://www.w3.org/ns/credentials/issuer-dependent#"})
	c["myClaim"] = "x"
	var ute *UndefinedTermError
	if err := CheckTerms(c); !errors.As(err, &ute) || len(ute.Terms) != 1 || ute.Terms[0] != "myClaim" {
		t.Fatalf("got %v", err)
	}
}

func TestInlineContextDefinesTerm(t *testing.T) {
	c := credential()
	c["@context"] = append(c["@context"].([]any),
		map[string]any{"myClaim": "https://example.com/vocab#myClaim"})
	c["myClaim"] = "x"
	out, err := Canonize(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("<https://example.com/vocab#myClaim> \"x\"")) {
		t.Fatalf("output:\n%s", out)
	}
}

func TestUnknownContext(t *testing.T) {
	for _, ctx := range []any{
		"https://example.com/contexts/v1",
		[]any{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-9.9.9.json"},
		[]any{"https://www.w3.org/ns/credentials/v2", map[string]any{"@import": "https://example.org/imported.jsonld"}},
		[]any{"https://www.w3.org/ns/credentials/v2/"},
	} {
		c := credential()
		c["@context"] = ctx
		_, err := Canonize(c)
		var uce *UnknownContextError
		if !errors.As(err, &uce) || uce.URL == "" || !strings.Contains(err.Error(), uce.URL) {
			t.Errorf("%v: got %v, want UnknownContextError", ctx, err)
		}
	}
}

func TestRelativeIRI(t *testing.T) {
	c := credential()
	c["id"] = "credentials/3527"
	_, err := Canonize(c)
	var rie *RelativeIRIError
	if !errors.As(err, &rie) || len(rie.IRIs) != 1 || rie.IRIs[0] != "credentials/3527" {
		t.Fatalf("got %v, want RelativeIRIError", err)
	}
	// A term that is an IRI-typed value (@type @id) with a relative value.
	c = credential()
	c["issuer"].(map[string]any)["id"] = "issuer-1"
	if err := CheckTerms(c); !errors.As(err, &rie) {
		t.Fatalf("got %v, want RelativeIRIError", err)
	}
}

func TestDocumentNotModified(t *testing.T) {
	c := credential()
	before, _ := json.Marshal(c)
	if _, err := Canonize(c); err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(c)
	if !bytes.Equal(before, after) {
		t.Fatal("Canonize modified its input")
	}
}

func TestLimitsDepth(t *testing.T) {
	var v any = "leaf"
	for range MaxDepth + 5 {
		v = map[string]any{"name": v}
	}
	c := credential()
	c["credentialSubject"] = v
	var le *LimitError
	if _, err := Canonize(c); !errors.As(err, &le) || le.What != "depth" {
		t.Fatalf("got %v", err)
	}
}

func TestLimitsValues(t *testing.T) {
	list := make([]any, MaxValues)
	for i := range list {
		list[i] = "x"
	}
	c := credential()
	c["name"] = list
	var le *LimitError
	if _, err := Canonize(c); !errors.As(err, &le) || le.What != "values" {
		t.Fatalf("got %v", err)
	}
}

// poison builds a clique of n blank nodes, every one linked to every other
// (RDFC-1.0's exponential case).
func poison(n int) map[string]any {
	nodes := make([]any, n)
	for i := range nodes {
		links := []any{}
		for j := range n {
			if j != i {
				links = append(links, map[string]any{"@id": fmt.Sprintf("_:n%d", j)})
			}
		}
		nodes[i] = map[string]any{"@id": fmt.Sprintf("_:n%d", i), "http://example.com/p": links}
	}
	return map[string]any{"@graph": nodes}
}

// TestLimitsPoison: poison graphs are refused by a limit, before the
// canonicalisation step whose cost explodes (how fast is for benchmarks,
// not for a test on a loaded machine).
func TestLimitsPoison(t *testing.T) {
	for _, n := range []int{MaxAlikeNeighbours + 2, 40, 300} {
		doc := poison(n)
		_, err := Canonize(doc)
		var le *LimitError
		if !errors.As(err, &le) || (n < 100 && le.What != "look-alike blank neighbours") {
			t.Fatalf("n=%d: got %v", n, err)
		}
	}
}

func TestPoisonUnderLimitIsBounded(t *testing.T) {
	start := time.Now()
	out, err := Canonize(poison(MaxAlikeNeighbours + 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("empty output")
	}
	t.Logf("clique of %d blank nodes canonicalised in %v", MaxAlikeNeighbours+1, time.Since(start))
}

func TestLimitsQuads(t *testing.T) {
	flat := map[string]any{"@id": "https://example.com/s"}
	vals := make([]any, MaxQuads+1)
	for i := range vals {
		vals[i] = fmt.Sprint(i)
	}
	flat["http://example.com/p"] = vals
	var le *LimitError
	if _, err := Canonize(flat); !errors.As(err, &le) || le.What != "quads" {
		t.Fatalf("got %v", err)
	}
	list := make([]any, MaxQuads/2)
	for i := range list {
		list[i] = fmt.Sprintf("https://example.com/%d", i)
	}
	doc := map[string]any{"@id": "https://example.com/s", "http://example.com/p": map[string]any{"@list": list}}
	if _, err := Canonize(doc); !errors.As(err, &le) || le.What != "quads" {
		t.Fatalf("list: got %v", err)
	}
}

func TestLoaderNeverFetches(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/ld+json")
		fmt.Fprint(w, `{"@context":{"@vocab":"https://example.com/#"}}`)
	}))
	defer srv.Close()
	url := srv.URL + "/context.jsonld"
	c := credential()
	c["@context"] = append(c["@context"].([]any), url)
	_, err := Canonize(c)
	var uce *UnknownContextError
	if !errors.As(err, &uce) || uce.URL != url {
		t.Fatalf("got %v", err)
	}
	if _, err := (Loader{}).LoadDocument(url); !errors.As(err, &uce) {
		t.Fatalf("loader: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("loader fetched %d times", n)
	}
}

func TestLoaderServesEmbeddedCopies(t *testing.T) {
	const u = "https://www.w3.org/ns/credentials/v2"
	a, err := Loader{}.LoadDocument(u)
	if err != nil {
		t.Fatal(err)
	}
	a.Document.(map[string]any)["@context"] = "poisoned"
	b, err := Loader{}.LoadDocument(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Document.(map[string]any)["@context"].(map[string]any); !ok {
		t.Fatal("loader shares its cached document")
	}
}

func TestConcurrent(t *testing.T) {
	want, err := Canonize(credential())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				c := credential()
				if i%2 == 1 {
					c["@context"] = append(c["@context"].([]any), map[string]any{"x": "https://example.com/x"})
				}
				got, err := Canonize(c)
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(got, want) {
					t.Error("concurrent result differs")
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestEveryEmbeddedContextProcesses checks that every embedded context can
// be processed offline (no context refers to one that is not embedded).
func TestEveryEmbeddedContextProcesses(t *testing.T) {
	for _, u := range embeddedURLs() {
		doc := map[string]any{"@context": u, "@id": "https://example.com/x"}
		if _, err := Expand(doc); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

func benchmarkDocs(b testing.TB) (doc, config map[string]any) {
	if _, err := os.Stat(filepath.Join(vectorDir, "signed-credential.json")); err == nil {
		doc, config, _ = splitProof(readJSON(b, filepath.Join(vectorDir, "signed-credential.json")))
		return doc, config
	}
	c := credential()
	config = map[string]any{
		"@context": c["@context"], "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
		"created": "2010-01-01T19:23:24Z", "proofPurpose": "assertionMethod",
		"verificationMethod": "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
	}
	return c, config
}

// BenchmarkCanonizeCredential canonicalises a signed OB 3.0 credential's
// document and proof configuration, as eddsa-rdfc-2022 verification does,
// from scratch each time (the processed contexts stay cached; the result
// cache is emptied).
func BenchmarkCanonizeCredential(b *testing.B) {
	doc, config := benchmarkDocs(b)
	if _, err := Canonize(doc); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ForgetResults()
		if _, err := Canonize(doc); err != nil {
			b.Fatal(err)
		}
		if _, err := Canonize(config); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonizeDocument canonicalises only the credential document,
// from scratch each time.
func BenchmarkCanonizeDocument(b *testing.B) {
	doc, _ := benchmarkDocs(b)
	b.ReportAllocs()
	for b.Loop() {
		ForgetResults()
		if _, err := Canonize(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonizeRemembered canonicalises a document seen before: the
// content hash and a cache lookup.
func BenchmarkCanonizeRemembered(b *testing.B) {
	doc, _ := benchmarkDocs(b)
	if _, err := Canonize(doc); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Canonize(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCanonizeRemembersResults(t *testing.T) {
	doc, _ := benchmarkDocs(t)
	first, err := Canonize(doc)
	if err != nil {
		t.Fatal(err)
	}
	first[0] ^= 0xff // the caller's copy: the cache must not share it
	again, err := Canonize(doc)
	if err != nil || bytes.Equal(first, again) {
		t.Fatalf("the remembered result was changed through a returned slice (err %v)", err)
	}
	ForgetResults()
	fresh, err := Canonize(doc)
	if err != nil || !bytes.Equal(fresh, again) {
		t.Fatal("a fresh canonicalisation differs from the remembered one")
	}
	// An undefined term is remembered as an error, for CheckTerms too.
	bad := map[string]any{"@context": doc["@context"], "type": "VerifiableCredential", "grade": "A"}
	if CheckTerms(bad) == nil {
		t.Fatal("undefined term passed")
	}
	if _, err := Canonize(bad); err == nil {
		t.Fatal("undefined term passed Canonize after CheckTerms")
	}
	if CheckTerms(bad) == nil {
		t.Fatal("undefined term passed when remembered")
	}
}
