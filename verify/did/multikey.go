package did

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/binary"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/multiformats/go-multibase"
)

// maxMultibaseLen caps a multibase key string before decoding (base58 decoding
// is quadratic). The longest key we accept, P-521 compressed, needs ~95.
const maxMultibaseLen = 256

// Multicodec codes for keys (https://github.com/multiformats/multicodec).
const (
	codecEd25519Pub = 0xed
	codecP256Pub    = 0x1200
	codecP384Pub    = 0x1201
	codecP521Pub    = 0x1202
)

var codecNames = map[uint64]string{
	0xe7:   "secp256k1-pub",
	0xea:   "bls12_381-g1-pub",
	0xeb:   "bls12_381-g2-pub",
	0xec:   "x25519-pub",
	0xed:   "ed25519-pub",
	0xee:   "bls12_381-g1g2-pub",
	0x1200: "p256-pub",
	0x1201: "p384-pub",
	0x1202: "p521-pub",
	0x1203: "ed448-pub",
	0x1204: "x448-pub",
	0x1205: "rsa-pub",
	0x1206: "sm2-pub",
	0x1300: "ed25519-priv",
	0x1301: "secp256k1-priv",
	0x1302: "x25519-priv",
	0x1303: "sr25519-priv",
	0x1305: "rsa-priv",
	0x1306: "p256-priv",
	0x1307: "p384-priv",
	0x1308: "p521-priv",
	0x1309: "bls12_381-g1-priv",
	0x130a: "bls12_381-g2-priv",
	0x130b: "bls12_381-g1g2-priv",
	0xef:   "sr25519-pub",
}

func codecName(c uint64) string {
	if n, ok := codecNames[c]; ok {
		return fmt.Sprintf("%s (0x%x)", n, c)
	}
	return fmt.Sprintf("unknown codec 0x%x", c)
}

// CodecError says a Multikey holds a key of another type than expected.
type CodecError struct {
	Codec uint64
	Want  string // what was expected, e.g. "ed25519-pub"
}

func (e *CodecError) Error() string {
	if e.Codec >= 0x1300 && e.Codec <= 0x13ff {
		return fmt.Sprintf("multikey holds a private key, %s; want %s", codecName(e.Codec), e.Want)
	}
	return fmt.Sprintf("multikey codec is %s, want %s", codecName(e.Codec), e.Want)
}

// decodeMultibaseKey returns the multicodec and the key bytes of a
// base58btc ("z…") Multikey.
func decodeMultibaseKey(s string) (uint64, []byte, error) {
	if s == "" {
		return 0, nil, errors.New("empty multikey")
	}
	if len(s) > maxMultibaseLen {
		return 0, nil, fmt.Errorf("multikey is %d characters, longer than %d", len(s), maxMultibaseLen)
	}
	if s[0] != 'z' {
		return 0, nil, fmt.Errorf("multikey must be base58btc (prefix 'z'), got prefix %q", s[:1])
	}
	_, raw, err := multibase.Decode(s)
	if err != nil {
		return 0, nil, fmt.Errorf("multikey is not valid base58btc: %w", err)
	}
	code, n := binary.Uvarint(raw)
	if n <= 0 {
		return 0, nil, errors.New("multikey has no multicodec prefix")
	}
	// Reject non-minimal varints (multicodec requires minimal encoding).
	if n > 1 && raw[n-1] == 0 {
		return 0, nil, errors.New("multikey has a non-minimal multicodec varint")
	}
	return code, raw[n:], nil
}

// DecodeMultikey decodes an Ed25519 Multikey ("z6Mk…": base58btc of
// 0xed 0x01 followed by the 32-byte public key). Another codec is an error
// that names it (*CodecError).
func DecodeMultikey(s string) (ed25519.PublicKey, error) {
	code, raw, err := decodeMultibaseKey(s)
	if err != nil {
		return nil, err
	}
	if code != codecEd25519Pub {
		return nil, &CodecError{Codec: code, Want: "ed25519-pub"}
	}
	return ed25519Key(raw, "ed25519 multikey")
}

// DecodeMultikeyAny decodes a Multikey holding an Ed25519 key or a compressed
// P-256, P-384 or P-521 point (as used by ecdsa-rdfc-2019 / ecdsa-sd-2023). It
// returns ed25519.PublicKey or *ecdsa.PublicKey; other codecs are a
// *CodecError.
func DecodeMultikeyAny(s string) (crypto.PublicKey, error) {
	code, raw, err := decodeMultibaseKey(s)
	if err != nil {
		return nil, err
	}
	var curve elliptic.Curve
	switch code {
	case codecEd25519Pub:
		return ed25519Key(raw, "ed25519 multikey")
	case codecP256Pub:
		curve = elliptic.P256()
	case codecP384Pub:
		curve = elliptic.P384()
	case codecP521Pub:
		curve = elliptic.P521()
	default:
		return nil, &CodecError{Codec: code, Want: "ed25519-pub, p256-pub, p384-pub or p521-pub"}
	}
	size := (curve.Params().BitSize + 7) / 8
	if len(raw) != 1+size {
		return nil, fmt.Errorf("%s multikey has %d key bytes, want %d (compressed point)", curve.Params().Name, len(raw), 1+size)
	}
	x, y := elliptic.UnmarshalCompressed(curve, raw)
	if x == nil {
		return nil, fmt.Errorf("%s multikey is not a valid compressed point", curve.Params().Name)
	}
	un := make([]byte, 1+2*size)
	un[0] = 4
	x.FillBytes(un[1 : 1+size])
	y.FillBytes(un[1+size:])
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, un)
	if err != nil {
		return nil, fmt.Errorf("%s multikey: %w", curve.Params().Name, err)
	}
	return pub, nil
}

// ed25519Key checks the length of an Ed25519 public key and refuses the
// small-order points (with which signatures can be forged) via go-jose's
// list of weak keys.
func ed25519Key(raw []byte, what string) (ed25519.PublicKey, error) {
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%s has %d key bytes, want %d", what, len(raw), ed25519.PublicKeySize)
	}
	pub := ed25519.PublicKey(raw)
	k := jose.JSONWebKey{Key: pub}
	if _, err := k.Thumbprint(crypto.SHA256); err != nil {
		return nil, fmt.Errorf("%s is a weak (small-order) Ed25519 key", what)
	}
	return pub, nil
}

// EncodeMultikey encodes an Ed25519 public key as a Multikey ("z6Mk…").
func EncodeMultikey(pub ed25519.PublicKey) string {
	buf := make([]byte, 0, 2+len(pub))
	buf = append(buf, 0xed, 0x01)
	buf = append(buf, pub...)
	s, err := multibase.Encode(multibase.Base58BTC, buf)
	if err != nil { // cannot happen for Base58BTC
		panic(err)
	}
	return s
}
