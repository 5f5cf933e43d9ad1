package wallet_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

// FuzzImport feeds arbitrary bytes to Import with a fetcher that always
// fails: it must never panic, and bad input must be a ValidationError.
func FuzzImport(f *testing.F) {
	for _, seed := range []string{
		"", "{}", "null", "{not json", `{"@context":"https://w3id.org/openbadges/v2","type":"Assertion","id":"https://x.example/a/1"}`,
		`{"url":"https://x.example/a"}`, "https://x.example/assertions/1", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
		"\x89PNG\r\n\x1a\n", "<svg xmlns='http://www.w3.org/2000/svg'/>", "\x00\xff",
	} {
		f.Add([]byte(seed))
	}
	failing := verify.FetcherFunc(func(context.Context, string, string) (*verify.Response, error) {
		return nil, errors.New("offline")
	})
	w := wallet.New(storetest.New(f), failing, nil, quietLogger())
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := w.Import(context.Background(), data, "")
		if err != nil {
			var ve *wallet.ValidationError
			if !errors.As(err, &ve) && !errors.Is(err, wallet.ErrTooLarge) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		if c.ID == 0 || c.Verdict == "valid" {
			t.Fatalf("offline import stored %+v", c)
		}
	})
}
