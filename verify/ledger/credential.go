package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/gowebpki/jcs"
)

// Digest is the record digest of a credential exactly as issued:
// "sha256:" + hex of SHA-256 of its JCS form when it is JSON, or of the
// compact JWS bytes (surrounding white space trimmed) otherwise.
func Digest(credential []byte) (string, error) {
	b := bytes.TrimSpace(credential)
	if len(b) == 0 {
		return "", fmt.Errorf("empty credential")
	}
	if b[0] == '{' {
		c, err := jcs.Transform(b)
		if err != nil {
			return "", fmt.Errorf("credential is not canonicalisable JSON: %w", err)
		}
		b = c
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// CredentialCheck is what VerifyCredential checks a credential against.
type CredentialCheck struct {
	Credential   []byte // exactly as issued (JSON or compact JWS)
	CredentialID string // its id: the record must name it
	Issuer       string // the credential's issuer (a DID): the blocks must be signed by its keys
	Proof        *Proof // the /ledger/proof answer; nil means the ledger has no record
	// Blocks are the blocks with their records from the proof's block (or
	// from LastSeen, when that is earlier) to the head.
	Blocks   []Block
	Head     *Head    // the /ledger head, when known
	LastSeen *HeadRef // the head the wallet saw before, for fork detection
	Keys     KeyFunc
	// Anchors are the /ledger document's anchors of heads on other ledgers
	// (e.g. an EVM chain), for a caller that can check them.
	Anchors []json.RawMessage
}

// VerifyCredential checks a credential against its issuer's ledger: the
// record's digest is the credential's, the audit path leads to the block's
// merkle root, the block's hash, proof of work and signature (by a key of
// the credential's issuer), the previous_hash chain from that block to the
// head, no revocation record for the credential, and no fork from the head
// seen before.
func VerifyCredential(ctx context.Context, c CredentialCheck) Result {
	var r Result
	if c.Proof == nil {
		r.add(chainProblem(CodeRecord, "the ledger has no record of this credential"))
		r.finish("")
		return r
	}
	p := c.Proof
	bi := p.Block.Index
	r.Block, r.LeafIndex = bi, p.LeafIndex
	rec := &p.Record
	switch {
	case rec.Type != TypeAward:
		r.add(recordProblem(CodeRecord, bi, p.LeafIndex, fmt.Sprintf("is a %q record, not an award", rec.Type)))
	case c.CredentialID != "" && rec.Credential != c.CredentialID:
		r.add(recordProblem(CodeRecord, bi, p.LeafIndex, fmt.Sprintf("names credential %s, not %s", rec.Credential, c.CredentialID)))
	}
	if d, err := Digest(c.Credential); err != nil {
		r.add(recordProblem(CodeDigest, bi, p.LeafIndex, fmt.Sprintf("the credential's digest cannot be computed: %v", err)))
	} else if d != rec.Digest {
		r.add(recordProblem(CodeDigest, bi, p.LeafIndex, fmt.Sprintf("digest differs: the record says %s, the credential is %s", short16(rec.Digest), short16(d))))
	}

	// The blocks from the proof's block (or earlier) to the head.
	var proofBlock *Block
	for i := range c.Blocks {
		if c.Blocks[i].Index == bi {
			proofBlock = &c.Blocks[i]
		}
	}
	size := p.TreeSize
	if size == 0 && proofBlock != nil {
		size = len(proofBlock.Records)
	}
	if leaf, err := RecordHash(rec); err != nil {
		r.add(recordProblem(CodeParse, bi, p.LeafIndex, err.Error()))
	} else if path, err := ParsePath(p.AuditPath); err != nil {
		r.add(recordProblem(CodeInclusion, bi, p.LeafIndex, err.Error()))
	} else if root, err := ParseHash(p.Block.MerkleRoot); err != nil {
		r.add(blockProblem(CodeParse, bi, "merkle_root: "+err.Error()))
	} else if err := VerifyInclusion(leaf, p.LeafIndex, size, path, root); err != nil {
		r.add(recordProblem(CodeInclusion, bi, p.LeafIndex, err.Error()))
	}
	keys := c.Keys
	if keys != nil {
		keys = cached(keys)
	}
	r.add(VerifyBlockHeader(ctx, &p.Block, c.Issuer, keys)...)

	switch {
	case len(c.Blocks) == 0:
		if c.Head == nil || c.Head.Index != bi || c.Head.Hash != p.Block.Hash {
			r.add(chainProblem(CodeIndex, fmt.Sprintf("the blocks from %d to the head were not given: the chain to the head is unchecked", bi)))
		}
		if c.LastSeen != nil && (c.LastSeen.Index != bi || c.LastSeen.Hash != p.Block.Hash) {
			r.add(DetectFork(*c.LastSeen, []Block{p.Block}))
		}
	case proofBlock == nil:
		r.add(chainProblem(CodeIndex, fmt.Sprintf("the blocks given (%d to %d) do not include the record's block %d",
			c.Blocks[0].Index, c.Blocks[len(c.Blocks)-1].Index, bi)))
	default:
		if proofBlock.Hash != p.Block.Hash {
			r.add(blockProblem(CodeLink, bi, "the proof's block is not the chain's block of that index"))
		}
		verifySegment(ctx, c.Blocks, ChainOptions{Issuer: c.Issuer, Keys: keys, Head: c.Head, LastSeen: c.LastSeen}, &r)
		for _, b := range c.Blocks {
			for i, x := range b.Records {
				if x.Type == TypeRevocation && x.Credential == rec.Credential {
					msg := "revokes the credential"
					if x.Time != "" {
						msg += " at " + x.Time
					}
					if x.Reason != "" {
						msg += ": " + x.Reason
					}
					r.add(recordProblem(CodeRevoked, b.Index, i, msg))
				}
			}
		}
	}
	head := fmt.Sprintf("block %d", bi)
	if r.Head != nil {
		head = fmt.Sprintf("head %d %s", r.Head.Index, short16(r.Head.Hash))
	}
	r.finish(fmt.Sprintf("recorded as record %d of block %d, chained to %s, signed by %s; no revocation",
		p.LeafIndex, bi, head, p.Block.Key))
	return r
}
