package did

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/multiformats/go-multibase"
)

func jwkJSON(t testing.TB, key any, kid string) map[string]any {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHTTPSControllerDocument(t *testing.T) {
	k1, k2, k3 := newKey(t), newKey(t), newKey(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	ts := httptest.NewTLSServer(serveJSON(paths, nil))
	defer ts.Close()
	base := ts.URL
	profile := base + "/profile"
	paths["/profile"] = mustJSON(t, map[string]any{
		"@context": []string{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"},
		"id":       profile,
		"type":     "Profile",
		"name":     "Test issuer",
		"verificationMethod": []map[string]any{
			multikeyVM("#key-1", profile, k1),
			{"id": profile + "#key-ec", "type": "JsonWebKey", "controller": profile, "publicKeyJwk": jwkJSON(t, &ec.PublicKey, "")},
			multikeyVM("#not-asserted", profile, k3),
		},
		"assertionMethod": []any{"#key-1", profile + "#key-ec"},
	})
	// A method published on its own, controlled by the profile, which lists it.
	paths["/keys/2"] = mustJSON(t, map[string]any{
		"id": base + "/keys/2", "type": "Ed25519VerificationKey2020", "controller": base + "/owner",
		"publicKeyMultibase": EncodeMultikey(k2),
	})
	paths["/owner"] = mustJSON(t, map[string]any{"id": base + "/owner", "assertionMethod": []string{base + "/keys/2"}})
	paths["/keys/wrong-id"] = mustJSON(t, map[string]any{
		"id": base + "/keys/2", "type": "Multikey", "controller": profile, "publicKeyMultibase": EncodeMultikey(k2),
	})
	paths["/jwk/1"] = mustJSON(t, jwkJSON(t, k3, "whatever"))
	paths["/jwks.json"] = mustJSON(t, map[string]any{"keys": []any{jwkJSON(t, k1, "a"), jwkJSON(t, k2, "b")}})
	fetch := tlsFetch(ts)
	ctx := context.Background()

	m, err := Resolve(ctx, profile+"#key-1", fetch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != SourceHTTPS || m.Controller != profile || !m.AssertionMethod || !bytes.Equal(m.Key.(ed25519.PublicKey), k1) || m.URL != profile {
		t.Fatalf("key-1 = %+v", m)
	}
	if !m.ControlledBy(profile) || m.ControlledBy(base+"/other") {
		t.Fatal("ControlledBy")
	}

	m, err = Resolve(ctx, profile+"#key-ec", fetch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !SameKey(m.Key, &ec.PublicKey) || !m.AssertionMethod {
		t.Fatalf("key-ec = %+v", m)
	}

	m, err = Resolve(ctx, profile+"#not-asserted", fetch, Options{})
	if err != nil || m.AssertionMethod {
		t.Fatalf("not-asserted = %+v, %v", m, err)
	}

	_, err = Resolve(ctx, profile+"#missing", fetch, Options{})
	asInvalid(t, err, KindNotFound)
	if !MayFallBack(err) {
		t.Fatal("a missing method may fall back")
	}

	m, err = Resolve(ctx, base+"/keys/2", fetch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Controller != base+"/owner" || !m.AssertionMethod || !bytes.Equal(m.Key.(ed25519.PublicKey), k2) {
		t.Fatalf("keys/2 = %+v", m)
	}

	_, err = Resolve(ctx, base+"/keys/wrong-id", fetch, Options{})
	asInvalid(t, err, KindMismatch)
	if MayFallBack(err) {
		t.Fatal("a mismatch must not fall back")
	}

	m, err = Resolve(ctx, base+"/jwk/1", fetch, Options{})
	if err != nil || !bytes.Equal(m.Key.(ed25519.PublicKey), k3) || m.Controller != "" {
		t.Fatalf("jwk/1 = %+v, %v", m, err)
	}
	m, err = Resolve(ctx, base+"/jwks.json#b", fetch, Options{})
	if err != nil || !bytes.Equal(m.Key.(ed25519.PublicKey), k2) {
		t.Fatalf("jwks.json#b = %+v, %v", m, err)
	}
	_, err = Resolve(ctx, base+"/jwks.json#c", fetch, Options{})
	asInvalid(t, err, KindNotFound)
	_, err = Resolve(ctx, base+"/jwks.json", fetch, Options{})
	asInvalid(t, err, KindNotFound) // two keys, no kid

	_, err = Resolve(ctx, base+"/nothing#key-1", fetch, Options{})
	inv := asInvalid(t, err, KindNotFound)
	if !strings.Contains(inv.Error(), base+"/nothing") || !strings.Contains(inv.Error(), "404") {
		t.Fatalf("error %v", inv)
	}
}

func TestSelfAsserted(t *testing.T) {
	k := newKey(t)
	mk := EncodeMultikey(k)
	for _, c := range []struct{ id, ctrl string }{
		{"https://issuer.example/#" + mk, "https://issuer.example/"},
		{"https://issuer.example/issuers/1#" + mk, "https://issuer.example/issuers/1"},
		{"urn:uuid:2f7a3b1e-0000-4000-8000-000000000001#" + mk, "urn:uuid:2f7a3b1e-0000-4000-8000-000000000001"},
	} {
		m, ok := SelfAsserted(c.id)
		if !ok {
			t.Fatalf("SelfAsserted(%q) refused", c.id)
		}
		if m.Source != SourceEmbedded || m.AssertionMethod || m.Controller != c.ctrl || !bytes.Equal(m.Key.(ed25519.PublicKey), k) {
			t.Fatalf("SelfAsserted(%q) = %+v", c.id, m)
		}
		if !m.ControlledBy(c.ctrl) {
			t.Fatal("ControlledBy")
		}
	}
	for _, id := range []string{
		"did:key:" + mk + "#" + mk,
		"did:web:issuer.example#" + mk,
		"https://issuer.example/",
		"https://issuer.example/#key-1",
		"https://issuer.example/#" + secp256k1MK,
		"#" + mk,
	} {
		if _, ok := SelfAsserted(id); ok {
			t.Errorf("SelfAsserted(%q) accepted", id)
		}
	}

	// The flow: the document is tried first (here unreachable: no route,
	// never DNS), then the caller falls back.
	id := "https://issuer.example/#" + mk
	mf := newMapFetch()
	_, err := Resolve(context.Background(), id, mf.fetch, Options{})
	if !MayFallBack(err) {
		t.Fatalf("unreachable: %v", err)
	}
	if calls := mf.called(); len(calls) != 1 || calls[0] != "https://issuer.example/" {
		t.Fatalf("fetched %v", calls)
	}
	// An HTML home page also leaves room for the fallback.
	mf.set("https://issuer.example/", 200, "<!doctype html><title>Issuer</title>")
	_, err = Resolve(context.Background(), id, mf.fetch, Options{})
	asInvalid(t, err, KindMalformed)
	if !MayFallBack(err) {
		t.Fatal("HTML page should allow fallback")
	}
	// A profile that defines the method decides.
	mf.set("https://issuer.example/", 200, mustJSON(t, map[string]any{
		"id": "https://issuer.example/", "verificationMethod": []any{multikeyVM("#"+mk, "https://issuer.example/", k)},
		"assertionMethod": []string{"#" + mk},
	}))
	m, err := Resolve(context.Background(), id, mf.fetch, Options{})
	if err != nil || m.Source != SourceHTTPS || !m.AssertionMethod {
		t.Fatalf("profile = %+v, %v", m, err)
	}
}

func TestEd25519VerificationKey2018Base58(t *testing.T) {
	want, _ := base64.RawURLEncoding.DecodeString(specJWKX)
	b58 := strings.TrimPrefix(EncodeMultikey(want), "z") // not the key: has the 0xed01 prefix
	raw, _ := multibase.Encode(multibase.Base58BTC, want)
	const did = "did:web:issuer.example"
	mf := newMapFetch()
	mf.set("https://issuer.example/.well-known/did.json", 200, mustJSON(t, didDoc(did, []map[string]any{
		{"id": "#a", "type": "Ed25519VerificationKey2018", "controller": did, "publicKeyBase58": raw[1:]},
		{"id": "#b", "type": "Ed25519VerificationKey2018", "controller": did, "publicKeyBase58": b58},
		{"id": "#c", "type": "Ed25519VerificationKey2018", "controller": did, "publicKeyJwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": specJWKX}},
		{"id": "#d", "type": "Ed25519VerificationKey2018", "controller": did, "publicKeyJwk": map[string]any{"kty": "EC", "crv": "P-256", "x": p256X, "y": p256Y}},
	}, []any{"#a", "#c"}, nil)))
	for _, frag := range []string{"#a", "#c"} {
		m, err := Resolve(context.Background(), did+frag, mf.fetch, Options{})
		if err != nil || !bytes.Equal(m.Key.(ed25519.PublicKey), want) || m.Type != "Ed25519VerificationKey2018" {
			t.Fatalf("%s = %+v, %v", frag, m, err)
		}
	}
	_, err := Resolve(context.Background(), did+"#b", mf.fetch, Options{})
	asInvalid(t, err, KindBadKey)
	_, err = Resolve(context.Background(), did+"#d", mf.fetch, Options{})
	inv := asInvalid(t, err, KindBadKey)
	if !strings.Contains(inv.Error(), "ECDSA P-256") {
		t.Fatalf("error %v", inv)
	}
}

func TestParseJWK(t *testing.T) {
	k := newKey(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	good := []map[string]any{jwkJSON(t, k, "k1"), jwkJSON(t, &ec.PublicKey, "")}
	for _, g := range good {
		if _, _, err := ParseJWK(json.RawMessage(mustJSON(t, g))); err != nil {
			t.Fatalf("ParseJWK(%v): %v", g, err)
		}
	}
	key, kid, err := ParseJWK(json.RawMessage(mustJSON(t, good[0])))
	if err != nil || kid != "k1" || !SameKey(key, k) {
		t.Fatalf("ParseJWK = %v %q %v", key, kid, err)
	}

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	withD := jwkJSON(t, priv, "k") // has "d"
	encUse := jwkJSON(t, k, "k")
	encUse["use"] = "enc"
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		jwk  any
		want string
	}{
		{withD, `private member "d"`},
		{map[string]any{"kty": "oct", "k": "c2VjcmV0"}, "symmetric"},
		{map[string]any{"kty": "OKP", "crv": "Ed25519"}, "missing x"},
		{map[string]any{"kty": "OKP", "crv": "X25519", "x": specJWKX}, "kty OKP"},
		{map[string]any{"crv": "Ed25519", "x": specJWKX}, "no kty"},
		{encUse, `use is "enc"`},
		{jwkJSON(t, &small.PublicKey, ""), "1024 bits"},
		{"a string", "not a JSON object"},
		{nil, "null"},
	}
	for _, b := range bad {
		_, _, err := ParseJWK(json.RawMessage(mustJSON(t, b.jwk)))
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("ParseJWK(%v) error = %v, want %q", b.jwk, err, b.want)
		}
	}
	// A DID document VM with a private JWK is refused.
	const did = "did:web:issuer.example"
	mf := newMapFetch()
	mf.set("https://issuer.example/.well-known/did.json", 200, mustJSON(t, didDoc(did,
		[]map[string]any{{"id": "#k", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": withD}}, []any{"#k"}, nil)))
	_, err = Resolve(context.Background(), did+"#k", mf.fetch, Options{})
	asInvalid(t, err, KindBadKey)
}

func TestFindInJWKS(t *testing.T) {
	k1, k2, other := newKey(t), newKey(t), newKey(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	paths := map[string]string{}
	ts := httptest.NewTLSServer(serveJSON(paths, nil))
	defer ts.Close()
	paths["/.well-known/jwks.json"] = mustJSON(t, map[string]any{"keys": []any{
		jwkJSON(t, k1, "key-1"),
		jwkJSON(t, &ec.PublicKey, ""),
		jwkJSON(t, k2, "key-2"),
		jwkJSON(t, priv, "leaked"),
		map[string]any{"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
	}})
	fetch := tlsFetch(ts)
	issuer := ts.URL + "/issuers/1"
	ctx := context.Background()

	m, err := FindInJWKS(ctx, issuer, "key-2", k2, fetch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "key-2" || m.Controller != issuer || m.Source != SourceJWKS || !m.ControlledBy(issuer) || m.URL != ts.URL+"/.well-known/jwks.json" {
		t.Fatalf("by kid = %+v", m)
	}
	// kid only.
	m, err = FindInJWKS(ctx, issuer, "key-1", nil, fetch, Options{})
	if err != nil || !SameKey(m.Key, k1) {
		t.Fatalf("kid only = %+v, %v", m, err)
	}
	// kid with a different key.
	_, err = FindInJWKS(ctx, issuer, "key-1", k2, fetch, Options{})
	asInvalid(t, err, KindMismatch)
	// Thumbprint (no kid).
	m, err = FindInJWKS(ctx, issuer, "", &ec.PublicKey, fetch, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := Thumbprint(&ec.PublicKey)
	if m.ID != ts.URL+"/.well-known/jwks.json#"+tp || !SameKey(m.Key, &ec.PublicKey) {
		t.Fatalf("thumbprint = %+v", m)
	}
	m, err = FindInJWKS(ctx, issuer, "", k2, fetch, Options{})
	if err != nil || m.ID != "key-2" {
		t.Fatalf("thumbprint with kid = %+v, %v", m, err)
	}
	// Not in the set.
	_, err = FindInJWKS(ctx, issuer, "", other, fetch, Options{})
	inv := asInvalid(t, err, KindNotFound)
	if !strings.Contains(inv.Error(), "thumbprint") || !strings.Contains(inv.Error(), "/.well-known/jwks.json") {
		t.Fatalf("error %v", inv)
	}
	_, err = FindInJWKS(ctx, issuer, "key-9", nil, fetch, Options{})
	asInvalid(t, err, KindNotFound)
	// Keys with private parts in the set are never used.
	_, err = FindInJWKS(ctx, issuer, "leaked", nil, fetch, Options{})
	inv = asInvalid(t, err, KindBadKey)
	if !strings.Contains(inv.Error(), `"d"`) {
		t.Fatalf("error %v", inv)
	}
	_, err = FindInJWKS(ctx, issuer, "hmac", nil, fetch, Options{})
	asInvalid(t, err, KindBadKey)
	_, err = FindInJWKS(ctx, issuer, "", nil, fetch, Options{})
	asInvalid(t, err, KindMalformed)
	_, err = FindInJWKS(ctx, "urn:x:y", "key-1", nil, fetch, Options{})
	asInvalid(t, err, KindUnsupported)

	// Unreachable set.
	mf := newMapFetch()
	mf.set("https://issuer.example/.well-known/jwks.json", 503, "")
	_, err = FindInJWKS(ctx, "https://issuer.example/profile", "key-1", nil, mf.fetch, Options{})
	if u := asUnreachable(t, err); u.Status != 503 {
		t.Fatalf("unreachable = %+v", u)
	}
	mf.set("https://issuer.example/.well-known/jwks.json", 200, `{"nokeys": true}`)
	_, err = FindInJWKS(ctx, "https://issuer.example/profile", "key-1", nil, mf.fetch, Options{})
	asInvalid(t, err, KindMalformed)
}
