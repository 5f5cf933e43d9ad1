package ld

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzCanonize feeds arbitrary JSON to Canonize: it must return (an error or
// N-Quads) without panicking or hanging, and only ever use embedded contexts.
func FuzzCanonize(f *testing.F) {
	seed, _ := json.Marshal(credential())
	f.Add(seed)
	f.Add([]byte(`{"@context":"https://www.w3.org/ns/credentials/v2","type":"VerifiableCredential","credentialSubject":{"id":"did:example:1"}}`))
	f.Add([]byte(`{"@context":["https://www.w3.org/2018/credentials/v1","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"],"type":["VerifiableCredential","OpenBadgeCredential"],"issuer":{"id":"https://example.com/i","type":"Profile"}}`))
	f.Add([]byte(`{"@context":{"@vocab":"http://example.com/"},"@graph":[{"@id":"_:a","p":{"@id":"_:b"}},{"@id":"_:b","p":{"@id":"_:a"}}]}`))
	f.Add([]byte(`{"@context":[null,{"@import":"https://w3id.org/security/multikey/v1"}],"@id":"x"}`))
	f.Add([]byte(`{"@context":{"p":{"@id":"http://e/p","@container":"@list"}},"p":[1,2.5,true,"s",{"@value":"v","@language":"en"}]}`))
	f.Add([]byte(`[{"@id":"http://e/s","http://e/p":{"@json":{"a":1},"@type":"@json"}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		var doc any
		if json.Unmarshal(data, &doc) != nil {
			return
		}
		out, err := Canonize(doc)
		if err == nil && out == nil && len(data) == 0 {
			t.Fatal("nil output without error")
		}
		var uce *UnknownContextError
		if errors.As(err, &uce) && out != nil {
			t.Fatal("output with an error")
		}
	})
}
