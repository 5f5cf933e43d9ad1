package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Hash is a SHA-256 value: a leaf, a Merkle node or a block hash.
type Hash [32]byte

// String is the lowercase hex form used everywhere in the ledger.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash reads 64 lowercase hex digits.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, fmt.Errorf("hash %q is not 64 hex digits", short(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return h, fmt.Errorf("hash %q is not lowercase hex", short(s))
		}
	}
	_, err := hex.Decode(h[:], []byte(s))
	return h, err
}

// LeafHash is SHA-256(0x00 ‖ data) (RFC 6962 §2.1).
func LeafHash(data []byte) Hash {
	d := sha256.New()
	d.Write([]byte{0})
	d.Write(data)
	var h Hash
	d.Sum(h[:0])
	return h
}

// NodeHash is SHA-256(0x01 ‖ left ‖ right) (RFC 6962 §2.1).
func NodeHash(left, right Hash) Hash {
	var buf [65]byte
	buf[0] = 1
	copy(buf[1:], left[:])
	copy(buf[33:], right[:])
	return sha256.Sum256(buf[:])
}

// RecordHash is the leaf hash of a record: SHA-256(0x00 ‖ JCS(record)).
func RecordHash(r *Record) (Hash, error) {
	c, err := r.Canonical()
	if err != nil {
		return Hash{}, err
	}
	return LeafHash(c), nil
}

// MerkleRoot is the RFC 6962 Merkle tree hash of leaves (already leaf
// hashes); the root of no leaves is SHA-256 of the empty string.
func MerkleRoot(leaves []Hash) Hash {
	if len(leaves) == 0 {
		return sha256.Sum256(nil)
	}
	return mth(leaves)
}

func mth(d []Hash) Hash {
	if len(d) == 1 {
		return d[0]
	}
	k := split(len(d))
	return NodeHash(mth(d[:k]), mth(d[k:]))
}

// split is the largest power of two smaller than n (n > 1).
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// AuditPath is the RFC 6962 §2.1.1 audit path of leaf i among leaves.
func AuditPath(leaves []Hash, i int) ([]Hash, error) {
	if i < 0 || i >= len(leaves) {
		return nil, fmt.Errorf("leaf %d out of range [0, %d)", i, len(leaves))
	}
	return path(i, leaves), nil
}

func path(m int, d []Hash) []Hash {
	if len(d) == 1 {
		return nil
	}
	k := split(len(d))
	if m < k {
		return append(path(m, d[:k]), mth(d[k:]))
	}
	return append(path(m-k, d[k:]), mth(d[:k]))
}

// ErrInclusion means an audit path does not lead to the root.
var ErrInclusion = errors.New("the audit path does not lead to the merkle root")

// VerifyInclusion checks that leaf is leaf index of a tree of size leaves
// with the given root (RFC 9162 §2.1.3.2, the same paths as RFC 6962).
func VerifyInclusion(leaf Hash, index, size int, path []Hash, root Hash) error {
	if index < 0 || index >= size {
		return fmt.Errorf("leaf index %d is outside a tree of %d leaves", index, size)
	}
	fn, sn := index, size-1
	r := leaf
	for _, p := range path {
		if sn == 0 {
			return fmt.Errorf("%w: the path is longer than a tree of %d leaves needs", ErrInclusion, size)
		}
		if fn&1 == 1 || fn == sn {
			r = NodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = NodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return fmt.Errorf("%w: the path is shorter than a tree of %d leaves needs", ErrInclusion, size)
	}
	if r != root {
		return ErrInclusion
	}
	return nil
}

// ParsePath reads an audit path of hex hashes.
func ParsePath(hexes []string) ([]Hash, error) {
	out := make([]Hash, len(hexes))
	for i, s := range hexes {
		h, err := ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("audit path entry %d: %w", i, err)
		}
		out[i] = h
	}
	return out, nil
}

// PathStrings is the hex form of an audit path.
func PathStrings(p []Hash) []string {
	out := make([]string, len(p))
	for i, h := range p {
		out[i] = h.String()
	}
	return out
}

func short(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
