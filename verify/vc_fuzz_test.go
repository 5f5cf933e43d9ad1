package verify_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/verify"
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
	doc := is.Credential(1)
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
		r := verify.Verify(context.Background(), in, verify.Options{Fetcher: errFetcher{}, Now: func() time.Time { return testNowVC }, Recipients: []string{testEmail}})
		switch r.Verdict {
		case verify.VerdictValid, verify.VerdictInvalid, verify.VerdictUnknown:
		default:
			t.Fatalf("verdict %q", r.Verdict)
		}
		if r.Verdict == verify.VerdictValid {
			if c, ok := r.Check(verify.CheckSignature); !ok || (c.Status != verify.StatusPass && c.Status != verify.StatusWarn) {
				t.Fatalf("valid without a signature that holds: %s", dump(r))
			}
		}
	})
}

// errFetcher refuses every fetch, like a machine with no network.
type errFetcher struct{}

func (errFetcher) Fetch(context.Context, string, string) (*verify.Response, error) {
	return nil, errors.New("offline")
}

// minimalPNG is a valid 1×1 grey PNG.
func minimalPNG() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	chunk("IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0})
	// zlib stream of one scanline: filter 0, one byte 0.
	chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}
