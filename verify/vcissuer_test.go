package verify

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/sign"
)

// vcIssuer is a loopback issuer of Open Badges 3.0 credentials: a did:web
// document, status lists and a JWKS, served by an httptest server, with
// keys generated in the test.
type vcIssuer struct {
	t      testing.TB
	srv    *httptest.Server
	origin string // http://127.0.0.1:port
	did    string // did:web:127.0.0.1%3Aport
	vm     string // did#key-1 (Ed25519 Multikey)
	key    ed25519.PrivateKey
	ecKey  *ecdsa.PrivateKey
	rsaKey *rsa.PrivateKey

	mu    sync.Mutex
	bits  map[string][]byte // status purpose → list
	down  bool              // status lists answer 503
	extra map[string][]byte // more documents by path
	hits  map[string]int
}

const (
	testEmail = "learner@example.org"
	testSalt  = "s4lt"
)

var testNowVC = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newVCIssuer(t testing.TB) *vcIssuer {
	t.Helper()
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	is := &vcIssuer{t: t, key: k, ecKey: ec, rsaKey: rk,
		bits:  map[string][]byte{"revocation": make([]byte, 16<<10), "suspension": make([]byte, 16<<10)},
		extra: map[string][]byte{}, hits: map[string]int{}}
	is.srv = httptest.NewServer(http.HandlerFunc(is.serve))
	t.Cleanup(is.srv.Close)
	is.origin = is.srv.URL
	is.did = "did:web:" + strings.ReplaceAll(strings.TrimPrefix(is.srv.URL, "http://"), ":", "%3A")
	is.vm = is.did + "#key-1"
	return is
}

func (is *vcIssuer) serve(w http.ResponseWriter, r *http.Request) {
	is.mu.Lock()
	is.hits[r.URL.Path]++
	down := is.down
	extra, hasExtra := is.extra[r.URL.Path]
	is.mu.Unlock()
	switch {
	case hasExtra:
		w.Write(extra)
	case r.URL.Path == "/.well-known/did.json":
		json.NewEncoder(w).Encode(is.didDocument())
	case r.URL.Path == "/.well-known/jwks.json":
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: is.rsaKey.Public(), KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
			{Key: is.ecKey.Public(), KeyID: "ec-1", Algorithm: "ES256", Use: "sig"},
		}})
	case strings.HasPrefix(r.URL.Path, "/status/"):
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		purpose := strings.TrimPrefix(r.URL.Path, "/status/")
		b, err := json.Marshal(is.statusListCredential(purpose))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

func (is *vcIssuer) didDocument() map[string]any {
	ecJWK, _ := json.Marshal(jose.JSONWebKey{Key: is.ecKey.Public()})
	var ecMap map[string]any
	json.Unmarshal(ecJWK, &ecMap)
	return map[string]any{
		"@context": []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		"id":       is.did,
		"verificationMethod": []any{
			map[string]any{"id": is.vm, "type": "Multikey", "controller": is.did,
				"publicKeyMultibase": did.EncodeMultikey(is.key.Public().(ed25519.PublicKey))},
			map[string]any{"id": is.did + "#key-ec", "type": "JsonWebKey2020", "controller": is.did, "publicKeyJwk": ecMap},
			map[string]any{"id": is.did + "#not-for-assertions", "type": "Multikey", "controller": is.did,
				"publicKeyMultibase": did.EncodeMultikey(is.key.Public().(ed25519.PublicKey))},
		},
		"assertionMethod": []any{is.vm, is.did + "#key-ec"},
	}
}

// setBit sets a status bit (bit 0 is the most significant bit of byte 0).
func (is *vcIssuer) setBit(purpose string, index int) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.bits[purpose][index/8] |= 0x80 >> (index % 8)
}

func (is *vcIssuer) statusListCredential(purpose string) map[string]any {
	is.mu.Lock()
	bits := append([]byte(nil), is.bits[purpose]...)
	is.mu.Unlock()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(bits)
	zw.Close()
	doc := map[string]any{
		"@context":  []any{ctxVC2},
		"id":        is.origin + "/status/" + purpose,
		"type":      []any{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer":    is.did,
		"validFrom": "2026-01-01T00:00:00Z",
		"credentialSubject": map[string]any{
			"id": is.origin + "/status/" + purpose + "#list", "type": "BitstringStatusList",
			"statusPurpose": purpose, "encodedList": "u" + base64.RawURLEncoding.EncodeToString(z.Bytes()),
		},
	}
	return is.sign(doc, sign.RDFC)
}

// credential builds an unsigned Open Badges 3.0 credential for
// testEmail, with a revocation and a suspension entry at index.
func (is *vcIssuer) credential(index int) map[string]any {
	h := sha256.Sum256([]byte(testEmail + testSalt))
	return map[string]any{
		"@context": []any{ctxVC2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"},
		"id":       "urn:uuid:2f4b2d0e-6a8e-4c8e-9a53-7d1c5e3b9f10",
		"type":     []any{"VerifiableCredential", "OpenBadgeCredential"},
		"name":     "Web Publishing",
		"issuer": map[string]any{"id": is.did, "type": []any{"Profile"}, "name": "Loopback Academy",
			"url": is.origin + "/"},
		"validFrom": "2026-01-15T10:00:00Z",
		"credentialSubject": map[string]any{
			"type": []any{"AchievementSubject"},
			"identifier": []any{map[string]any{"type": "IdentityObject", "identityType": "emailAddress",
				"hashed": true, "salt": testSalt, "identityHash": "sha256$" + hex.EncodeToString(h[:])}},
			"achievement": map[string]any{
				"id": is.origin + "/achievements/web", "type": []any{"Achievement"},
				"name": "Web Publishing", "description": "Publishes a post on the open web.",
				"criteria": map[string]any{"narrative": "Write and publish a post."},
				"alignment": []any{map[string]any{"type": []any{"Alignment"}, "targetName": "HTML",
					"targetUrl": "https://example.org/skills/html", "targetFramework": "Web Skills"}},
			},
		},
		"credentialStatus": []any{
			is.statusEntry("revocation", index), is.statusEntry("suspension", index),
		},
	}
}

func (is *vcIssuer) statusEntry(purpose string, index int) map[string]any {
	return map[string]any{"id": is.origin + "/status/" + purpose + "#" + itoa(index), "type": "BitstringStatusListEntry",
		"statusPurpose": purpose, "statusListIndex": itoa(index), "statusListCredential": is.origin + "/status/" + purpose}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// sign adds an Ed25519 Data Integrity proof by the issuer's key.
func (is *vcIssuer) sign(doc map[string]any, suite string) map[string]any {
	is.t.Helper()
	out, err := sign.AddProof(roundTrip(is.t, doc), is.key, sign.Options{Suite: suite, VerificationMethod: is.vm,
		Created: time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		is.t.Fatal(err)
	}
	return out
}

// jwt signs the credential as a VC-JWT (VCDM 2.0 payload).
func (is *vcIssuer) jwt(doc map[string]any, key crypto.Signer, kid string) string {
	is.t.Helper()
	claims := roundTrip(is.t, doc)
	claims["iss"] = idOf(doc["issuer"])
	claims["jti"] = doc["id"]
	if t, ok := parseDateTime(getStr(doc, "validFrom")); ok {
		claims["nbf"] = t.Unix()
	}
	s, err := sign.JWT(claims, key, map[string]any{"kid": kid, "typ": "JWT"})
	if err != nil {
		is.t.Fatal(err)
	}
	return s
}

// roundTrip turns Go maps into decoded JSON (numbers as json.Number, as
// Verify sees them).
func roundTrip(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// fetcher reaches the loopback issuer over plain HTTP (the test stands in
// for internal/netx with the private network allowed).
func (is *vcIssuer) fetcher() Fetcher {
	return FetcherFunc(func(ctx context.Context, u, accept string) (*Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(u, "https://"+strings.TrimPrefix(is.origin, "http://")) {
			return nil, errors.New("tls: the loopback issuer speaks plain http")
		}
		if !strings.HasPrefix(u, is.origin) {
			return &Response{Status: 404, URL: u}, nil
		}
		req.Header.Set("Accept", accept)
		resp, err := is.srv.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		if err != nil {
			return nil, err
		}
		return &Response{Status: resp.StatusCode, URL: u, Body: b, ContentType: resp.Header.Get("Content-Type")}, nil
	})
}

func (is *vcIssuer) options() Options {
	return Options{Fetcher: is.fetcher(), Now: func() time.Time { return testNowVC }, Recipients: []string{testEmail}}
}
