package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// compactJWS is a parsed, not yet verified, compact JWS.
type compactJWS struct {
	Header       map[string]any
	Alg          string
	Payload      []byte
	SigningInput []byte
	Signature    []byte
}

// looksLikeJWS reports whether s has the shape of a compact JWS: three
// base64url segments, the first two non-empty.
func looksLikeJWS(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '=') {
				return false
			}
		}
	}
	return true
}

func b64url(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// parseJWS decodes a compact JWS. It accepts only RS256, ES256 and EdDSA.
func parseJWS(s string) (*compactJWS, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, errors.New("a compact JWS has three parts")
	}
	hb, err := b64url(parts[0])
	if err != nil {
		return nil, fmt.Errorf("JWS header is not base64url: %v", err)
	}
	var h map[string]any
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("JWS header is not JSON: %v", err)
	}
	pb, err := b64url(parts[1])
	if err != nil {
		return nil, fmt.Errorf("JWS payload is not base64url: %v", err)
	}
	sig, err := b64url(parts[2])
	if err != nil {
		return nil, fmt.Errorf("JWS signature is not base64url: %v", err)
	}
	alg, _ := h["alg"].(string)
	if crit, ok := h["crit"]; ok && crit != nil {
		return nil, errors.New("JWS header has crit parameters, which are not supported")
	}
	j := &compactJWS{Header: h, Alg: alg, Payload: pb, Signature: sig,
		SigningInput: []byte(parts[0] + "." + parts[1])}
	switch alg {
	case "RS256", "ES256", "EdDSA":
	default:
		return j, fmt.Errorf("JWS algorithm %q is not allowed (RS256, ES256, EdDSA only)", alg)
	}
	return j, nil
}

// verify checks the signature with pub, which must fit the algorithm.
func (j *compactJWS) verify(pub crypto.PublicKey) error {
	switch j.Alg {
	case "RS256":
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return errors.New("RS256 needs an RSA key")
		}
		if k.N.BitLen() < 2048 {
			return fmt.Errorf("RSA key of %d bits is too short", k.N.BitLen())
		}
		h := sha256.Sum256(j.SigningInput)
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], j.Signature); err != nil {
			return errors.New("the signature does not match")
		}
		return nil
	case "ES256":
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve != elliptic.P256() {
			return errors.New("ES256 needs a P-256 key")
		}
		if len(j.Signature) != 64 {
			return errors.New("the signature does not match")
		}
		h := sha256.Sum256(j.SigningInput)
		r := new(big.Int).SetBytes(j.Signature[:32])
		s := new(big.Int).SetBytes(j.Signature[32:])
		if !ecdsa.Verify(k, h[:], r, s) {
			return errors.New("the signature does not match")
		}
		return nil
	case "EdDSA":
		k, ok := pub.(ed25519.PublicKey)
		if !ok {
			return errors.New("EdDSA needs an Ed25519 key")
		}
		if !ed25519.Verify(k, j.SigningInput, j.Signature) {
			return errors.New("the signature does not match")
		}
		return nil
	}
	return fmt.Errorf("JWS algorithm %q is not allowed", j.Alg)
}

// parsePublicKeyPEM reads an SPKI ("PUBLIC KEY") or PKCS #1 ("RSA PUBLIC
// KEY") PEM block. Private keys are refused.
func parsePublicKeyPEM(s string) (crypto.PublicKey, error) {
	blk, _ := pem.Decode([]byte(strings.TrimSpace(strings.ReplaceAll(s, `\n`, "\n"))))
	if blk == nil {
		return nil, errors.New("publicKeyPem is not a PEM block")
	}
	if bytes.Contains([]byte(blk.Type), []byte("PRIVATE")) {
		return nil, errors.New("publicKeyPem holds a private key")
	}
	switch blk.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("publicKeyPem: %v", err)
		}
		switch k.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			return k, nil
		}
		return nil, errors.New("publicKeyPem: unsupported key type")
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("publicKeyPem: %v", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("publicKeyPem: unexpected PEM type %q", blk.Type)
}
