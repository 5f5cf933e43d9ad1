package ledger

import (
	"fmt"
	"strings"
)

// Problem codes: a stable vocabulary, so callers can tell failures apart
// without parsing messages.
const (
	CodeParse       = "parse"         // a member is malformed
	CodeIndex       = "index"         // blocks out of order or missing
	CodeLink        = "previous_hash" // a block does not point to the hash of the one before
	CodeMerkle      = "merkle_root"   // the records do not hash to the block's merkle root
	CodeHash        = "hash"          // the block's hash does not match its contents
	CodePoW         = "proof_of_work" // not enough leading zeros for the difficulty
	CodeSignature   = "signature"     // missing or not verifying
	CodeKey         = "key"           // the key is unknown, not Ed25519, or not the issuer's
	CodeHead        = "head"          // the /ledger head is not the chain's last block
	CodeFork        = "fork"          // the chain no longer contains the head seen before
	CodeDigest      = "digest"        // the record's digest is not the credential's
	CodeInclusion   = "inclusion"     // the audit path does not lead to the merkle root
	CodeRecord      = "record"        // no usable record for the credential
	CodeRevoked     = "revoked"       // a revocation record names the credential
	CodeUnreachable = "unreachable"   // a key or document could not be fetched: unknown, not invalid
)

// Problem is one thing that failed. Block and Record are -1 when the
// problem is not about one block or record.
type Problem struct {
	Code    string `json:"code"`
	Block   int64  `json:"block"`
	Record  int    `json:"record"`
	Message string `json:"message"`
	Err     error  `json:"-"`
}

func (p *Problem) Error() string { return p.Message }
func (p *Problem) Unwrap() error { return p.Err }

// Unknown reports whether the problem leaves validity undecided.
func (p *Problem) Unknown() bool { return p.Code == CodeUnreachable }

func blockProblem(code string, block int64, msg string) *Problem {
	return &Problem{Code: code, Block: block, Record: -1, Message: fmt.Sprintf("block %d: %s", block, msg)}
}

func recordProblem(code string, block int64, record int, msg string) *Problem {
	return &Problem{Code: code, Block: block, Record: record,
		Message: fmt.Sprintf("record %d of block %d: %s", record, block, msg)}
}

func chainProblem(code, msg string) *Problem {
	return &Problem{Code: code, Block: -1, Record: -1, Message: msg}
}

// Status of a Result, the same words as a verification report's checks.
type Status string

const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"
	StatusError Status = "error" // could not check: a key or document was unreachable
)

// maxProblems bounds a Result: the first failures say what matters.
const maxProblems = 50

// Result is the outcome of a ledger verification. A failure makes it
// fail; otherwise an unreachable key makes it error; otherwise it passes.
type Result struct {
	Status   Status     `json:"status"`
	Message  string     `json:"message"`
	Problems []*Problem `json:"problems,omitempty"`
	// Truncated counts problems beyond the ones listed.
	Truncated int `json:"truncated,omitempty"`

	Blocks      int      `json:"blocks"`
	Records     int      `json:"records"`
	Awards      int      `json:"awards"`
	Revocations int      `json:"revocations"`
	Head        *HeadRef `json:"head,omitempty"` // the last block verified
	// Block and LeafIndex locate the credential's record (VerifyCredential).
	Block     int64 `json:"block,omitempty"`
	LeafIndex int   `json:"leaf_index,omitempty"`
}

func (r *Result) add(ps ...*Problem) {
	for _, p := range ps {
		if p == nil {
			continue
		}
		if len(r.Problems) >= maxProblems {
			r.Truncated++
			continue
		}
		r.Problems = append(r.Problems, p)
	}
}

// Failed reports whether a problem with code was found.
func (r *Result) Failed(code string) bool {
	for _, p := range r.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

// finish sets Status and Message from the problems; ok is the message of
// a pass.
func (r *Result) finish(ok string) {
	var fails, unknown []string
	for _, p := range r.Problems {
		if p.Unknown() {
			unknown = append(unknown, p.Message)
		} else {
			fails = append(fails, p.Message)
		}
	}
	switch {
	case len(fails) > 0:
		r.Status = StatusFail
		r.Message = joinFirst(fails, r.Truncated)
	case len(unknown) > 0:
		r.Status = StatusError
		r.Message = joinFirst(unknown, r.Truncated)
	default:
		r.Status = StatusPass
		r.Message = ok
	}
}

func joinFirst(msgs []string, truncated int) string {
	const show = 3
	more := len(msgs) - show + truncated
	if len(msgs) > show {
		msgs = msgs[:show]
	}
	s := strings.Join(msgs, "; ")
	if more > 0 {
		s += fmt.Sprintf("; and %d more", more)
	}
	return s
}
