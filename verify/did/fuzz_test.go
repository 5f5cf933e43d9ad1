package did

import (
	"strings"
	"testing"
)

func FuzzParseDocument(f *testing.F) {
	const did = "did:web:issuer.example"
	mk := strings.TrimPrefix(specDIDKey, "did:key:")
	f.Add([]byte(`{"id":"did:web:issuer.example","verificationMethod":[{"id":"#k","type":"Multikey","controller":"did:web:issuer.example","publicKeyMultibase":"`+mk+`"}],"assertionMethod":["#k"]}`), did)
	f.Add([]byte(`{"id":"did:web:issuer.example","assertionMethod":[{"id":"did:web:issuer.example#j","type":"JsonWebKey2020","controller":["did:web:issuer.example"],"publicKeyJwk":{"kty":"OKP","crv":"Ed25519","x":"`+specJWKX+`"}}]}`), did)
	f.Add([]byte(`{"id":"https://issuer.example/keys/1","type":"Ed25519VerificationKey2018","controller":"https://issuer.example/","publicKeyBase58":"8bu6eP2PDqA4G5PoGZAsW4wHwgJ3Y6qfb5HXeMkGxhPt"}`), "https://issuer.example/keys/1")
	f.Add([]byte(`{"verificationMethod":{"id":"keys/2","type":"Multikey","publicKeyMultibase":"`+p256Key+`"},"authentication":"#x"}`), "https://issuer.example/profile")
	f.Add([]byte(`{"id":null,"verificationMethod":null,"assertionMethod":[1,true]}`), "")
	f.Add([]byte(`[]`), did)
	f.Add([]byte(`{"id":"#a","verificationMethod":[{"id":"#a","publicKeyJwk":{"kty":"EC","crv":"P-256","x":"`+p256X+`","y":"`+p256Y+`"}},{"id":"#a"}]}`), did)
	f.Fuzz(func(t *testing.T, body []byte, base string) {
		if len(body) > 1<<16 {
			return
		}
		d, err := ParseDocument(body, base)
		if err != nil {
			return
		}
		for _, id := range d.MethodIDs() {
			m, err := d.Lookup(id)
			if err != nil {
				continue
			}
			if m.ID != id || m.Key == nil {
				t.Fatalf("Lookup(%q) = %+v", id, m)
			}
		}
		_, _ = d.Self()
		_ = d.AssertionMethods()
	})
}

func FuzzParseWebDID(f *testing.F) {
	for _, s := range []string{"did:web:example.com", "did:web:example.com%3A8443:a:b#k", "did:web:%5B%3A%3A1%5D%3A1", "did:web:a:..", "did:web:a%2Fb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := WebDIDURL(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(u, "https://") || !strings.HasSuffix(u, "/did.json") {
			t.Fatalf("WebDIDURL(%q) = %q", s, u)
		}
		pu, err := parseHTTPURL(u)
		if err != nil {
			t.Fatalf("WebDIDURL(%q) = %q is not a valid URL: %v", s, u, err)
		}
		if strings.Contains(pu.Path, "/../") || strings.Contains(pu.Path, "/./") {
			t.Fatalf("WebDIDURL(%q) = %q walks the path", s, u)
		}
	})
}
