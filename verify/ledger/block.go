package ledger

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/cairn-pl/cairn/verify/did"
)

// Difficulty bounds. Verification accepts up to MaxDifficulty (every hex
// digit zero); Mine refuses more than MaxMineDifficulty, which would take
// hours.
const (
	DefaultDifficulty = 4
	MaxDifficulty     = 64
	MaxMineDifficulty = 8
	// MaxProof keeps proof an integer that JCS (IEEE doubles) writes exactly.
	MaxProof = 1<<53 - 1
)

// headerParts splits the JCS form of {difficulty, index, merkle_root,
// previous_hash, proof, timestamp} (members in that, the JCS, order)
// around the proof, so mining hashes the prefix once.
func headerParts(b *Block) (prefix, suffix []byte) {
	prefix = make([]byte, 0, 200)
	prefix = append(prefix, `{"difficulty":`...)
	prefix = strconv.AppendInt(prefix, int64(b.Difficulty), 10)
	prefix = append(prefix, `,"index":`...)
	prefix = strconv.AppendInt(prefix, b.Index, 10)
	prefix = append(prefix, `,"merkle_root":`...)
	prefix = appendJCSString(prefix, b.MerkleRoot)
	prefix = append(prefix, `,"previous_hash":`...)
	prefix = appendJCSString(prefix, b.PreviousHash)
	prefix = append(prefix, `,"proof":`...)
	suffix = append(suffix, `,"timestamp":`...)
	suffix = appendJCSString(suffix, b.Timestamp)
	suffix = append(suffix, '}')
	return prefix, suffix
}

// HeaderJSON is the JCS form of the hashed members of b.
func HeaderJSON(b *Block) []byte {
	p, s := headerParts(b)
	p = strconv.AppendUint(p, b.Proof, 10)
	return append(p, s...)
}

// BlockHash is SHA-256 of HeaderJSON(b).
func BlockHash(b *Block) Hash { return sha256.Sum256(HeaderJSON(b)) }

// appendJCSString writes s as RFC 8785 (ECMAScript JSON.stringify) does:
// only '"', '\\' and control characters are escaped.
func appendJCSString(dst []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, "\ufffd"...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			if c < 0x20 {
				dst = append(dst, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
			} else {
				dst = append(dst, c)
			}
		}
		i++
	}
	return append(dst, '"')
}

// LeadingZeros counts the leading zero hex digits of h.
func LeadingZeros(h Hash) int {
	n := 0
	for _, c := range h {
		if c == 0 {
			n += 2
			continue
		}
		if c < 0x10 {
			n++
		}
		break
	}
	return n
}

// RecordsRoot computes the leaf hashes of records and their Merkle root.
func RecordsRoot(records []Record) (Hash, []Hash, error) {
	leaves := make([]Hash, len(records))
	for i := range records {
		h, err := RecordHash(&records[i])
		if err != nil {
			return Hash{}, nil, fmt.Errorf("record %d: %w", i, err)
		}
		leaves[i] = h
	}
	return MerkleRoot(leaves), leaves, nil
}

// Mine sets b.Difficulty, then finds b.Proof so that BlockHash(b) starts
// with difficulty zero hex digits, and sets b.Hash. b's other hashed
// members must be final.
func Mine(b *Block, difficulty int) error { return MineContext(context.Background(), b, difficulty) }

// MineContext is Mine that stops when ctx is done. It searches on every
// CPU; the proof found is not necessarily the smallest.
func MineContext(ctx context.Context, b *Block, difficulty int) error {
	if difficulty < 0 || difficulty > MaxMineDifficulty {
		return fmt.Errorf("ledger: difficulty %d outside [0, %d]", difficulty, MaxMineDifficulty)
	}
	b.Difficulty = difficulty
	prefix, suffix := headerParts(b)
	base := sha256.New()
	base.Write(prefix)
	state, err := base.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return err
	}
	workers := runtime.GOMAXPROCS(0)
	if difficulty <= 2 || workers < 1 {
		workers = 1
	}
	var (
		stop  atomic.Bool
		mu    sync.Mutex
		found bool
		proof uint64
		wg    sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(start uint64) {
			defer wg.Done()
			d := sha256.New()
			um := d.(encoding.BinaryUnmarshaler)
			buf := make([]byte, 0, 24+len(suffix))
			var sum Hash
			for p, n := start, 0; p <= MaxProof; p, n = p+uint64(workers), n+1 {
				if n&4095 == 0 && (stop.Load() || ctx.Err() != nil) {
					return
				}
				_ = um.UnmarshalBinary(state)
				buf = strconv.AppendUint(buf[:0], p, 10)
				buf = append(buf, suffix...)
				d.Write(buf)
				d.Sum(sum[:0])
				if LeadingZeros(sum) >= difficulty {
					mu.Lock()
					if !found || p < proof {
						found, proof = true, p
					}
					mu.Unlock()
					stop.Store(true)
					return
				}
			}
		}(uint64(w))
	}
	wg.Wait()
	if !found {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("ledger: no proof of work found")
	}
	b.Proof = proof
	b.Hash = BlockHash(b).String()
	return nil
}

// SignBlock signs b.Hash with sign (Ed25519 over the 32 raw hash bytes)
// and records the verification method id.
func SignBlock(b *Block, keyID string, sign func(msg []byte) []byte) error {
	h, err := ParseHash(b.Hash)
	if err != nil {
		return err
	}
	b.Key = keyID
	b.Signature = base64.RawURLEncoding.EncodeToString(sign(h[:]))
	return nil
}

// KeyFunc resolves a verification method id to its key and controller
// (did.Resolve with a fetcher, or a fixed set of keys in tests). An error
// for which did.IsUnreachable is true makes the result unknown rather
// than invalid.
type KeyFunc func(ctx context.Context, vmID string) (*did.Method, error)

// StaticKeys is a KeyFunc over known Ed25519 keys, all controlled by
// controller (tests; an issuer checking its own ledger).
func StaticKeys(controller string, keys map[string]ed25519.PublicKey) KeyFunc {
	return func(_ context.Context, vmID string) (*did.Method, error) {
		k, ok := keys[vmID]
		if !ok {
			return nil, fmt.Errorf("unknown key %s", vmID)
		}
		return &did.Method{ID: vmID, Type: "Multikey", Controller: controller, Key: k, Source: did.SourceDIDWeb, AssertionMethod: true}, nil
	}
}

// DIDKeys resolves keys with did.Resolve (did:key offline, did:web and
// HTTPS through fetch).
func DIDKeys(fetch did.Fetch, opt did.Options) KeyFunc {
	return func(ctx context.Context, vmID string) (*did.Method, error) {
		return did.Resolve(ctx, vmID, fetch, opt)
	}
}

// cached memoises a KeyFunc for one verification: a ledger of thousands
// of blocks is signed by one or two keys. Unreachable answers are not
// kept, so a later block may still succeed.
func cached(k KeyFunc) KeyFunc {
	type entry struct {
		m   *did.Method
		err error
	}
	var mu sync.Mutex
	memo := map[string]entry{}
	return func(ctx context.Context, vmID string) (*did.Method, error) {
		mu.Lock()
		e, ok := memo[vmID]
		mu.Unlock()
		if ok {
			return e.m, e.err
		}
		m, err := k(ctx, vmID)
		if err == nil || !did.IsUnreachable(err) {
			mu.Lock()
			memo[vmID] = entry{m, err}
			mu.Unlock()
		}
		return m, err
	}
}

// VerifyBlock checks one block: its records against merkle_root, its hash
// against its contents, the proof of work, and the signature by a key that
// keys says belongs to issuer. It does not check previous_hash (VerifyChain
// does). It returns every problem found; none means the block is sound.
func VerifyBlock(ctx context.Context, b *Block, issuer string, keys KeyFunc) []*Problem {
	return verifyBlock(ctx, b, issuer, keys, true)
}

// VerifyBlockHeader is VerifyBlock for a block without its records (the
// /ledger/proof block): everything but the merkle root of the records.
func VerifyBlockHeader(ctx context.Context, b *Block, issuer string, keys KeyFunc) []*Problem {
	return verifyBlock(ctx, b, issuer, keys, false)
}

func verifyBlock(ctx context.Context, b *Block, issuer string, keys KeyFunc, withRecords bool) []*Problem {
	var ps []*Problem
	add := func(code, format string, args ...any) {
		ps = append(ps, blockProblem(code, b.Index, fmt.Sprintf(format, args...)))
	}
	if b.Difficulty < 0 || b.Difficulty > MaxDifficulty {
		add(CodeParse, "difficulty %d is outside [0, %d]", b.Difficulty, MaxDifficulty)
		return ps
	}
	if b.Proof > MaxProof {
		add(CodeParse, "proof %d is larger than 2^53-1", b.Proof)
		return ps
	}
	if _, err := ParseHash(b.MerkleRoot); err != nil {
		add(CodeParse, "merkle_root: %v", err)
	}
	if _, err := ParseHash(b.PreviousHash); err != nil {
		add(CodeParse, "previous_hash: %v", err)
	}
	if len(ps) > 0 {
		return ps
	}
	if withRecords {
		if len(b.Records) == 0 {
			add(CodeMerkle, "has no records")
		} else if root, _, err := RecordsRoot(b.Records); err != nil {
			add(CodeParse, "%v", err)
		} else if root.String() != b.MerkleRoot {
			add(CodeMerkle, "the merkle root of its %d records is %s, not its merkle_root %s: a record was changed, added, removed or reordered",
				len(b.Records), short16(root.String()), short16(b.MerkleRoot))
		}
	}
	computed := BlockHash(b)
	claimed, err := ParseHash(b.Hash)
	hashOK := err == nil && claimed == computed
	switch {
	case err != nil:
		add(CodeHash, "hash: %v", err)
	case !hashOK:
		add(CodeHash, "hash %s does not match its contents (they hash to %s)", short16(b.Hash), short16(computed.String()))
	}
	if z := LeadingZeros(computed); z < b.Difficulty {
		add(CodePoW, "the proof of work has %d leading zeros, difficulty %d", z, b.Difficulty)
	}
	if hashOK {
		if p := verifySignature(ctx, b, computed, issuer, keys); p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

func verifySignature(ctx context.Context, b *Block, h Hash, issuer string, keys KeyFunc) *Problem {
	if b.Key == "" || b.Signature == "" {
		return blockProblem(CodeSignature, b.Index, "is not signed")
	}
	sig, err := base64.RawURLEncoding.DecodeString(b.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return blockProblem(CodeSignature, b.Index, "signature is not a base64url Ed25519 signature")
	}
	if keys == nil {
		return &Problem{Code: CodeUnreachable, Block: b.Index, Record: -1,
			Message: fmt.Sprintf("block %d: no way to resolve key %s", b.Index, b.Key)}
	}
	m, err := keys(ctx, b.Key)
	if err != nil {
		if did.IsUnreachable(err) {
			return &Problem{Code: CodeUnreachable, Block: b.Index, Record: -1, Err: err,
				Message: fmt.Sprintf("block %d: key %s could not be fetched: %v", b.Index, b.Key, err)}
		}
		return &Problem{Code: CodeKey, Block: b.Index, Record: -1, Err: err,
			Message: fmt.Sprintf("block %d: key %s: %v", b.Index, b.Key, err)}
	}
	if issuer == "" || !m.ControlledBy(issuer) || !m.AssertionMethod {
		return blockProblem(CodeKey, b.Index, fmt.Sprintf("signed by a key that is not the issuer's (%s is not an assertion method of %s)", b.Key, orNone(issuer)))
	}
	pub, ok := m.Key.(ed25519.PublicKey)
	if !ok {
		return blockProblem(CodeKey, b.Index, fmt.Sprintf("key %s is not an Ed25519 key", b.Key))
	}
	if !ed25519.Verify(pub, h[:], sig) {
		return blockProblem(CodeSignature, b.Index, fmt.Sprintf("signature does not verify with key %s", b.Key))
	}
	return nil
}

func short16(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(no issuer)"
	}
	return s
}
