package verify

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/sign"
)

// wantCheck fails the test unless the report has check id with status
// and, when given, a message containing words.
func wantCheck(t *testing.T, r Report, id, status, words string) {
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

func verifyDoc(t *testing.T, is *vcIssuer, doc map[string]any, mutate ...func(*Options)) Report {
	t.Helper()
	o := is.options()
	for _, m := range mutate {
		m(&o)
	}
	return Verify(t.Context(), mustJSON(doc), o)
}

func TestVCDataIntegrityValid(t *testing.T) {
	is := newVCIssuer(t)
	for _, suite := range []string{sign.RDFC, sign.JCS} {
		t.Run(suite, func(t *testing.T) {
			r := verifyDoc(t, is, is.sign(is.credential(3), suite))
			if r.Verdict != VerdictValid || r.Format != FormatOB3DI {
				t.Fatalf("verdict %s format %s; report: %s", r.Verdict, r.Format, dump(r))
			}
			wantCheck(t, r, CheckSignature, StatusPass, suite)
			wantCheck(t, r, CheckKey, StatusPass, "did:web")
			wantCheck(t, r, CheckIssuer, StatusPass, is.did)
			wantCheck(t, r, CheckStatus, StatusPass, "not revoked")
			wantCheck(t, r, CheckRecipient, StatusPass, testEmail)
			wantCheck(t, r, CheckSchema, StatusPass, "")
			wantCheck(t, r, CheckTrust, StatusWarn, "not in the trusted list")
			c := r.Credential
			if c.Name != "Web Publishing" || c.Issuer.Name != "Loopback Academy" || c.Issuer.ID != is.did ||
				len(c.Skills) != 1 || c.Skills[0].Name != "HTML" || c.Issued != "2026-01-15T10:00:00Z" {
				t.Fatalf("summary %+v", c)
			}
		})
	}
}

func TestVCTrustedIssuer(t *testing.T) {
	is := newVCIssuer(t)
	doc := is.sign(is.credential(1), sign.RDFC)
	host, _ := didWebHost(is.did)
	for _, entry := range []string{is.did, "https://" + host} {
		r := verifyDoc(t, is, doc, func(o *Options) { o.TrustedIssuers = []string{"https://other.example", entry} })
		wantCheck(t, r, CheckTrust, StatusPass, entry)
	}
}

func TestVCTampered(t *testing.T) {
	is := newVCIssuer(t)
	doc := is.sign(is.credential(1), sign.RDFC)
	doc["name"] = "Rocket Science"
	r := verifyDoc(t, is, doc)
	if r.Verdict != VerdictInvalid {
		t.Fatalf("verdict %s", r.Verdict)
	}
	wantCheck(t, r, CheckSignature, StatusFail, "no longer matches")
	wantCheck(t, r, CheckStatus, StatusSkip, "signature")

	jcsDoc := is.sign(is.credential(1), sign.JCS)
	getMap(getMap(jcsDoc, "credentialSubject"), "achievement")["name"] = "Rocket Science"
	wantCheck(t, verifyDoc(t, is, jcsDoc), CheckSignature, StatusFail, "no longer matches")
}

func TestVCUndefinedTerm(t *testing.T) {
	is := newVCIssuer(t)
	doc := is.sign(is.credential(1), sign.RDFC)
	// A term no context defines would not be signed by RDFC: refused.
	doc["grade"] = "A+"
	r := verifyDoc(t, is, doc)
	if r.Verdict != VerdictInvalid {
		t.Fatalf("verdict %s; report: %s", r.Verdict, dump(r))
	}
	wantCheck(t, r, CheckContext, StatusFail, "grade")

	// Signed with the term (JCS signs every byte), it is still refused:
	// Open Badges credentials carry no undefined terms.
	un := is.credential(1)
	un["grade"] = "A+"
	wantCheck(t, verifyDoc(t, is, is.sign(un, sign.JCS)), CheckContext, StatusFail, "grade")

	unknownCtx := is.credential(1)
	unknownCtx["@context"] = append(unknownCtx["@context"].([]any), "https://evil.example/context.json")
	// Contexts are never fetched: an unknown one leaves it unverifiable.
	wantCheck(t, verifyDoc(t, is, is.sign(unknownCtx, sign.JCS)), CheckContext, StatusError, "evil.example")
}

func TestVCWrongKeyController(t *testing.T) {
	is := newVCIssuer(t)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	mk := did.EncodeMultikey(pub)
	other := "did:key:" + mk
	doc, err := sign.AddProof(roundTrip(t, is.credential(1)), priv, sign.Options{VerificationMethod: other + "#" + mk, Created: testNowVC.AddDate(0, -1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	r := verifyDoc(t, is, doc)
	if r.Verdict != VerdictInvalid {
		t.Fatalf("verdict %s", r.Verdict)
	}
	wantCheck(t, r, CheckKey, StatusFail, "not by the issuer")

	// A key of the issuer's DID document that is not an assertion method.
	doc2, err := sign.AddProof(roundTrip(t, is.credential(1)), is.key, sign.Options{VerificationMethod: is.did + "#not-for-assertions", Created: testNowVC.AddDate(0, -1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	wantCheck(t, verifyDoc(t, is, doc2), CheckKey, StatusFail, "assertionMethod")
}

func TestVCSelfAssertedKey(t *testing.T) {
	is := newVCIssuer(t)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	issuer := "https://issuer.invalid/profile"
	doc := is.credential(1)
	doc["issuer"] = map[string]any{"id": issuer, "type": []any{"Profile"}, "name": "Self"}
	delete(doc, "credentialStatus")
	signed, err := sign.AddProof(roundTrip(t, doc), priv, sign.Options{VerificationMethod: issuer + "#" + did.EncodeMultikey(pub), Created: testNowVC.AddDate(0, -1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	r := verifyDoc(t, is, signed)
	wantCheck(t, r, CheckSignature, StatusPass, "")
	wantCheck(t, r, CheckKey, StatusWarn, "asserted by the credential itself")
	wantCheck(t, r, CheckIssuer, StatusWarn, "not issuer-verified")
	if r.Verdict != VerdictValid {
		t.Fatalf("verdict %s", r.Verdict)
	}
}

func TestVCStatus(t *testing.T) {
	is := newVCIssuer(t)
	is.setBit("suspension", 7)
	r := verifyDoc(t, is, is.sign(is.credential(7), sign.RDFC))
	wantCheck(t, r, CheckStatus, StatusFail, "suspended by the issuer")

	is.setBit("revocation", 7)
	r = verifyDoc(t, is, is.sign(is.credential(7), sign.RDFC))
	if r.Verdict != VerdictInvalid {
		t.Fatalf("verdict %s", r.Verdict)
	}
	// Revocation beats suspension.
	wantCheck(t, r, CheckStatus, StatusFail, "revoked by the issuer")

	// The neighbours are untouched: bit order is most significant first.
	for _, i := range []int{6, 8, 0} {
		wantCheck(t, verifyDoc(t, is, is.sign(is.credential(i), sign.RDFC)), CheckStatus, StatusPass, "")
	}

	is.mu.Lock()
	is.down = true
	is.mu.Unlock()
	r = verifyDoc(t, is, is.sign(is.credential(2), sign.RDFC))
	if r.Verdict != VerdictUnknown {
		t.Fatalf("an unreachable list gave %s; report: %s", r.Verdict, dump(r))
	}
	wantCheck(t, r, CheckStatus, StatusError, "503")
}

func TestVCStatusListTampered(t *testing.T) {
	is := newVCIssuer(t)
	list := is.statusListCredential("revocation")
	list["validUntil"] = "2030-01-01T00:00:00Z" // after signing: the list's proof breaks
	is.extra["/status/revocation"] = mustJSON(list)
	r := verifyDoc(t, is, is.sign(is.credential(2), sign.RDFC))
	wantCheck(t, r, CheckStatus, StatusError, "does not verify")
}

func TestVCDates(t *testing.T) {
	is := newVCIssuer(t)
	expired := is.credential(1)
	expired["validUntil"] = "2026-03-01T00:00:00Z"
	r := verifyDoc(t, is, is.sign(expired, sign.RDFC))
	if r.Verdict != VerdictInvalid {
		t.Fatalf("verdict %s", r.Verdict)
	}
	wantCheck(t, r, CheckExpiry, StatusFail, "expired on 2026-03-01")

	future := is.credential(1)
	future["validFrom"] = "2027-01-01T00:00:00Z"
	wantCheck(t, verifyDoc(t, is, is.sign(future, sign.RDFC)), CheckNotBefore, StatusFail, "not yet valid")
}

func TestVCRecipientMismatch(t *testing.T) {
	is := newVCIssuer(t)
	r := verifyDoc(t, is, is.sign(is.credential(1), sign.RDFC), func(o *Options) { o.Recipients = []string{"someone@else.org"} })
	wantCheck(t, r, CheckRecipient, StatusFail, "someone else")
}

func TestVCJWT(t *testing.T) {
	is := newVCIssuer(t)
	cases := []struct {
		name   string
		mutate func(map[string]any)
		key    func() (crypto.Signer, string)
	}{
		{"EdDSA did:web kid", nil, func() (crypto.Signer, string) { return is.key, is.vm }},
		{"ES256 did:web JsonWebKey", nil, func() (crypto.Signer, string) { return is.ecKey, is.did + "#key-ec" }},
		{"RS256 issuer JWKS", func(d map[string]any) {
			d["issuer"] = map[string]any{"id": is.origin + "/issuer", "type": []any{"Profile"}, "name": "Loopback Academy"}
		}, func() (crypto.Signer, string) { return is.rsaKey, "rsa-1" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := is.credential(4)
			if tc.mutate != nil {
				tc.mutate(doc)
			}
			key, kid := tc.key()
			tok := is.jwt(doc, key, kid)
			r := Verify(t.Context(), []byte(tok), is.options())
			if r.Verdict != VerdictValid || r.Format != FormatOB3JWT {
				t.Fatalf("verdict %s format %s; report: %s", r.Verdict, r.Format, dump(r))
			}
			wantCheck(t, r, CheckKey, StatusPass, "")
			wantCheck(t, r, CheckStatus, StatusPass, "")

			// A tampered payload no longer verifies.
			parts := strings.Split(tok, ".")
			claims := roundTrip(t, doc)
			claims["name"] = "Rocket Science"
			claims["iss"] = idOf(doc["issuer"])
			tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(mustJSON(claims)) + "." + parts[2]
			wantCheck(t, Verify(t.Context(), []byte(tampered), is.options()), CheckSignature, StatusFail, "no longer matches")
		})
	}
}

func TestVCLearningToken(t *testing.T) {
	is := newVCIssuer(t)
	doc := is.credential(5)
	subj := getMap(doc, "credentialSubject")
	a := getMap(subj, "achievement")
	a["achievementType"] = AchievementTypeLearningToken
	a["tag"] = []any{"learning-token", "score"}
	a["alignment"] = []any{
		map[string]any{"type": []any{"Alignment"}, "targetName": "Computer Science", "targetUrl": "https://nces.ed.gov/ipeds/cipcode/cipdetail.aspx?y=56&cipid=88125",
			"targetFramework": "CIP 2020", "targetCode": "11.0701"},
		map[string]any{"type": []any{"Alignment"}, "targetName": "Analytical thinking", "targetUrl": "https://example.org/wef/analytical-thinking",
			"targetFramework": "WEF Global Skills Taxonomy", "targetCode": "1.1"},
	}
	a["resultDescription"] = []any{map[string]any{"id": is.origin + "/achievements/web#score", "type": []any{"ResultDescription"},
		"name": "Score", "resultType": "RawScore", "valueMin": "0", "valueMax": "10"}}
	subj["result"] = []any{map[string]any{"type": []any{"Result"}, "resultDescription": is.origin + "/achievements/web#score", "value": "7"}}
	r := verifyDoc(t, is, is.sign(doc, sign.RDFC))
	if r.Verdict != VerdictValid {
		t.Fatalf("verdict %s; report: %s", r.Verdict, dump(r))
	}
	lt := r.Credential.LearningToken
	if lt == nil {
		t.Fatal("no learning token in the summary")
	}
	if lt.Kind != TokenScore || lt.Amount != 7 || !lt.HasRange || lt.Min != 0 || lt.Max != 10 ||
		lt.Field.Code != "11.0701" || lt.Skill.Name != "Analytical thinking" {
		t.Fatalf("learning token %+v", lt)
	}
}
