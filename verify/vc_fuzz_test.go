package verify

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/verify/bake"
	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/sign"
)

// didKeyCredential signs a credential whose issuer is a did:key, so it
// verifies with no network at all.
func didKeyCredential(tb testing.TB, suite string) (map[string]any, ed25519.PrivateKey) {
	tb.Helper()
	is := newVCIssuer(tb)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	mk := did.EncodeMultikey(pub)
	doc := is.credential(1)
	delete(doc, "credentialStatus")
	doc["issuer"] = map[string]any{"id": "did:key:" + mk, "type": []any{"Profile"}, "name": "Offline Issuer"}
	out, err := sign.AddProof(roundTrip(tb, doc), priv, sign.Options{Suite: suite, VerificationMethod: "did:key:" + mk + "#" + mk,
		Created: testNowVC.AddDate(0, -2, 0)})
	if err != nil {
		tb.Fatal(err)
	}
	return out, priv
}

// FuzzVerifyVC feeds credential intake Verifiable Credentials as JSON, as
// VC-JWTs and baked: it must never panic, always give a verdict, and call
// nothing valid whose signature did not pass.
func FuzzVerifyVC(f *testing.F) {
	rdfc, key := didKeyCredential(f, sign.RDFC)
	jcsDoc, _ := didKeyCredential(f, sign.JCS)
	f.Add(mustJSON(rdfc))
	f.Add(mustJSON(jcsDoc))
	claims := roundTrip(f, rdfc)
	delete(claims, "proof")
	mk := did.EncodeMultikey(key.Public().(ed25519.PublicKey))
	tok, err := sign.JWT(claims, key, map[string]any{"kid": "did:key:" + mk + "#" + mk})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(tok))
	v11, _ := sign.JWT(map[string]any{"iss": "did:key:" + mk, "vc": map[string]any{"@context": []any{ctxVC11}}}, key, nil)
	f.Add([]byte(v11))
	if png, err := bake.Bake(minimalPNG(), bake.KeywordOB3, mustJSON(rdfc)); err == nil {
		f.Add(png)
	}
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiableCredential","proof":[{},1,"x"],"credentialStatus":{"type":"BitstringStatusListEntry","statusListIndex":"-1"}}`))
	f.Add([]byte(`{"@context":["https://www.w3.org/2018/credentials/v1",{"@vocab":"urn:x#"}],"issuer":{"id":5},"credentialSubject":[{"identifier":{"identityHash":3}}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := Verify(context.Background(), in, Options{Fetcher: errFetcher{}, Now: func() time.Time { return testNowVC }, Recipients: []string{testEmail}})
		switch r.Verdict {
		case VerdictValid, VerdictInvalid, VerdictUnknown:
		default:
			t.Fatalf("verdict %q", r.Verdict)
		}
		if r.Verdict == VerdictValid {
			if c, ok := r.Check(CheckSignature); !ok || (c.Status != StatusPass && c.Status != StatusWarn) {
				t.Fatalf("valid without a signature that holds: %s", dump(r))
			}
		}
	})
}
