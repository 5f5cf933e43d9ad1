package bake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixturesDir is the shared conformance data (see its README.md). It lives
// outside the repository; tests skip when it is absent.
const fixturesDir = "../../../shared/fixtures/credentials"

type manifestEntry struct {
	File   string `json:"file"`
	Format string `json:"format"`
	Scope  string `json:"scope"`
	Expect string `json:"expect"`
	Likely string `json:"likely"`
	Reason string `json:"reason"`
}

func loadManifest(t *testing.T) []manifestEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s not present", fixturesDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var m []manifestEntry
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// fixtureWant is what each baked fixture must unbake to, read from the
// manifest's reason texts and the source projects' tests.
type fixtureWant struct {
	keyword, ns string
	shape       string // "json", "jws" or "url"
	payload     string // exact payload when set
	verify      string // exact verify= when set; "jws" = equals the payload
	check       func(t *testing.T, p []byte)
}

var fixtureWants = map[string]fixtureWant{
	"1edtech-validator/ob20/simple-badge.png": {keyword: KeywordOB2, shape: "json", check: func(t *testing.T, p []byte) {
		var a struct {
			Context string `json:"@context"`
			Type    string `json:"type"`
		}
		if err := json.Unmarshal(p, &a); err != nil || a.Context != "https://w3id.org/openbadges/v2" || a.Type != "Assertion" {
			t.Errorf("not an OB 2.0 Assertion: %+v %v", a, err)
		}
	}},
	"1edtech-validator/ob30/simple-json.png":   {keyword: KeywordOB3, shape: "json", check: isOB3Credential},
	"1edtech-validator/ob30/simple-jwt.png":    {keyword: KeywordOB3, shape: "jws", check: isOB3JWT},
	"1edtech-validator/ob30/simple-jwt_v1.png": {keyword: KeywordOB3, shape: "jws", check: isOB3JWT},
	"1edtech-validator/ob30/simple-json.svg":   {keyword: ElementCredential, ns: NamespaceOB3, shape: "json", check: isOB3Credential},
	"1edtech-validator/ob30/simple-jwt.svg":    {keyword: ElementCredential, ns: NamespaceOB3, shape: "jws", verify: "jws", check: isOB3JWT},
	"1edtech-validator/ob30/simple-jwt_v1.svg": {keyword: ElementCredential, ns: NamespaceOB3, shape: "jws", verify: "jws", check: isOB3JWT},
	// mozilla/openbadges-bakery test/svg.test.js: JSON.parse(result).verify.url == 'http://example.org'.
	"bakery/baked.svg": {keyword: ElementAssertion, ns: NamespaceOB2, shape: "json", payload: `{"verify":{"url":"http://example.org"}}`, verify: "http://example.org"},
	// 'svg data extraction: no json': result == 'http://example.org'.
	"bakery/no-json.svg": {keyword: ElementAssertion, ns: NamespaceOB2, shape: "url", payload: "http://example.org", verify: "http://example.org"},
	// No source test; extraction returns the raw CDATA, which is not JSON
	// (the manifest's "likely: invalid" happens in the JSON step).
	"bakery/bad-json.svg": {keyword: ElementAssertion, ns: NamespaceOB2, shape: "text", payload: `{verify:{"url":"http://example.org"}}`, verify: "http://example.org"},
}

func isOB3Credential(t *testing.T, p []byte) {
	t.Helper()
	var c struct {
		Context []string `json:"@context"`
		Type    []string `json:"type"`
		Proof   any      `json:"proof"`
	}
	if err := json.Unmarshal(p, &c); err != nil || len(c.Context) == 0 || !contains(c.Type, "OpenBadgeCredential") || c.Proof == nil {
		t.Errorf("not a signed OpenBadgeCredential: %+v %v", c, err)
	}
}

func isOB3JWT(t *testing.T, p []byte) {
	t.Helper()
	parts := strings.Split(string(p), ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %d parts", len(parts))
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte("OpenBadgeCredential")) {
		t.Errorf("JWT payload is not an OpenBadgeCredential: %.100s", body)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestFixtures(t *testing.T) {
	m := loadManifest(t)
	seen := 0
	var pngJSON, svgJSON []byte
	for _, e := range m {
		if e.Format != "baked-png" && e.Format != "baked-svg" {
			continue
		}
		seen++
		t.Run(e.File, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(fixturesDir, e.File))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Unbake(b)
			if err != nil {
				t.Fatalf("Unbake: %v", err)
			}
			wantKind := Kind(strings.TrimPrefix(e.Format, "baked-"))
			if got.Kind != wantKind {
				t.Errorf("kind %q, manifest format %q", got.Kind, e.Format)
			}
			if len(got.Warnings) != 0 {
				t.Errorf("warnings: %q", got.Warnings)
			}
			w, ok := fixtureWants[e.File]
			if !ok {
				// A baked fixture added later: at least a plausible payload.
				if len(got.Payload) == 0 {
					t.Error("empty payload")
				}
				t.Logf("no specific expectation for %s (%s)", e.File, e.Reason)
				return
			}
			if got.Keyword != w.keyword || got.Namespace != w.ns {
				t.Errorf("keyword %q ns %q; want %q %q", got.Keyword, got.Namespace, w.keyword, w.ns)
			}
			if w.payload != "" && string(got.Payload) != w.payload {
				t.Errorf("payload %q; want %q", got.Payload, w.payload)
			}
			switch w.verify {
			case "jws":
				if got.Verify != string(got.Payload) {
					t.Error("verify= should hold the JWS")
				}
			default:
				if got.Verify != w.verify {
					t.Errorf("verify %q; want %q", got.Verify, w.verify)
				}
			}
			switch w.shape {
			case "json":
				if !json.Valid(got.Payload) {
					t.Error("payload is not JSON")
				}
			case "text":
				if json.Valid(got.Payload) {
					t.Error("payload unexpectedly JSON")
				}
			}
			if w.check != nil {
				w.check(t, got.Payload)
			}
			if e.File == "1edtech-validator/ob30/simple-json.png" {
				pngJSON = got.Payload
			}
			if e.File == "1edtech-validator/ob30/simple-json.svg" {
				svgJSON = got.Payload
			}
			// Re-baking the fixture in place keeps the payload and leaves
			// exactly one badge.
			var out []byte
			if got.Kind == PNG {
				out, err = BakePNG(b, got.Keyword, got.Payload)
			} else {
				el := got.Keyword
				if got.Namespace == NamespaceCLR {
					el = KeywordCLR
				}
				out, err = BakeSVG(b, el, got.Payload, got.Verify)
			}
			if err != nil {
				t.Fatalf("re-bake: %v", err)
			}
			again, err := Unbake(out)
			if err != nil || !bytes.Equal(again.Payload, got.Payload) || again.Keyword != got.Keyword || len(again.Warnings) != 0 {
				t.Errorf("re-bake round trip: %+v, %v", again, err)
			}
		})
	}
	if seen < len(fixtureWants) {
		t.Errorf("manifest lists %d baked images; expected at least %d", seen, len(fixtureWants))
	}
	if pngJSON != nil && svgJSON != nil {
		var a, b any
		_ = json.Unmarshal(pngJSON, &a)
		_ = json.Unmarshal(svgJSON, &b)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Error("simple-json.png and simple-json.svg carry different credentials")
		}
	}
}

// TestFixturesNotBaked: the plain images among the fixtures (badge class
// images, not manifest entries) are well-formed and carry no badge; the
// bakery's public key is not an image.
func TestFixturesNotBaked(t *testing.T) {
	loadManifest(t) // skips when absent
	for _, f := range []string{
		"1edtech-validator/ob20/assets/robotics-badge.png",
		"1edtech-validator/ob20/assets/beths-robot-badge.png",
	} {
		b, err := os.ReadFile(filepath.Join(fixturesDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Unbake(b); !errors.Is(err, ErrNotBaked) {
			t.Errorf("%s: %v, want ErrNotBaked", f, err)
		}
		out, err := BakePNG(b, KeywordOB3, []byte(ob3JSON))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Unbake(out); err != nil || string(got.Payload) != ob3JSON {
			t.Errorf("%s baked: %+v %v", f, got, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(fixturesDir, "bakery/rsa-public.pem"))
	if err == nil {
		if _, err := Unbake(b); !errors.Is(err, ErrNotImage) {
			t.Errorf("PEM: %v, want ErrNotImage", err)
		}
	}
}
