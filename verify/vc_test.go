package verify_test

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/sign"
)

// wantCheck fails the test unless the report has check id with status
// and, when given, a message containing words.
func wantCheck(t *testing.T, r verify.Report, id, status, words string) {
	t.Helper()
	c, ok := r.Check(id)
	if !ok {
		t.Fatalf("no %s check; report: %s", id, dump(r))
	}
	if c.Status != status {
		t.Fatalf("%s is %s (%s), want %s; report: %s", id, c.Status, c.Message, status, dump(r))
	}
	if words != "" && !strings.Contains(c.Message, words) {
		t.Fatalf("%s says %q, want it to mention %q", id, c.Message, words)
	}
}

func verifyDoc(t *testing.T, is *testissuer.VC, doc map[string]any, mutate ...func(*verify.Options)) verify.Report {
	t.Helper()
	o := is.Options()
	for _, m := range mutate {
		m(&o)
	}
	return verify.Verify(t.Context(), mustJSON(doc), o)
}

func TestVCDataIntegrityValid(t *testing.T) {
	is := newVCIssuer(t)
	for _, suite := range []string{sign.RDFC, sign.JCS} {
		t.Run(suite, func(t *testing.T) {
			r := verifyDoc(t, is, is.Sign(is.Credential(3), suite))
			if r.Verdict != verify.VerdictValid || r.Format != verify.FormatOB3DI {
				t.Fatalf("verdict %s format %s; report: %s", r.Verdict, r.Format, dump(r))
			}
			wantCheck(t, r, verify.CheckSignature, verify.StatusPass, suite)
			wantCheck(t, r, verify.CheckKey, verify.StatusPass, "did:web")
			wantCheck(t, r, verify.CheckIssuer, verify.StatusPass, is.DID)
			wantCheck(t, r, verify.CheckStatus, verify.StatusPass, "not revoked")
			wantCheck(t, r, verify.CheckRecipient, verify.StatusPass, testEmail)
			wantCheck(t, r, verify.CheckSchema, verify.StatusPass, "")
			wantCheck(t, r, verify.CheckTrust, verify.StatusWarn, "not in the trusted list")
			c := r.Credential
			if c.Name != "Web Publishing" || c.Issuer.Name != "Loopback Academy" || c.Issuer.ID != is.DID ||
				len(c.Skills) != 1 || c.Skills[0].Name != "HTML" || c.Issued != "2026-01-15T10:00:00Z" {
				t.Fatalf("summary %+v", c)
			}
		})
	}
}

func TestVCTrustedIssuer(t *testing.T) {
	is := newVCIssuer(t)
	doc := is.Sign(is.Credential(1), sign.RDFC)
	host := hostOf(is)
	for _, entry := range []string{is.DID, "https://" + host} {
		r := verifyDoc(t, is, doc, func(o *verify.Options) { o.TrustedIssuers = []string{"https://other.example", entry} })
		wantCheck(t, r, verify.CheckTrust, verify.StatusPass, entry)
	}
}

func TestVCTampered(t *testing.T) {
	is := newVCIssuer(t)
	doc := is.Sign(is.Credential(1), sign.RDFC)
	doc["name"] = "Rocket Science"
	r := verifyDoc(t, is, doc)
	if r.Verdict != verify.VerdictInvalid {
		t.Fatalf("verdict %s", r.Verdict)
	}
	wantCheck(t, r, verify.CheckSignature, verify.StatusFail, "no longer matches")
	wantCheck(t, r, verify.CheckStatus, verify.StatusSkip, "signature")

	jcsDoc := is.Sign(is.Credential(1), sign.JCS)
	getMap(getMap(jcsDoc, "credentialSubject"), "achievement")["name"] = "Rocket Science"
	wantCheck(t, verifyDoc(t, is, jcsDoc), verify.CheckSignature, verify.StatusFail, "no longer matches")
}

func TestVCUndefinedTerm(t *testing.T) {
	is := newVCIssuer(t)
	doc := is.Sign(is.Credential(1), sign.RDFC)
	// A term no context defines would not be signed by RDFC: refused.
	doc["grade"] = "A+"
	r := verifyDoc(t, is, doc)
	if r.Verdict != verify.VerdictInvalid {
		t.Fatalf("verdict %s; report: %s", r.Verdict, dump(r))
	}
	wantCheck(t, r, verify.CheckContext, verify.StatusFail, "grade")

	// Signed with the term (JCS signs every byte), it is still refused:
	// Open Badges credentials carry no undefined terms.
	un := is.Credential(1)
	un["grade"] = "A+"
	wantCheck(t, verifyDoc(t, is, is.Sign(un, sign.JCS)), verify.CheckContext, verify.StatusFail, "grade")

	unknownCtx := is.Credential(1)
	unknownCtx["@context"] = append(unknownCtx["@context"].([]any), "https://evil.example/context.json")
	// Contexts are never fetched: an unknown one leaves it unverifiable.
	wantCheck(t, verifyDoc(t, is, is.Sign(unknownCtx, sign.JCS)), verify.CheckContext, verify.StatusError, "evil.example")
}

func TestVCWrongKeyController(t *testing.T) {
	is := newVCIssuer(t)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	mk := did.EncodeMultikey(pub)
	other := "did:key:" + mk
	doc, err := sign.AddProof(roundTrip(t, is.Credential(1)), priv, sign.Options{VerificationMethod: other + "#" + mk, Created: testNowVC.AddDate(0, -1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	r := verifyDoc(t, is, doc)
	if r.Verdict != verify.VerdictInvalid {
		t.Fatalf("verdict %s", r.Verdict)
	}
	wantCheck(t, r, verify.CheckKey, verify.StatusFail, "not by the issuer")

	// A key of the issuer's DID document that is not an assertion method.
	doc2, err := sign.AddProof(roundTrip(t, is.Credential(1)), is.Key, sign.Options{VerificationMethod: is.DID + "#not-for-assertions", Created: testNowVC.AddDate(0, -1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	wantCheck(t, verifyDoc(t, is, doc2), verify.CheckKey, verify.StatusFail, "assertionMethod")
}

func TestVCSelfAssertedKey(t *testing.T) {
	is := newVCIssuer(t)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	issuer := "https://issuer.invalid/profile"
	doc := is.Credential(1)
	doc["issuer"] = map[string]any{"id": issuer, "type": []any{"Profile"}, "name": "Self"}
	delete(doc, "credentialStatus")
	signed, err := sign.AddProof(roundTrip(t, doc), priv, sign.Options{VerificationMethod: issuer + "#" + did.EncodeMultikey(pub), Created: testNowVC.AddDate(0, -1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	r := verifyDoc(t, is, signed)
	wantCheck(t, r, verify.CheckSignature, verify.StatusPass, "")
	wantCheck(t, r, verify.CheckKey, verify.StatusWarn, "asserted by the credential itself")
	wantCheck(t, r, verify.CheckIssuer, verify.StatusWarn, "not issuer-verified")
	if r.Verdict != verify.VerdictValid {
		t.Fatalf("verdict %s", r.Verdict)
	}
}

func TestVCStatus(t *testing.T) {
	is := newVCIssuer(t)
	is.SetBit("suspension", 7)
	r := verifyDoc(t, is, is.Sign(is.Credential(7), sign.RDFC))
	wantCheck(t, r, verify.CheckStatus, verify.StatusFail, "suspended by the issuer")

	is.SetBit("revocation", 7)
	r = verifyDoc(t, is, is.Sign(is.Credential(7), sign.RDFC))
	if r.Verdict != verify.VerdictInvalid {
		t.Fatalf("verdict %s", r.Verdict)
	}
	// Revocation beats suspension.
	wantCheck(t, r, verify.CheckStatus, verify.StatusFail, "revoked by the issuer")

	// The neighbours are untouched: bit order is most significant first.
	for _, i := range []int{6, 8, 0} {
		wantCheck(t, verifyDoc(t, is, is.Sign(is.Credential(i), sign.RDFC)), verify.CheckStatus, verify.StatusPass, "")
	}

	is.SetDown(true)
	r = verifyDoc(t, is, is.Sign(is.Credential(2), sign.RDFC))
	if r.Verdict != verify.VerdictUnknown {
		t.Fatalf("an unreachable list gave %s; report: %s", r.Verdict, dump(r))
	}
	wantCheck(t, r, verify.CheckStatus, verify.StatusError, "503")
}

func TestVCStatusListTampered(t *testing.T) {
	is := newVCIssuer(t)
	list := is.StatusListCredential("revocation")
	list["validUntil"] = "2030-01-01T00:00:00Z" // after signing: the list's proof breaks
	is.Serve("/status/revocation", mustJSON(list))
	r := verifyDoc(t, is, is.Sign(is.Credential(2), sign.RDFC))
	wantCheck(t, r, verify.CheckStatus, verify.StatusError, "does not verify")
}

func TestVCDates(t *testing.T) {
	is := newVCIssuer(t)
	expired := is.Credential(1)
	expired["validUntil"] = "2026-03-01T00:00:00Z"
	r := verifyDoc(t, is, is.Sign(expired, sign.RDFC))
	if r.Verdict != verify.VerdictInvalid {
		t.Fatalf("verdict %s", r.Verdict)
	}
	wantCheck(t, r, verify.CheckExpiry, verify.StatusFail, "expired on 2026-03-01")

	future := is.Credential(1)
	future["validFrom"] = "2027-01-01T00:00:00Z"
	wantCheck(t, verifyDoc(t, is, is.Sign(future, sign.RDFC)), verify.CheckNotBefore, verify.StatusFail, "not yet valid")
}

func TestVCRecipientMismatch(t *testing.T) {
	is := newVCIssuer(t)
	r := verifyDoc(t, is, is.Sign(is.Credential(1), sign.RDFC), func(o *verify.Options) { o.Recipients = []string{"someone@else.org"} })
	wantCheck(t, r, verify.CheckRecipient, verify.StatusFail, "someone else")
}

func TestVCJWT(t *testing.T) {
	is := newVCIssuer(t)
	cases := []struct {
		name   string
		mutate func(map[string]any)
		key    func() (crypto.Signer, string)
	}{
		{"EdDSA did:web kid", nil, func() (crypto.Signer, string) { return is.Key, is.VM }},
		{"ES256 did:web JsonWebKey", nil, func() (crypto.Signer, string) { return is.ECKey, is.DID + "#key-ec" }},
		{"RS256 issuer JWKS", func(d map[string]any) {
			d["issuer"] = map[string]any{"id": is.Origin + "/issuer", "type": []any{"Profile"}, "name": "Loopback Academy"}
		}, func() (crypto.Signer, string) { return is.RSAKey, "rsa-1" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := is.Credential(4)
			if tc.mutate != nil {
				tc.mutate(doc)
			}
			key, kid := tc.key()
			tok := is.JWT(doc, key, kid)
			r := verify.Verify(t.Context(), []byte(tok), is.Options())
			if r.Verdict != verify.VerdictValid || r.Format != verify.FormatOB3JWT {
				t.Fatalf("verdict %s format %s; report: %s", r.Verdict, r.Format, dump(r))
			}
			wantCheck(t, r, verify.CheckKey, verify.StatusPass, "")
			wantCheck(t, r, verify.CheckStatus, verify.StatusPass, "")

			// A tampered payload no longer verifies.
			parts := strings.Split(tok, ".")
			claims := roundTrip(t, doc)
			claims["name"] = "Rocket Science"
			claims["iss"] = idOf(doc["issuer"])
			tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(mustJSON(claims)) + "." + parts[2]
			wantCheck(t, verify.Verify(t.Context(), []byte(tampered), is.Options()), verify.CheckSignature, verify.StatusFail, "no longer matches")
		})
	}
}

func TestVCLearningToken(t *testing.T) {
	is := newVCIssuer(t)
	// The shared issuer's builder follows DESIGN.md, Learning Tokens.
	doc := is.LearningTokenAt(5, verify.TokenScore, 7, 0, 10)
	r := verifyDoc(t, is, is.Sign(doc, sign.RDFC))
	if r.Verdict != verify.VerdictValid {
		t.Fatalf("verdict %s; report: %s", r.Verdict, dump(r))
	}
	lt := r.Credential.LearningToken
	if lt == nil {
		t.Fatal("no learning token in the summary")
	}
	if lt.Kind != verify.TokenScore || lt.Amount != 7 || !lt.HasRange || lt.Min != 0 || lt.Max != 10 ||
		lt.Field.Code != "11.0701" || lt.Skill.Name != "Analytical thinking" {
		t.Fatalf("learning token %+v", lt)
	}
}
