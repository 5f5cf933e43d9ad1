// Package sign adds proofs to Verifiable Credentials: Data Integrity
// eddsa-rdfc-2022 (the proof Cairn's issuer writes), eddsa-jcs-2022, and
// VC-JWT. It is the writing half of what package verify checks, kept
// beside it so both use the same canonicalisation.
package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/multiformats/go-multibase"

	"github.com/cairn-pl/cairn/verify/ld"
)

// Cryptosuites.
const (
	RDFC = "eddsa-rdfc-2022"
	JCS  = "eddsa-jcs-2022"
)

// Options describe a Data Integrity proof.
type Options struct {
	Suite              string // RDFC (default) or JCS
	VerificationMethod string // the key's id, e.g. did:web:example.com#key-1
	Created            time.Time
	// ProofType overrides "DataIntegrityProof" (tests write legacy types).
	ProofType string
}

// AddProof returns a copy of doc with a Data Integrity proof appended (an
// existing proof becomes an array). doc must be JSON-shaped (decoded
// JSON or maps and slices of JSON values).
func AddProof(doc map[string]any, key ed25519.PrivateKey, o Options) (map[string]any, error) {
	if o.Suite == "" {
		o.Suite = RDFC
	}
	if o.VerificationMethod == "" {
		return nil, errors.New("sign: no verification method")
	}
	if o.Created.IsZero() {
		o.Created = time.Now()
	}
	typ := o.ProofType
	if typ == "" {
		typ = "DataIntegrityProof"
	}
	proof := map[string]any{
		"type":               typ,
		"created":            o.Created.UTC().Format(time.RFC3339),
		"verificationMethod": o.VerificationMethod,
		"proofPurpose":       "assertionMethod",
	}
	if typ == "DataIntegrityProof" {
		proof["cryptosuite"] = o.Suite
	}
	unsecured := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "proof" {
			unsecured[k] = v
		}
	}
	data, err := SigningInput(unsecured, proof, o.Suite)
	if err != nil {
		return nil, err
	}
	pv, err := multibase.Encode(multibase.Base58BTC, ed25519.Sign(key, data))
	if err != nil {
		return nil, err
	}
	proof["proofValue"] = pv
	out := make(map[string]any, len(doc)+1)
	for k, v := range doc {
		out[k] = v
	}
	switch prev := doc["proof"].(type) {
	case nil:
		out["proof"] = proof
	case []any:
		out["proof"] = append(append([]any{}, prev...), proof)
	default:
		out["proof"] = []any{prev, proof}
	}
	return out, nil
}

// SigningInput is SHA-256(canonical proof configuration) ‖
// SHA-256(canonical document), the bytes an Ed25519 Data Integrity proof
// signs. proof must not carry proofValue; the document's @context is
// added to it.
func SigningInput(unsecured, proof map[string]any, suite string) ([]byte, error) {
	cfg := make(map[string]any, len(proof)+1)
	for k, v := range proof {
		if k != "proofValue" {
			cfg[k] = v
		}
	}
	cfg["@context"] = unsecured["@context"]
	canon := ld.Canonize
	if suite == JCS {
		canon = jcsCanon
	}
	c, err := canon(cfg)
	if err != nil {
		return nil, fmt.Errorf("sign: proof configuration: %w", err)
	}
	d, err := canon(unsecured)
	if err != nil {
		return nil, fmt.Errorf("sign: document: %w", err)
	}
	hc, hd := sha256.Sum256(c), sha256.Sum256(d)
	return append(hc[:], hd[:]...), nil
}

func jcsCanon(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jcs.Transform(b)
}

// JWT signs claims as a compact JWS with alg RS256, ES256 or EdDSA
// (chosen by the key type) and the given extra header parameters (kid,
// jwk, typ).
func JWT(claims any, key crypto.Signer, header map[string]any) (string, error) {
	h := map[string]any{}
	for k, v := range header {
		h[k] = v
	}
	switch key.Public().(type) {
	case ed25519.PublicKey:
		h["alg"] = "EdDSA"
	case *ecdsa.PublicKey:
		h["alg"] = "ES256"
	case *rsa.PublicKey:
		h["alg"] = "RS256"
	default:
		return "", fmt.Errorf("sign: unsupported key %T", key.Public())
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	pb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(pb)
	var sig []byte
	switch k := key.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, []byte(input))
	case *ecdsa.PrivateKey:
		d := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
		if err != nil {
			return "", err
		}
		sig = make([]byte, 64)
		fill(sig[:32], r)
		fill(sig[32:], s)
	case *rsa.PrivateKey:
		d := sha256.Sum256([]byte(input))
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:]); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("sign: unsupported signer %T", key)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func fill(dst []byte, n *big.Int) { n.FillBytes(dst) }
