package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/gowebpki/jcs"
)

// Format is the format name of the /ledger document and of an export.
const Format = "cairn-ledger/1"

// Record types.
const (
	TypeAward      = "award"
	TypeRevocation = "revocation"
)

// GenesisPreviousHash is the previous_hash of block 0.
const GenesisPreviousHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Record is one ledger entry. A record decoded from JSON remembers the
// exact object it came from, so RecordHash hashes what the producer wrote
// (unknown members included); once a field is changed, the fields are
// hashed instead.
type Record struct {
	Type        string `json:"type"`
	Credential  string `json:"credential"`
	Digest      string `json:"digest"`
	Achievement string `json:"achievement"`
	Recipient   string `json:"recipient"`
	Time        string `json:"time"`
	Reason      string `json:"reason,omitempty"`

	raw    []byte       // the JCS form of the object decoded
	rawFor recordFields // the fields as decoded from raw
}

type recordFields struct {
	Type        string `json:"type"`
	Credential  string `json:"credential"`
	Digest      string `json:"digest"`
	Achievement string `json:"achievement"`
	Recipient   string `json:"recipient"`
	Time        string `json:"time"`
	Reason      string `json:"reason,omitempty"`
}

func (r *Record) fields() recordFields {
	return recordFields{r.Type, r.Credential, r.Digest, r.Achievement, r.Recipient, r.Time, r.Reason}
}

// UnmarshalJSON decodes a record and keeps its canonical (JCS) form.
func (r *Record) UnmarshalJSON(b []byte) error {
	var f recordFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	canon, err := jcs.Transform(b)
	if err != nil {
		return fmt.Errorf("record is not canonicalisable JSON: %w", err)
	}
	*r = Record{Type: f.Type, Credential: f.Credential, Digest: f.Digest, Achievement: f.Achievement,
		Recipient: f.Recipient, Time: f.Time, Reason: f.Reason, raw: canon, rawFor: f}
	return nil
}

// MarshalJSON writes the record in its canonical (JCS) form.
func (r Record) MarshalJSON() ([]byte, error) { return r.Canonical() }

// Canonical is the JCS form that RecordHash hashes: the decoded object
// when the fields are unchanged since decoding, else the fields.
func (r *Record) Canonical() ([]byte, error) {
	if r.raw != nil && r.rawFor == r.fields() {
		return r.raw, nil
	}
	b, err := json.Marshal(r.fields())
	if err != nil {
		return nil, err
	}
	return jcs.Transform(b)
}

// Block is one sealed block. The /ledger/proof answer carries a block
// without its records (Records nil).
type Block struct {
	Index        int64    `json:"index"`
	Timestamp    string   `json:"timestamp"`
	Records      []Record `json:"records,omitempty"`
	MerkleRoot   string   `json:"merkle_root"`
	PreviousHash string   `json:"previous_hash"`
	Difficulty   int      `json:"difficulty"`
	Proof        uint64   `json:"proof"`
	Hash         string   `json:"hash"`
	Signature    string   `json:"signature"`
	Key          string   `json:"key"`
}

// Header is b without its records (what /ledger/proof carries).
func (b *Block) Header() Block {
	h := *b
	h.Records = nil
	return h
}

// HeadRef names a block by index and hash: what a wallet remembers of the
// last head it saw of an issuer's ledger.
type HeadRef struct {
	Index int64  `json:"index"`
	Hash  string `json:"hash"`
}

// Head is the head of the /ledger document.
type Head struct {
	Index     int64  `json:"index"`
	Hash      string `json:"hash"`
	Signature string `json:"signature"`
}

// Ref is h as a HeadRef.
func (h Head) Ref() HeadRef { return HeadRef{Index: h.Index, Hash: h.Hash} }

// Document is the /ledger answer. Head is nil while no block is sealed.
type Document struct {
	Format  string            `json:"format"`
	Issuer  string            `json:"issuer"`
	Key     string            `json:"key"`
	Head    *Head             `json:"head"`
	Pending int               `json:"pending"`
	Anchors []json.RawMessage `json:"anchors"`
}

// Export is the whole ledger in one document (what `cairn ledger verify`
// reads from a file): the /ledger document plus every block from genesis.
type Export struct {
	Document
	Blocks []Block `json:"blocks"`
}

// Proof is the /ledger/proof?credential=ID answer. TreeSize (the number of
// records in the block) is an addition to the DESIGN.md shape: RFC 6962
// audit paths cannot be checked without it. When it is 0, the verifier
// takes the size from the block's records if it has them.
type Proof struct {
	Record    Record   `json:"record"`
	LeafIndex int      `json:"leaf_index"`
	TreeSize  int      `json:"tree_size,omitempty"`
	AuditPath []string `json:"audit_path"`
	Block     Block    `json:"block"`
}

// maxInput bounds what the parsers accept.
const maxInput = 256 << 20

func decodeStrict(data []byte, v any) error {
	if len(data) > maxInput {
		return fmt.Errorf("input is %d bytes, more than %d", len(data), maxInput)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// ParseBlocks parses a JSON array of blocks (the /ledger/blocks answer).
func ParseBlocks(data []byte) ([]Block, error) {
	var bs []Block
	if err := decodeStrict(data, &bs); err != nil {
		return nil, fmt.Errorf("ledger blocks: %w", err)
	}
	return bs, nil
}

// ParseDocument parses the /ledger answer.
func ParseDocument(data []byte) (*Document, error) {
	var d Document
	if err := decodeStrict(data, &d); err != nil {
		return nil, fmt.Errorf("ledger document: %w", err)
	}
	if d.Format != Format {
		return nil, fmt.Errorf("ledger document: format %q, want %q", d.Format, Format)
	}
	return &d, nil
}

// ParseExport parses a whole-ledger export.
func ParseExport(data []byte) (*Export, error) {
	var e Export
	if err := decodeStrict(data, &e); err != nil {
		return nil, fmt.Errorf("ledger export: %w", err)
	}
	if e.Format != Format {
		return nil, fmt.Errorf("ledger export: format %q, want %q", e.Format, Format)
	}
	return &e, nil
}

// ParseProof parses the /ledger/proof answer.
func ParseProof(data []byte) (*Proof, error) {
	var p Proof
	if err := decodeStrict(data, &p); err != nil {
		return nil, fmt.Errorf("ledger proof: %w", err)
	}
	return &p, nil
}
