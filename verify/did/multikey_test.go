package did

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/multiformats/go-multibase"
)

// W3C did:key spec example and its JWK x.
const (
	specDIDKey  = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
	specJWKX    = "Lm_M42cB3HkUiODQsXRcweM6TByfzEHGO9ND274JcOY"
	p256Key     = "zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv"
	p256X       = "igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns"
	p256Y       = "efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM"
	secp256k1MK = "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"
)

func TestMultikeyRoundTrip(t *testing.T) {
	for range 20 {
		pub := newKey(t)
		s := EncodeMultikey(pub)
		if !strings.HasPrefix(s, "z6Mk") {
			t.Fatalf("EncodeMultikey = %q, want z6Mk prefix", s)
		}
		got, err := DecodeMultikey(s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pub) {
			t.Fatalf("round trip: got %x want %x", got, pub)
		}
	}
}

func TestDIDKeySpecVector(t *testing.T) {
	want, _ := base64.RawURLEncoding.DecodeString(specJWKX)
	mk := strings.TrimPrefix(specDIDKey, "did:key:")
	got, err := DecodeMultikey(mk)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("key %x, want %x", got, want)
	}
	if EncodeMultikey(got) != mk {
		t.Fatalf("EncodeMultikey = %q, want %q", EncodeMultikey(got), mk)
	}

	for _, id := range []string{specDIDKey, specDIDKey + "#" + mk} {
		m, err := Resolve(context.Background(), id, nil, Options{})
		if err != nil {
			t.Fatalf("Resolve(%s): %v", id, err)
		}
		if m.ID != specDIDKey+"#"+mk || m.Controller != specDIDKey || m.Source != SourceDIDKey || !m.AssertionMethod {
			t.Fatalf("Resolve(%s) = %+v", id, m)
		}
		if !bytes.Equal(m.Key.(ed25519.PublicKey), want) {
			t.Fatal("wrong key")
		}
		if !m.ControlledBy(specDIDKey) || m.ControlledBy("did:key:z6Mkother") {
			t.Fatal("ControlledBy wrong")
		}
	}

	_, err = Resolve(context.Background(), specDIDKey+"#key-1", nil, Options{})
	asInvalid(t, err, KindMismatch)
}

func TestDIDKeyP256(t *testing.T) {
	m, err := Resolve(context.Background(), "did:key:"+p256Key, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := m.Key.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("key is %T", m.Key)
	}
	raw, err := pub.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	x, _ := base64.RawURLEncoding.DecodeString(p256X)
	y, _ := base64.RawURLEncoding.DecodeString(p256Y)
	if !bytes.Equal(raw[1:33], x) || !bytes.Equal(raw[33:], y) {
		t.Fatalf("P-256 point %x, want x %x y %x", raw, x, y)
	}
	// Not an Ed25519 key.
	_, err = DecodeMultikey(p256Key)
	var ce *CodecError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "p256-pub") {
		t.Fatalf("DecodeMultikey(p256) error = %v", err)
	}
}

func TestDecodeMultikeyErrors(t *testing.T) {
	priv := append([]byte{0x80, 0x26}, make([]byte, 32)...) // 0x1300 ed25519-priv
	privMK, _ := multibase.Encode(multibase.Base58BTC, priv)
	short, _ := multibase.Encode(multibase.Base58BTC, []byte{0xed, 0x01, 1, 2, 3})
	nonMinimal, _ := multibase.Encode(multibase.Base58BTC, append([]byte{0xed, 0x81, 0x00}, make([]byte, 32)...))
	identity := append([]byte{0xed, 0x01, 1}, make([]byte, 31)...) // the neutral point
	weak, _ := multibase.Encode(multibase.Base58BTC, identity)
	b64, _ := multibase.Encode(multibase.Base64url, append([]byte{0xed, 0x01}, make([]byte, 32)...))

	cases := []struct {
		in, want string
	}{
		{"", "empty"},
		{secp256k1MK, "secp256k1-pub (0xe7)"},
		{privMK, "private key, ed25519-priv"},
		{short, "has 3 key bytes"},
		{nonMinimal, "non-minimal"},
		{weak, "small-order"},
		{b64, "base58btc"},
		{"z0OIl", "not valid base58btc"},
		{"z" + strings.Repeat("2", 300), "longer than"},
	}
	for _, c := range cases {
		_, err := DecodeMultikey(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DecodeMultikey(%.20q) error = %v, want it to mention %q", c.in, err, c.want)
		}
	}
	_, err := Resolve(context.Background(), "did:key:"+secp256k1MK, nil, Options{})
	inv := asInvalid(t, err, KindBadKey)
	if !strings.Contains(inv.Error(), "secp256k1-pub") {
		t.Fatalf("error does not name the codec: %v", inv)
	}
}

func FuzzDecodeMultikey(f *testing.F) {
	f.Add(strings.TrimPrefix(specDIDKey, "did:key:"))
	f.Add(p256Key)
	f.Add(secp256k1MK)
	f.Add("z")
	f.Add("z1111")
	f.Add("z6Mk")
	f.Add("uAe0B")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := DecodeMultikey(s)
		if err == nil {
			if len(k) != ed25519.PublicKeySize {
				t.Fatalf("key of %d bytes", len(k))
			}
			if EncodeMultikey(k) != s {
				t.Fatalf("decode(%q) does not re-encode to itself: %q", s, EncodeMultikey(k))
			}
		}
		if _, err := DecodeMultikeyAny(s); err == nil && !strings.HasPrefix(s, "z") {
			t.Fatalf("accepted non-base58btc %q", s)
		}
	})
}
