package web

import (
	"strings"
	"testing"
)

// FuzzSafeNext: the post-login redirect comes from the query string. Any
// input must yield a path on this site.
func FuzzSafeNext(f *testing.F) {
	for _, seed := range []string{"/", "/admin/settings?x=1", "//evil.example", "/\\evil.example", "https://evil.example",
		"javascript:alert(1)", "", "/%2F%2Fevil", "/\r\nSet-Cookie: x=y", "\\/evil", "/\t/evil.example"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsFunc(got, unsafeInURL) {
			t.Fatalf("safeNext(%q) = %q leaves the site", next, got)
		}
	})
}
