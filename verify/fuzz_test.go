package verify

import (
	"context"
	"errors"
	"testing"

	"github.com/cairn-pl/cairn/verify/bake"
)

// errFetcher refuses every fetch, like a machine with no network.
type errFetcher struct{}

func (errFetcher) Fetch(context.Context, string, string) (*Response, error) {
	return nil, errors.New("offline")
}

func FuzzVerifyInput(f *testing.F) {
	_, hosted := hostedWorld(f)
	f.Add(hosted)
	_, jws := signedWorld(f, "RS256", testRSAKey(f), nil)
	f.Add([]byte(jws))
	f.Add([]byte(assertURL))
	f.Add([]byte(`{"recipient":"a@b.c","salt":"x","issued_on":"2013-06-01","badge":{"name":"n","issuer":{"origin":"https://x.example","org":"o"}}}`))
	f.Add([]byte(`{"uid":"1","recipient":{"type":"email","identity":"a@b.c"},"badge":"https://x.example/b","verify":{"type":"signed","url":"https://x.example/k.pem"},"issuedOn":"1388534400"}`))
	f.Add([]byte(`{"@context":"https://w3id.org/openbadges/v1","type":"Assertion","verify":{"type":"hosted"},"badge":{"issuer":{}}}`))
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"]}`))
	f.Add([]byte(`{"badge":[1,2],"recipient":[],"verification":"hosted","issuedOn":5,"expires":{}}`))
	f.Add([]byte("eyJhbGciOiJSUzI1NiJ9.W10.AA"))
	f.Add([]byte("a.b.c"))
	f.Add([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
	if png, err := bake.Bake(minimalPNG(), bake.KeywordOB2, hosted); err == nil {
		f.Add(png)
	}
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := Verify(context.Background(), in, Options{Fetcher: errFetcher{}, Now: fixedNow, Recipients: []string{"a@b.c"}})
		switch r.Verdict {
		case VerdictValid, VerdictInvalid, VerdictUnknown:
		default:
			t.Fatalf("verdict %q", r.Verdict)
		}
		if len(r.Checks) == 0 {
			t.Fatal("no checks")
		}
		// Offline, nothing can be valid.
		if r.Verdict == VerdictValid {
			t.Fatalf("valid with no network: %s", dump(r))
		}
		for _, c := range r.Checks {
			if severity(c.Status) == 0 && c.Status != StatusSkip {
				t.Fatalf("bad status %q", c.Status)
			}
		}
	})
}
