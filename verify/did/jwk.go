package did

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/multiformats/go-multibase"
)

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

// privateJWKMembers are the JWK members that carry private or symmetric key
// material (RFC 7518 §6, plus "priv" of the AKP draft).
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"}

// ParseJWK parses a public JSON Web Key and returns the key and its "kid".
// It refuses any private member ("d", "p", "q", "dp", "dq", "qi", "oth",
// "priv"), symmetric keys (kty "oct"), keys whose "use" is not "sig", RSA
// keys under 2048 bits and key types other than Ed25519 (OKP), EC P-256 /
// P-384 / P-521 and RSA. The key is ed25519.PublicKey, *ecdsa.PublicKey or
// *rsa.PublicKey.
func ParseJWK(raw json.RawMessage) (crypto.PublicKey, string, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, "", fmt.Errorf("JWK is not a JSON object: %w", err)
	}
	if members == nil {
		return nil, "", errors.New("JWK is null")
	}
	var kty, use string
	if v, ok := members["kty"]; ok {
		if err := json.Unmarshal(v, &kty); err != nil {
			return nil, "", errors.New("JWK kty is not a string")
		}
	}
	if kty == "" {
		return nil, "", errors.New("JWK has no kty")
	}
	if kty == "oct" {
		return nil, "", errors.New("JWK is a symmetric key (kty oct); only public keys are accepted")
	}
	for _, m := range privateJWKMembers {
		if _, ok := members[m]; ok {
			return nil, "", fmt.Errorf("JWK contains the private member %q; only public keys are accepted", m)
		}
	}
	if v, ok := members["use"]; ok {
		if err := json.Unmarshal(v, &use); err != nil || use != "sig" {
			return nil, "", fmt.Errorf("JWK use is %s, want \"sig\"", v)
		}
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(raw); err != nil {
		return nil, "", fmt.Errorf("JWK (kty %s): %w", kty, err)
	}
	if !k.IsPublic() {
		return nil, "", errors.New("JWK is not a public key")
	}
	switch pub := k.Key.(type) {
	case ed25519.PublicKey:
	case *ecdsa.PublicKey:
	case *rsa.PublicKey:
		if pub.N.BitLen() < minRSABits {
			return nil, "", fmt.Errorf("JWK RSA key has %d bits, fewer than %d", pub.N.BitLen(), minRSABits)
		}
	default:
		return nil, "", fmt.Errorf("JWK key type %T (kty %s) is not supported", k.Key, kty)
	}
	if !k.Valid() {
		return nil, "", fmt.Errorf("JWK (kty %s) is not a valid key", kty)
	}
	return k.Key, k.KeyID, nil
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of a public key,
// base64url without padding.
func Thumbprint(key crypto.PublicKey) (string, error) {
	k := jose.JSONWebKey{Key: key}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// SameKey reports whether two public keys are the same key.
func SameKey(a, b crypto.PublicKey) bool {
	if a == nil || b == nil {
		return false
	}
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// vmEntry is the part of a verification method this package reads.
type vmEntry struct {
	ID                 string          `json:"id"`
	Type               json.RawMessage `json:"type"`
	Controller         json.RawMessage `json:"controller"`
	PublicKeyMultibase *string         `json:"publicKeyMultibase"`
	PublicKeyJwk       json.RawMessage `json:"publicKeyJwk"`
	PublicKeyBase58    *string         `json:"publicKeyBase58"`
	PrivateKeyMulti    json.RawMessage `json:"privateKeyMultibase"`
	PrivateKeyJwk      json.RawMessage `json:"privateKeyJwk"`
	PrivateKeyBase58   json.RawMessage `json:"privateKeyBase58"`
}

func (v *vmEntry) hasKey() bool {
	return v.PublicKeyMultibase != nil || len(v.PublicKeyJwk) > 0 || v.PublicKeyBase58 != nil
}

// typeName returns the VM type: a string, or the first string of an array.
func (v *vmEntry) typeName() string {
	var s string
	if json.Unmarshal(v.Type, &s) == nil {
		return s
	}
	var arr []string
	if json.Unmarshal(v.Type, &arr) == nil && len(arr) > 0 {
		return arr[0]
	}
	return ""
}

// key decodes the VM's public key according to its type. Unknown types are
// decoded by the property they carry.
func (v *vmEntry) key() (crypto.PublicKey, error) {
	if len(v.PrivateKeyMulti) > 0 || len(v.PrivateKeyJwk) > 0 || len(v.PrivateKeyBase58) > 0 {
		return nil, errors.New("verification method publishes private key material")
	}
	typ := v.typeName()
	n := 0
	if v.PublicKeyMultibase != nil {
		n++
	}
	if len(v.PublicKeyJwk) > 0 && !bytes.Equal(v.PublicKeyJwk, []byte("null")) {
		n++
	}
	if v.PublicKeyBase58 != nil {
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("verification method (type %q) has no publicKeyMultibase, publicKeyJwk or publicKeyBase58", typ)
	}
	if n > 1 {
		return nil, fmt.Errorf("verification method (type %q) has more than one public key property", typ)
	}
	switch {
	case v.PublicKeyMultibase != nil:
		switch typ {
		case "Ed25519VerificationKey2020":
			return DecodeMultikey(*v.PublicKeyMultibase)
		case "JsonWebKey2020", "JsonWebKey", "Ed25519VerificationKey2018":
			// 2018 keys are publicKeyBase58 or publicKeyJwk; accept
			// publicKeyMultibase only as an Ed25519 Multikey.
			return DecodeMultikey(*v.PublicKeyMultibase)
		}
		return DecodeMultikeyAny(*v.PublicKeyMultibase)
	case v.PublicKeyBase58 != nil:
		if typ != "Ed25519VerificationKey2018" {
			return nil, fmt.Errorf("publicKeyBase58 is only read for Ed25519VerificationKey2018, not %q", typ)
		}
		s := *v.PublicKeyBase58
		if s == "" || len(s) > maxMultibaseLen {
			return nil, errors.New("publicKeyBase58 is empty or too long")
		}
		_, raw, err := multibase.Decode("z" + s)
		if err != nil {
			return nil, fmt.Errorf("publicKeyBase58 is not valid base58btc: %w", err)
		}
		return ed25519Key(raw, "publicKeyBase58")
	default:
		k, _, err := ParseJWK(v.PublicKeyJwk)
		if err != nil {
			return nil, err
		}
		if typ == "Ed25519VerificationKey2018" || typ == "Ed25519VerificationKey2020" {
			if _, ok := k.(ed25519.PublicKey); !ok {
				return nil, fmt.Errorf("%s holds a %s key, not Ed25519", typ, keyKind(k))
			}
		}
		return k, nil
	}
}

func keyKind(k crypto.PublicKey) string {
	switch k := k.(type) {
	case ed25519.PublicKey:
		return "Ed25519"
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	}
	return fmt.Sprintf("%T", k)
}
