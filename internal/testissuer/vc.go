package testissuer

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
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/sign"
)

// The Open Badges 3.0 issuer: a did:web issuer on loopback with its DID
// document, Bitstring status lists (revocation and suspension), a JWKS and
// a badge image, keys generated per test, and builders for credentials
// (plain badges and Learning Tokens) signed with Data Integrity proofs or
// as VC-JWTs.

// Fixed values of the OB 3.0 issuer's credentials.
const (
	// Email is the recipient of every credential (hashed with Salt).
	Email = "learner@example.org"
	// Salt salts the recipient's hashed identity.
	Salt = "s4lt"
	// ContextVC2 is the VCDM 2.0 context.
	ContextVC2 = "https://www.w3.org/ns/credentials/v2"
	// ContextOB3 is the Open Badges 3.0 context.
	ContextOB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	// IssuerName is the issuer profile's name.
	IssuerName = "Loopback Academy"
)

// Now is the clock of Options: after every credential's validFrom.
var Now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// statusListBytes is the size of each status list (131,072 entries).
const statusListBytes = 16 << 10

// VC is a running loopback Open Badges 3.0 issuer.
type VC struct {
	Server *httptest.Server
	Origin string // http://127.0.0.1:port
	DID    string // did:web:127.0.0.1%3Aport
	VM     string // DID#key-1, the Ed25519 Multikey assertion method
	Key    ed25519.PrivateKey
	ECKey  *ecdsa.PrivateKey // DID#key-ec (JsonWebKey2020) and "ec-1" in the JWKS
	RSAKey *rsa.PrivateKey   // "rsa-1" in the JWKS

	t      testing.TB
	mu     sync.Mutex
	bits   map[string][]byte // status purpose → list
	down   bool              // status lists answer 503
	extra  map[string][]byte // documents served by path (Serve)
	hits   map[string]int
	png    []byte
	tokens int
	ledger *memLedger // nil until EnableLedger
}

// NewVC starts an OB 3.0 issuer that stops when the test ends.
func NewVC(t testing.TB) *VC {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &VC{t: t, Key: k, ECKey: ec, RSAKey: rk,
		bits:  map[string][]byte{"revocation": make([]byte, statusListBytes), "suspension": make([]byte, statusListBytes)},
		extra: map[string][]byte{}, hits: map[string]int{}, png: badgePNG()}
	is.Server = httptest.NewServer(http.HandlerFunc(is.serve))
	t.Cleanup(is.Server.Close)
	is.Origin = is.Server.URL
	is.DID = "did:web:" + strings.ReplaceAll(strings.TrimPrefix(is.Origin, "http://"), ":", "%3A")
	is.VM = is.DID + "#key-1"
	return is
}

// badgePNG is a small badge image.
func badgePNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		img.Set(x, x, color.RGBA{40, 90, 160, 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// BadgeURL is the badge image every credential names.
func (is *VC) BadgeURL() string { return is.Origin + "/badge.png" }

// BadgePNG is the plain (unbaked) badge image.
func (is *VC) BadgePNG() []byte { return append([]byte(nil), is.png...) }

func (is *VC) serve(w http.ResponseWriter, r *http.Request) {
	is.mu.Lock()
	is.hits[r.URL.Path]++
	down := is.down
	extra, hasExtra := is.extra[r.URL.Path]
	is.mu.Unlock()
	if is.serveLedger(w, r) {
		return
	}
	switch {
	case hasExtra:
		w.Write(extra)
	case r.URL.Path == "/badge.png":
		w.Header().Set("Content-Type", "image/png")
		w.Write(is.png)
	case r.URL.Path == "/.well-known/did.json":
		w.Header().Set("Content-Type", "application/did+json")
		json.NewEncoder(w).Encode(is.DIDDocument())
	case r.URL.Path == "/.well-known/jwks.json":
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: is.RSAKey.Public(), KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
			{Key: is.ECKey.Public(), KeyID: "ec-1", Algorithm: "ES256", Use: "sig"},
		}})
	case strings.HasPrefix(r.URL.Path, "/status/"):
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		purpose := strings.TrimPrefix(r.URL.Path, "/status/")
		if _, ok := is.bitsOf(purpose); !ok {
			http.NotFound(w, r)
			return
		}
		b, err := json.Marshal(is.StatusListCredential(purpose))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/vc+ld+json")
		w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

func (is *VC) bitsOf(purpose string) ([]byte, bool) {
	is.mu.Lock()
	defer is.mu.Unlock()
	b, ok := is.bits[purpose]
	return append([]byte(nil), b...), ok
}

// Hits is how often path was requested.
func (is *VC) Hits(path string) int {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.hits[path]
}

// DIDDocument is the issuer's did:web document: the Ed25519 key (an
// assertion method), the P-256 key (an assertion method) and the Ed25519
// key again as DID#not-for-assertions, which is not one.
func (is *VC) DIDDocument() map[string]any {
	ecJWK, _ := json.Marshal(jose.JSONWebKey{Key: is.ECKey.Public()})
	var ecMap map[string]any
	json.Unmarshal(ecJWK, &ecMap)
	doc := map[string]any{
		"@context": []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		"id":       is.DID,
		"verificationMethod": []any{
			map[string]any{"id": is.VM, "type": "Multikey", "controller": is.DID,
				"publicKeyMultibase": did.EncodeMultikey(is.Key.Public().(ed25519.PublicKey))},
			map[string]any{"id": is.DID + "#key-ec", "type": "JsonWebKey2020", "controller": is.DID, "publicKeyJwk": ecMap},
			map[string]any{"id": is.DID + "#not-for-assertions", "type": "Multikey", "controller": is.DID,
				"publicKeyMultibase": did.EncodeMultikey(is.Key.Public().(ed25519.PublicKey))},
		},
		"assertionMethod": []any{is.VM, is.DID + "#key-ec"},
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	if is.ledger != nil {
		doc["service"] = []any{map[string]any{"id": is.DID + "#ledger", "type": "CairnLedger", "serviceEndpoint": is.Origin + "/ledger"}}
	}
	return doc
}

// SetBit sets a status bit of the "revocation" or "suspension" list (bit
// 0 is the most significant bit of byte 0).
func (is *VC) SetBit(purpose string, index int) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.bits[purpose][index/8] |= 0x80 >> (index % 8)
}

// ClearBit clears a status bit (a suspension lifted).
func (is *VC) ClearBit(purpose string, index int) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.bits[purpose][index/8] &^= 0x80 >> (index % 8)
}

// SetDown makes the status lists answer 503 (true) or serve again.
func (is *VC) SetDown(down bool) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.down = down
}

// Serve answers path with body from now on, before anything else the
// issuer serves there.
func (is *VC) Serve(path string, body []byte) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.extra[path] = append([]byte(nil), body...)
}

// StatusListURL is the status list credential of purpose.
func (is *VC) StatusListURL(purpose string) string { return is.Origin + "/status/" + purpose }

// StatusListCredential is the signed (eddsa-rdfc-2022)
// BitstringStatusListCredential of purpose as it stands now.
func (is *VC) StatusListCredential(purpose string) map[string]any {
	bits, _ := is.bitsOf(purpose)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(bits)
	zw.Close()
	doc := map[string]any{
		"@context":  []any{ContextVC2},
		"id":        is.StatusListURL(purpose),
		"type":      []any{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer":    is.DID,
		"validFrom": "2026-01-01T00:00:00Z",
		"credentialSubject": map[string]any{
			"id": is.StatusListURL(purpose) + "#list", "type": "BitstringStatusList",
			"statusPurpose": purpose, "encodedList": "u" + base64.RawURLEncoding.EncodeToString(z.Bytes()),
		},
	}
	return is.Sign(doc, sign.RDFC)
}

// CredentialID is the id of credential number index.
func CredentialID(index int) string {
	return fmt.Sprintf("urn:uuid:2f4b2d0e-6a8e-4c8e-9a53-%012x", index)
}

// Credential builds an unsigned Open Badges 3.0 credential ("Web
// Publishing", aligned to the skill "HTML") for Email, hashed with Salt,
// with a revocation and a suspension entry at index; its id is
// CredentialID(index).
func (is *VC) Credential(index int) map[string]any {
	h := sha256.Sum256([]byte(Email + Salt))
	return map[string]any{
		"@context": []any{ContextVC2, ContextOB3},
		"id":       CredentialID(index),
		"type":     []any{"VerifiableCredential", "OpenBadgeCredential"},
		"name":     "Web Publishing",
		"issuer": map[string]any{"id": is.DID, "type": []any{"Profile"}, "name": IssuerName,
			"url": is.Origin + "/"},
		"validFrom": "2026-01-15T10:00:00Z",
		"credentialSubject": map[string]any{
			"type": []any{"AchievementSubject"},
			"identifier": []any{map[string]any{"type": "IdentityObject", "identityType": "emailAddress",
				"hashed": true, "salt": Salt, "identityHash": "sha256$" + hex.EncodeToString(h[:])}},
			"achievement": map[string]any{
				"id": is.Origin + "/achievements/web", "type": []any{"Achievement"},
				"name": "Web Publishing", "description": "Publishes a post on the open web.",
				"criteria": map[string]any{"narrative": "Write and publish a post."},
				"image":    map[string]any{"id": is.BadgeURL(), "type": "Image"},
				"alignment": []any{map[string]any{"type": []any{"Alignment"}, "targetName": "HTML",
					"targetUrl": "https://example.org/skills/html", "targetFramework": "Web Skills"}},
			},
		},
		"credentialStatus": []any{
			is.statusEntry("revocation", index), is.statusEntry("suspension", index),
		},
	}
}

func (is *VC) statusEntry(purpose string, index int) map[string]any {
	i := strconv.Itoa(index)
	return map[string]any{"id": is.StatusListURL(purpose) + "#" + i, "type": "BitstringStatusListEntry",
		"statusPurpose": purpose, "statusListIndex": i, "statusListCredential": is.StatusListURL(purpose)}
}

// Learning Token alignments: the field of knowledge and the skill.
const (
	TokenFieldName      = "Computer Science"
	TokenFieldCode      = "11.0701"
	TokenSkillName      = "Analytical thinking"
	TokenSkillCode      = "1.1"
	TokenFieldFramework = "CIP 2020"
	TokenSkillFramework = "WEF Global Skills Taxonomy"
)

// LearningToken builds an unsigned Learning Token of kind for amount on
// the scale min–max as a new credential: each call takes the next number
// from TokenIndexBase up (see LearningTokenAt).
func (is *VC) LearningToken(kind string, amount, min, max float64) map[string]any {
	is.mu.Lock()
	index := TokenIndexBase + is.tokens
	is.tokens++
	is.mu.Unlock()
	return is.LearningTokenAt(index, kind, amount, min, max)
}

// TokenIndexBase is the number (status list index, CredentialID) of the
// first credential LearningToken builds.
const TokenIndexBase = 50000

// TokenIndex is the number of a credential built by Credential,
// LearningToken or LearningTokenAt (its status list index).
func TokenIndex(doc map[string]any) int {
	var id string
	id, _ = doc["id"].(string)
	n, err := strconv.ParseInt(id[strings.LastIndex(id, "-")+1:], 16, 64)
	if err != nil {
		return -1
	}
	return int(n)
}

// LearningTokenAt builds an unsigned Learning Token (DESIGN.md, Learning
// Tokens) of kind for amount on the scale min–max, as credential number
// index: achievementType ext:LearningToken, tag [learning-token, kind], the
// CIP 2020 field (11.0701 Computer Science) and the WEF skill (1.1
// Analytical thinking), a RawScore result description and the amount as
// the subject's result.
func (is *VC) LearningTokenAt(index int, kind string, amount, min, max float64) map[string]any {
	doc := is.Credential(index)
	doc["name"] = "Learning Token: " + kind
	subj := doc["credentialSubject"].(map[string]any)
	a := subj["achievement"].(map[string]any)
	rd := is.Origin + "/achievements/" + kind + "#amount"
	a["id"] = is.Origin + "/achievements/" + kind
	a["name"] = "Learning Token: " + kind
	a["achievementType"] = verify.AchievementTypeLearningToken
	a["tag"] = []any{"learning-token", kind}
	a["alignment"] = []any{
		map[string]any{"type": []any{"Alignment"}, "targetName": TokenFieldName,
			"targetUrl":       "https://nces.ed.gov/ipeds/cipcode/cipdetail.aspx?y=56&cipid=88125",
			"targetFramework": TokenFieldFramework, "targetCode": TokenFieldCode},
		map[string]any{"type": []any{"Alignment"}, "targetName": TokenSkillName,
			"targetUrl":       "https://example.org/wef/analytical-thinking",
			"targetFramework": TokenSkillFramework, "targetCode": TokenSkillCode},
	}
	a["resultDescription"] = []any{map[string]any{"id": rd, "type": []any{"ResultDescription"},
		"name": "Amount", "resultType": "RawScore", "valueMin": num(min), "valueMax": num(max)}}
	subj["result"] = []any{map[string]any{"type": []any{"Result"}, "resultDescription": rd, "value": num(amount)}}
	return doc
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Sign adds a Data Integrity proof (suite sign.RDFC, sign.JCS, ...) by
// the issuer's Ed25519 key.
func (is *VC) Sign(doc map[string]any, suite string) map[string]any {
	is.t.Helper()
	out, err := sign.AddProof(RoundTrip(is.t, doc), is.Key, sign.Options{Suite: suite, VerificationMethod: is.VM,
		Created: time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		is.t.Fatal(err)
	}
	return out
}

// SignJSON is Sign as the JSON bytes an owner would import.
func (is *VC) SignJSON(doc map[string]any, suite string) []byte {
	is.t.Helper()
	b, err := json.Marshal(is.Sign(doc, suite))
	if err != nil {
		is.t.Fatal(err)
	}
	return b
}

// JWT signs the credential as a VC-JWT (VCDM 2.0 payload: the credential
// with iss, jti and nbf) with key under kid.
func (is *VC) JWT(doc map[string]any, key crypto.Signer, kid string) string {
	is.t.Helper()
	claims := RoundTrip(is.t, doc)
	claims["iss"] = idOf(doc["issuer"])
	claims["jti"] = doc["id"]
	if s, _ := doc["validFrom"].(string); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			claims["nbf"] = t.Unix()
		}
	}
	s, err := sign.JWT(claims, key, map[string]any{"kid": kid, "typ": "JWT"})
	if err != nil {
		is.t.Fatal(err)
	}
	return s
}

func idOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		s, _ := x["id"].(string)
		return s
	}
	return ""
}

// RoundTrip turns Go maps into decoded JSON (numbers as json.Number, as
// the verifier sees them).
func RoundTrip(t testing.TB, m map[string]any) map[string]any {
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

// Fetcher reaches the issuer over plain HTTP (a test's stand-in for
// internal/netx with the private network allowed): https to the issuer's
// host fails as a TLS handshake would, and any other host answers 404
// without a lookup.
func (is *VC) Fetcher() verify.Fetcher {
	return verify.FetcherFunc(func(ctx context.Context, u, accept string) (*verify.Response, error) {
		if strings.HasPrefix(u, "https://"+strings.TrimPrefix(is.Origin, "http://")) {
			return nil, errors.New("tls: the loopback issuer speaks plain http")
		}
		if !strings.HasPrefix(u, is.Origin) {
			return &verify.Response{Status: http.StatusNotFound, URL: u}, nil
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", accept)
		resp, err := is.Server.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		if err != nil {
			return nil, err
		}
		return &verify.Response{Status: resp.StatusCode, URL: u, Body: b, ContentType: resp.Header.Get("Content-Type")}, nil
	})
}

// Options verify against the issuer at Now, for Email.
func (is *VC) Options() verify.Options {
	return verify.Options{Fetcher: is.Fetcher(), Now: func() time.Time { return Now }, Recipients: []string{Email}}
}
