package verify_test

import (
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/sign"
)

// checkOf fails the test unless the report has check id with status and a
// message containing words.
func checkOf(t *testing.T, r verify.Report, id, status, words string) {
	t.Helper()
	c, ok := r.Check(id)
	if !ok || c.Status != status || !strings.Contains(c.Message, words) {
		b, _ := json.MarshalIndent(r, "", " ")
		t.Fatalf("%s: got %q %q, want %s mentioning %q; report %s", id, c.Status, c.Message, status, words, b)
	}
}

func verifyBytes(t *testing.T, is *testissuer.VC, in []byte) verify.Report {
	t.Helper()
	return verify.Verify(t.Context(), in, is.Options())
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A VC-JWT that names its key only in a jwk header: proven when the
// issuer's JWKS lists the key, self-asserted (valid, with warnings) when
// not.
func TestVCJWTWithJWKHeader(t *testing.T) {
	is := testissuer.NewVC(t)
	doc := is.Credential(4)
	doc["issuer"] = map[string]any{"id": is.Origin + "/issuer", "type": []any{"Profile"}, "name": testissuer.IssuerName}
	claims := testissuer.RoundTrip(t, doc)
	claims["iss"] = is.Origin + "/issuer"
	jwk := func(k *ecdsa.PrivateKey) map[string]any {
		var m map[string]any
		json.Unmarshal(jsonOf(t, jose.JSONWebKey{Key: k.Public()}), &m)
		return m
	}
	listed, err := sign.JWT(claims, is.ECKey, map[string]any{"jwk": jwk(is.ECKey)})
	if err != nil {
		t.Fatal(err)
	}
	r := verifyBytes(t, is, []byte(listed))
	if r.Verdict != verify.VerdictValid {
		t.Fatalf("verdict %s", r.Verdict)
	}
	checkOf(t, r, verify.CheckKey, verify.StatusPass, "jwks")

	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	self, err := sign.JWT(claims, stranger, map[string]any{"jwk": jwk(stranger)})
	if err != nil {
		t.Fatal(err)
	}
	r = verifyBytes(t, is, []byte(self))
	checkOf(t, r, verify.CheckSignature, verify.StatusPass, "ES256")
	checkOf(t, r, verify.CheckKey, verify.StatusWarn, "jwk header")
	checkOf(t, r, verify.CheckIssuer, verify.StatusWarn, "not issuer-verified")
}

// VCDM 1.1 VC-JWTs carry the credential in a vc claim; the registered
// claims must agree with it.
func TestVCJWTDataModel11(t *testing.T) {
	is := testissuer.NewVC(t)
	cred := is.Credential(5)
	cred["@context"] = []any{"https://www.w3.org/2018/credentials/v1", testissuer.ContextOB3, "https://www.w3.org/ns/credentials/status/v1"}
	cred["issuanceDate"] = cred["validFrom"]
	delete(cred, "validFrom")
	cred["issuer"] = is.DID
	payload := map[string]any{"iss": is.DID, "jti": cred["id"], "nbf": mustUnix(t, cred["issuanceDate"].(string)), "vc": cred}
	tok, err := sign.JWT(payload, is.Key, map[string]any{"kid": is.VM, "typ": "JWT"})
	if err != nil {
		t.Fatal(err)
	}
	r := verifyBytes(t, is, []byte(tok))
	if r.Verdict != verify.VerdictValid || r.Format != verify.FormatOB3JWT {
		t.Fatalf("verdict %s format %s: %+v", r.Verdict, r.Format, r.Checks)
	}

	payload["iss"] = "did:web:someone.else"
	forged, _ := sign.JWT(payload, is.Key, map[string]any{"kid": is.VM})
	checkOf(t, verifyBytes(t, is, []byte(forged)), verify.CheckSignature, verify.StatusFail, "iss")
}

func mustUnix(t *testing.T, s string) int64 {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.Unix()
}

// StatusList2021 lists: base64url GZIP with no multibase prefix.
func TestVCStatusList2021(t *testing.T) {
	is := testissuer.NewVC(t)
	bits := make([]byte, 16<<10)
	bits[1] = 0x80 >> 1 // index 9
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(bits)
	zw.Close()
	list := map[string]any{
		"@context":     []any{"https://www.w3.org/2018/credentials/v1", "https://w3id.org/vc/status-list/2021/v1", "https://w3id.org/security/data-integrity/v2"},
		"id":           is.Origin + "/status2021",
		"type":         []any{"VerifiableCredential", "StatusList2021Credential"},
		"issuer":       is.DID,
		"issuanceDate": "2026-01-01T00:00:00Z",
		"credentialSubject": map[string]any{"id": is.Origin + "/status2021#list", "type": "StatusList2021",
			"statusPurpose": "revocation", "encodedList": base64.RawURLEncoding.EncodeToString(z.Bytes())},
	}
	is.Serve("/status2021", is.SignJSON(list, sign.RDFC))
	for _, tc := range []struct {
		index  string
		status string
		words  string
	}{{"9", verify.StatusFail, "revoked"}, {"8", verify.StatusPass, "not revoked"}} {
		doc := is.Credential(1)
		doc["@context"] = append(doc["@context"].([]any), "https://w3id.org/vc/status-list/2021/v1")
		doc["credentialStatus"] = map[string]any{"id": is.Origin + "/status2021#" + tc.index, "type": "StatusList2021Entry",
			"statusPurpose": "revocation", "statusListIndex": tc.index, "statusListCredential": is.Origin + "/status2021"}
		checkOf(t, verifyBytes(t, is, is.SignJSON(doc, sign.RDFC)), verify.CheckStatus, tc.status, tc.words)
	}
}

// 1EdTechRevocationList: read both revokedCredential and
// revokedCredentials.
func TestVC1EdTechRevocationList(t *testing.T) {
	is := testissuer.NewVC(t)
	for _, key := range []string{"revokedCredential", "revokedCredentials"} {
		doc := is.Credential(1)
		doc["@context"] = append(doc["@context"].([]any), "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
		doc["credentialStatus"] = map[string]any{"id": is.Origin + "/revocations-" + key, "type": "1EdTechRevocationList"}
		is.Serve("/revocations-"+key, jsonOf(t, map[string]any{key: []any{
			map[string]any{"id": "urn:uuid:someone-else"},
			map[string]any{"id": doc["id"], "revocationReason": "issued by mistake"},
		}}))
		checkOf(t, verifyBytes(t, is, is.SignJSON(doc, sign.RDFC)), verify.CheckStatus, verify.StatusFail, "issued by mistake")
	}
}

// Endorsements are verified as credentials of their own and never fail
// the credential they endorse.
func TestVCEndorsements(t *testing.T) {
	is := testissuer.NewVC(t)
	endorsement := func() map[string]any {
		return map[string]any{
			"@context":  []any{testissuer.ContextVC2, testissuer.ContextOB3},
			"id":        "urn:uuid:8d5e4f1a-1b2c-4d3e-9f00-aa11bb22cc33",
			"type":      []any{"VerifiableCredential", "EndorsementCredential"},
			"name":      "Endorsed by the guild",
			"issuer":    map[string]any{"id": is.DID, "type": []any{"Profile"}, "name": "Web Guild"},
			"validFrom": "2026-01-10T00:00:00Z",
			"credentialSubject": map[string]any{"id": is.Origin + "/achievements/web", "type": []any{"EndorsementSubject"},
				"endorsementComment": "A solid first step into publishing."},
		}
	}
	good := is.Sign(endorsement(), sign.RDFC)
	bad := is.Sign(endorsement(), sign.RDFC)
	bad["credentialSubject"].(map[string]any)["endorsementComment"] = "Changed afterwards."
	doc := is.Credential(1)
	doc["endorsement"] = []any{good, bad}
	r := verifyBytes(t, is, is.SignJSON(doc, sign.RDFC))
	if r.Verdict != verify.VerdictValid {
		t.Fatalf("an endorsement failed the credential: %+v", r.Checks)
	}
	es := r.Credential.Endorsements
	if len(es) != 2 || es[0].Verdict != verify.VerdictValid || es[1].Verdict != verify.VerdictInvalid ||
		es[0].Issuer.Name != "Web Guild" || es[0].Comment != "A solid first step into publishing." {
		t.Fatalf("endorsements %+v", es)
	}
}

// A CLR 2.0 credential: each achievement credential inside is verified on
// its own.
func TestVCCLR(t *testing.T) {
	is := testissuer.NewVC(t)
	member := func(i int) map[string]any {
		d := is.Credential(i)
		d["id"] = testissuer.CredentialID(100 + i)
		d["type"] = []any{"VerifiableCredential", "AchievementCredential"}
		return is.Sign(d, sign.RDFC)
	}
	tampered := member(2)
	tampered["name"] = "Changed"
	clr := map[string]any{
		"@context":  []any{testissuer.ContextVC2, "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json", testissuer.ContextOB3},
		"id":        "urn:uuid:0c1d2e3f-4a5b-4c6d-8e7f-901234567890",
		"type":      []any{"VerifiableCredential", "ClrCredential"},
		"name":      "Transcript",
		"issuer":    map[string]any{"id": is.DID, "type": []any{"Profile"}, "name": testissuer.IssuerName},
		"validFrom": "2026-02-01T00:00:00Z",
		"credentialSubject": map[string]any{"type": []any{"ClrSubject"},
			"identifier":           is.Credential(1)["credentialSubject"].(map[string]any)["identifier"],
			"verifiableCredential": []any{member(1), tampered}},
	}
	r := verifyBytes(t, is, is.SignJSON(clr, sign.RDFC))
	if r.Format != verify.FormatCLR2 || r.Verdict != verify.VerdictValid {
		t.Fatalf("format %s verdict %s: %+v", r.Format, r.Verdict, r.Checks)
	}
	if len(r.Included) != 2 || r.Included[0].Verdict != verify.VerdictValid || r.Included[1].Verdict != verify.VerdictInvalid {
		t.Fatalf("included %+v", r.Included)
	}
	checkOf(t, r, verify.CheckType, verify.StatusWarn, "1 of the 2")
}
