package evm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// RecordKind is the "kind" of a wallet record of a Learning Token on an EVM
// chain (research/seed-systems.md d.7).
const RecordKind = "learning-token"

// FormatLearningTokenEVM is the report format of such a record.
const FormatLearningTokenEVM = "learning-token-evm"

// Record is one Learning Token as the wallet keeps it. Everything in it is
// a claim until Verify has checked it against the chain. Big numbers are
// decimal strings.
type Record struct {
	Kind             string   `json:"kind"` // RecordKind
	ChainID          uint64   `json:"chainId"`
	Contract         string   `json:"contract"` // EIP-55 address
	Holder           string   `json:"holder"`
	TokenID          string   `json:"tokenId"`
	Amount           string   `json:"amount"`
	TokenType        string   `json:"tokenType"` // attendance, score, help, instructor-score
	CourseID         string   `json:"courseId"`
	CourseName       string   `json:"courseName,omitempty"`
	InstitutionID    string   `json:"institutionId"`
	Institution      Party    `json:"institution"`
	InstructorID     string   `json:"instructorId"`
	Instructor       Party    `json:"instructor"`
	FieldOfKnowledge string   `json:"fieldOfKnowledge"`
	Skill            string   `json:"skill"`
	CreatedAt        int64    `json:"createdAt"`
	ScoringGuideURL  string   `json:"scoringGuideURL,omitempty"`
	Evidence         Evidence `json:"evidence"`
}

// Party is an institution or instructor of the registry.
type Party struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

// Evidence is the mint log that created the token.
type Evidence struct {
	TxHash      string `json:"txHash"`
	BlockNumber uint64 `json:"blockNumber"`
	LogIndex    uint   `json:"logIndex"`
}

// IsRecord says whether data is (or claims to be) a Record: a JSON object
// whose kind is learning-token. It does not validate the rest.
func IsRecord(data []byte) bool {
	s := bytes.TrimSpace(data)
	if len(s) == 0 || s[0] != '{' || !bytes.Contains(s, []byte(RecordKind)) {
		return false
	}
	var probe struct {
		Kind string `json:"kind"`
	}
	return json.Unmarshal(s, &probe) == nil && probe.Kind == RecordKind
}

// ParseRecord decodes and checks a Record: every field a verification
// needs is present and well formed.
func ParseRecord(data []byte) (Record, error) {
	var r Record
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(data)))
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("not a Learning Token record: %v", err)
	}
	if dec.More() {
		return r, fmt.Errorf("data after the Learning Token record")
	}
	if r.Kind != RecordKind {
		return r, fmt.Errorf("kind is %q, not %q", r.Kind, RecordKind)
	}
	if r.ChainID == 0 {
		return r, fmt.Errorf("the record names no chain id")
	}
	for name, a := range map[string]string{"contract": r.Contract, "holder": r.Holder} {
		if !common.IsHexAddress(a) {
			return r, fmt.Errorf("%s %q is not an address", name, a)
		}
	}
	for name, n := range map[string]string{"tokenId": r.TokenID, "amount": r.Amount, "courseId": r.CourseID} {
		if _, ok := parseUint(n); !ok {
			return r, fmt.Errorf("%s %q is not a whole number", name, n)
		}
	}
	if _, ok := mintEvents[r.TokenType]; !ok {
		return r, fmt.Errorf("tokenType %q is none of attendance, score, help, instructor-score", r.TokenType)
	}
	if !isTxHash(r.Evidence.TxHash) {
		return r, fmt.Errorf("evidence.txHash %q is not a transaction hash", r.Evidence.TxHash)
	}
	return r, nil
}

// Marshal is the record's JSON, the bytes the wallet stores: the same
// record always gives the same bytes.
func (r Record) Marshal() []byte {
	b, _ := json.Marshal(r) // a struct of strings and numbers cannot fail
	return b
}

// ID is the record's credential id: the mint log on its chain,
// eip155:<chainId>:<contract>/tx/<hash>/log/<index>.
func (r Record) ID() string {
	return fmt.Sprintf("%s/tx/%s/log/%d", CAIP10(r.ChainID, r.Contract), strings.ToLower(r.Evidence.TxHash), r.Evidence.LogIndex)
}

// IssuerID is the contract as a DID (did:pkh), the id the trusted list
// holds for it.
func (r Record) IssuerID() string { return PKH(r.ChainID, r.Contract) }

// HolderID is the holder as a DID (did:pkh).
func (r Record) HolderID() string { return PKH(r.ChainID, r.Holder) }

// CAIP10 names an account on a chain: eip155:<chainId>:<EIP-55 address>.
func CAIP10(chainID uint64, addr string) string {
	return "eip155:" + strconv.FormatUint(chainID, 10) + ":" + checksum(addr)
}

// PKH is the did:pkh DID of an account on an EVM chain.
func PKH(chainID uint64, addr string) string { return "did:pkh:" + CAIP10(chainID, addr) }

func checksum(addr string) string {
	if common.IsHexAddress(addr) {
		return common.HexToAddress(addr).Hex()
	}
	return addr
}

// ParseAccount reads an account as the trusted list or the owner's
// identities may give it: did:pkh:eip155:<chain>:<addr>, eip155:<chain>:<addr>
// (chain is 0 when absent) or a bare 0x address.
func ParseAccount(s string) (chainID uint64, addr common.Address, ok bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "did:pkh:")
	if rest, found := strings.CutPrefix(strings.ToLower(s), "eip155:"); found {
		chain, a, found := strings.Cut(rest, ":")
		if !found {
			return 0, addr, false
		}
		n, err := strconv.ParseUint(chain, 10, 64)
		if err != nil || !common.IsHexAddress(a) {
			return 0, addr, false
		}
		return n, common.HexToAddress(a), true
	}
	if strings.HasPrefix(s, "0x") && common.IsHexAddress(s) {
		return 0, common.HexToAddress(s), true
	}
	return 0, addr, false
}

var (
	txHashRE = regexp.MustCompile(`^0x[0-9a-fA-F]{64}$`)
	cipRE    = regexp.MustCompile(`^\d{2}(\.\d{2}(\d{2})?)?$`)
)

func isTxHash(s string) bool { return txHashRE.MatchString(s) }

// parseUint reads a decimal whole number of any size.
func parseUint(s string) (*big.Int, bool) {
	if s == "" || len(s) > 78 {
		return nil, false
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() < 0 {
		return nil, false
	}
	return n, true
}
