package account_test

import (
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/account"
)

// FuzzNormaliseIdentity: identities arrive from forms and the API. The
// normaliser must never panic, must only produce mailto: or http(s) URIs,
// and must be idempotent, or the same person could be stored twice.
func FuzzNormaliseIdentity(f *testing.F) {
	for _, seed := range []string{"ada@example.org", "MAILTO:Ada@Example.org", "https://Ada.Example", "http://x.example/a?b#c",
		"", " ", "not an email", "javascript:alert(1)", "a@b", "https://", "mailto:", "\"a b\"@example.org", "ftp://x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := account.NormaliseIdentity(raw)
		if err != nil || id == "" {
			return
		}
		if !strings.HasPrefix(id, "mailto:") && !strings.HasPrefix(id, "http://") && !strings.HasPrefix(id, "https://") {
			t.Fatalf("%q normalised to %q", raw, id)
		}
		again, err := account.NormaliseIdentity(id)
		if err != nil || again != id {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", raw, id, again, err)
		}
	})
}
