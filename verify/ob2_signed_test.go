package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
)

func signers(t *testing.T) map[string]crypto.Signer {
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"RS256": testRSAKey(t), "EdDSA": ed, "ES256": ec}
}

func TestSignedValid(t *testing.T) {
	for alg, key := range signers(t) {
		t.Run(alg, func(t *testing.T) {
			f, jws := signedWorld(t, alg, key, nil)
			r := Verify(t.Context(), []byte(jws), opts(f, email))
			wantVerdict(t, r, VerdictValid)
			if r.Format != FormatOB2Signed {
				t.Errorf("format %s", r.Format)
			}
			for _, id := range []string{CheckParse, CheckContext, CheckType, CheckSignature, CheckKey, CheckIssuer, CheckNotBefore, CheckExpiry, CheckRecipient} {
				checkStatus(t, r, id, StatusPass)
			}
			checkStatus(t, r, CheckStatus, StatusSkip) // no revocation list published
			if _, ok := r.Check(CheckHosted); ok {
				t.Error("a signed badge has no hosted check")
			}
		})
	}
}

func TestSignedNoCreatorUsesIssuerKeys(t *testing.T) {
	key := testRSAKey(t)
	f, jws := signedWorld(t, "RS256", key, func(a, iss, kd map[string]any) {
		a["verification"] = map[string]any{"type": "signed"}
		iss["publicKey"] = []any{"https://issuer.example/keys/old.json", keyURL}
	})
	r := Verify(t.Context(), []byte(jws), opts(f))
	wantVerdict(t, r, VerdictUnknown) // old.json answers 404: that key check is an error
	f.json("https://issuer.example/keys/old.json", map[string]any{"id": "https://issuer.example/keys/old.json",
		"owner": issuerURL, "publicKeyPem": pemOf(t, signers(t)["ES256"].Public())})
	r = Verify(t.Context(), []byte(jws), opts(f))
	wantVerdict(t, r, VerdictValid)
}

func TestSignedFailures(t *testing.T) {
	key := testRSAKey(t)
	tests := []struct {
		name    string
		mutate  func(a, iss, kd map[string]any)
		after   func(f *fakeFetcher, jws string) string
		check   string
		status  string
		verdict string
	}{
		{"tampered payload", nil, func(f *fakeFetcher, jws string) string {
			p := strings.Split(jws, ".")
			a := assertionDoc()
			a["verification"] = map[string]any{"type": "SignedBadge", "creator": keyURL}
			a["issuedOn"] = "2020-01-01T00:00:00Z"
			other := signJWS(t, "RS256", key, a)
			return p[0] + "." + strings.Split(other, ".")[1] + "." + p[2]
		}, CheckSignature, StatusFail, VerdictInvalid},
		{"key owner mismatch", func(a, iss, kd map[string]any) { kd["owner"] = "https://evil.example/issuer" }, nil, CheckKey, StatusFail, VerdictInvalid},
		{"creator not listed by issuer", func(a, iss, kd map[string]any) {
			a["verification"] = map[string]any{"type": "SignedBadge", "creator": "https://evil.example/key.json"}
		}, nil, CheckKey, StatusFail, VerdictInvalid},
		{"issuer lists no key", func(a, iss, kd map[string]any) { delete(iss, "publicKey") }, nil, CheckKey, StatusFail, VerdictInvalid},
		{"other key", nil, func(f *fakeFetcher, jws string) string {
			f.json(keyURL, map[string]any{"id": keyURL, "owner": issuerURL, "publicKeyPem": pemOf(t, signers(t)["ES256"].Public())})
			return jws
		}, CheckSignature, StatusFail, VerdictInvalid},
		{"key unreachable", nil, func(f *fakeFetcher, jws string) string { f.fail(keyURL); return jws }, CheckKey, StatusError, VerdictUnknown},
		{"issuer unreachable", nil, func(f *fakeFetcher, jws string) string { f.fail(issuerURL); return jws }, CheckSignature, StatusError, VerdictUnknown},
		{"revocation list hit", func(a, iss, kd map[string]any) { iss["revocationList"] = revURL }, func(f *fakeFetcher, jws string) string {
			f.json(revURL, map[string]any{"type": "RevocationList", "id": revURL, "revokedAssertions": []any{
				"urn:uuid:other", map[string]any{"id": "urn:uuid:8b0c6b1e-5a44-4f1e-9b53-6c2e4a1d1f00", "revocationReason": "plagiarism"}}})
			return jws
		}, CheckStatus, StatusFail, VerdictInvalid},
		{"revocation list miss", func(a, iss, kd map[string]any) { iss["revocationList"] = revURL }, func(f *fakeFetcher, jws string) string {
			f.json(revURL, map[string]any{"type": "RevocationList", "id": revURL, "revokedAssertions": []any{"urn:uuid:other"}})
			return jws
		}, CheckStatus, StatusPass, VerdictValid},
		{"revocation list unreachable", func(a, iss, kd map[string]any) { iss["revocationList"] = revURL }, func(f *fakeFetcher, jws string) string {
			f.fail(revURL)
			return jws
		}, CheckStatus, StatusError, VerdictUnknown},
		{"payload says hosted", func(a, iss, kd map[string]any) { a["verification"] = map[string]any{"type": "hosted"} }, nil, CheckSchema, StatusFail, VerdictInvalid},
		{"expired", func(a, iss, kd map[string]any) { a["expires"] = "2026-02-01T00:00:00Z" }, nil, CheckExpiry, StatusFail, VerdictInvalid},
		{"private key in pem", nil, func(f *fakeFetcher, jws string) string {
			f.json(keyURL, map[string]any{"id": keyURL, "owner": issuerURL, "publicKeyPem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"})
			return jws
		}, CheckKey, StatusFail, VerdictInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, jws := signedWorld(t, "RS256", key, tt.mutate)
			if tt.after != nil {
				jws = tt.after(f, jws)
			}
			r := Verify(t.Context(), []byte(jws), opts(f))
			checkStatus(t, r, tt.check, tt.status)
			wantVerdict(t, r, tt.verdict)
		})
	}
}

func TestSignedAlgConfusion(t *testing.T) {
	// An Ed25519-signed JWS whose header claims RS256 must not verify.
	s := signers(t)
	f, jws := signedWorld(t, "EdDSA", s["EdDSA"], nil)
	p := strings.Split(jws, ".")
	p[0] = "eyJhbGciOiJSUzI1NiJ9" // {"alg":"RS256"}
	r := Verify(t.Context(), []byte(strings.Join(p, ".")), opts(f))
	wantVerdict(t, r, VerdictInvalid)
	for _, alg := range []string{`{"alg":"HS256"}`, `{"alg":"none"}`} {
		p[0] = b64(alg)
		r = Verify(t.Context(), []byte(strings.Join(p, ".")), opts(f))
		wantVerdict(t, r, VerdictInvalid)
		checkStatus(t, r, CheckSignature, StatusFail)
	}
}

func TestSignedJSONWithoutJWS(t *testing.T) {
	f := newFake()
	a := assertionDoc()
	a["verification"] = map[string]any{"type": "SignedBadge"}
	r := Verify(t.Context(), mustJSON(a), opts(f))
	wantVerdict(t, r, VerdictInvalid)
	checkStatus(t, r, CheckSignature, StatusFail)
}

// An embedded issuer profile with an http(s) id is refetched from that id,
// so a payload cannot bring its own key list.
func TestSignedEmbeddedIssuerIsRefetched(t *testing.T) {
	key := testRSAKey(t)
	attacker := signers(t)["EdDSA"]
	f, _ := signedWorld(t, "RS256", key, nil)
	evilKey := "https://evil.example/key.json"
	f.json(evilKey, map[string]any{"id": evilKey, "owner": issuerURL, "publicKeyPem": pemOf(t, attacker.Public())})
	a := assertionDoc()
	a["id"] = "urn:uuid:1"
	a["verification"] = map[string]any{"type": "SignedBadge", "creator": evilKey}
	b := badgeDoc()
	iss := issuerDoc()
	iss["publicKey"] = evilKey
	b["issuer"] = iss
	a["badge"] = b
	r := Verify(t.Context(), []byte(signJWS(t, "EdDSA", attacker, a)), opts(f))
	wantVerdict(t, r, VerdictInvalid)
	checkStatus(t, r, CheckKey, StatusFail)
}

// A signed badge whose issuer profile is embedded with no http(s) id can
// only be self-asserted: it verifies, but key and trust say so.
func TestSignedSelfAssertedIssuer(t *testing.T) {
	key := signers(t)["EdDSA"]
	f := newFake()
	const kid = "https://self.example/key.json"
	f.json(kid, map[string]any{"id": kid, "owner": "urn:uuid:issuer", "publicKeyPem": pemOf(t, key.Public())})
	iss := map[string]any{"type": "Issuer", "id": "urn:uuid:issuer", "name": "Famous University", "url": "https://famous.example", "publicKey": kid}
	b := badgeDoc()
	b["issuer"] = iss
	a := assertionDoc()
	a["badge"] = b
	a["verification"] = map[string]any{"type": "SignedBadge", "creator": kid}
	r := Verify(t.Context(), []byte(signJWS(t, "EdDSA", key, a)), opts(f))
	wantVerdict(t, r, VerdictValid)
	checkStatus(t, r, CheckKey, StatusWarn)
	checkStatus(t, r, CheckIssuer, StatusWarn)
	checkStatus(t, r, CheckTrust, StatusWarn)
}
