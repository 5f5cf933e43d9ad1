package verify_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
)

// The Open Badges 3.0 tests play their issuer with the shared loopback
// issuer of internal/testissuer (testissuer.NewVC): a did:web document,
// Bitstring status lists and a JWKS on an httptest server, keys generated
// in the test. testissuer imports verify, so these tests are external
// (package verify_test) and use the exported API only.

const (
	testEmail = testissuer.Email
	ctxVC11   = "https://www.w3.org/2018/credentials/v1"
)

var testNowVC = testissuer.Now

func newVCIssuer(t testing.TB) *testissuer.VC { return testissuer.NewVC(t) }

// roundTrip turns Go maps into decoded JSON (numbers as json.Number, as
// Verify sees them).
func roundTrip(t testing.TB, m map[string]any) map[string]any { return testissuer.RoundTrip(t, m) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func dump(r verify.Report) string {
	b, _ := json.MarshalIndent(r, "", " ")
	return string(b)
}

func getMap(m map[string]any, k string) map[string]any {
	v, _ := m[k].(map[string]any)
	return v
}

func idOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		s, _ := x["id"].(string)
		return s
	}
	return ""
}

// hostOf is the host (with port) of the loopback issuer's origin.
func hostOf(is *testissuer.VC) string { return strings.TrimPrefix(is.Origin, "http://") }
