package evm

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Chain reads one Learning Tokens contract on one chain through a Backend.
// It caches what does not change between calls of one batch (the chain
// id, the contract's code, the registry entries); make a new one per batch
// so a later batch sees registry changes. It is safe for concurrent use.
type Chain struct {
	B        Backend
	Contract common.Address
	// FromBlock is where log searches start (0: genesis).
	FromBlock uint64

	mu           sync.Mutex
	chainID      *big.Int
	hasCode      *bool
	courses      map[string]*Course
	institutions map[common.Address]*InstitutionEntry
	instructors  map[common.Address]*InstructorEntry
}

// Course is the courses(courseId) getter's answer.
type Course struct {
	InstructorId                     *big.Int
	InstitutionId                    *big.Int
	InstitutionAddress               common.Address
	InstructorAddress                common.Address
	CreatedAt                        *big.Int
	CourseName                       string
	TotalSupply                      *big.Int
	CourseHelpingTokneId             *big.Int
	ScoringGuideGradingPolicyBookURL string
}

// InstitutionEntry is the institutions(address) getter's answer.
type InstitutionEntry struct {
	InstitutionId   *big.Int
	InstitutionName string
	CreatedAt       *big.Int
	Status          bool
	Lat             string
	Long            string
}

// InstructorEntry is the instructors(address) getter's answer.
type InstructorEntry struct {
	InstructorId   *big.Int
	InstructorName string
	CreatedAt      *big.Int
}

// TokenMeta is one entry of getLearnerTokenMetadata(address).
type TokenMeta struct {
	InstitutionId    *big.Int
	InstructorId     *big.Int
	TokenId          *big.Int
	CreatedAt        *big.Int
	CourseId         *big.Int
	FieldOfKnowledge string
	Skill            string
}

// NewChain reads contract through b.
func NewChain(b Backend, contract common.Address) *Chain {
	return &Chain{B: b, Contract: contract}
}

// ChainID is the node's chain id (cached).
func (c *Chain) ChainID(ctx context.Context) (*big.Int, error) {
	c.mu.Lock()
	id := c.chainID
	c.mu.Unlock()
	if id != nil {
		return id, nil
	}
	id, err := c.B.ChainID(ctx)
	if err != nil {
		return nil, classify(err)
	}
	c.mu.Lock()
	c.chainID = id
	c.mu.Unlock()
	return id, nil
}

// HasCode says whether the contract address holds code (cached).
func (c *Chain) HasCode(ctx context.Context) (bool, error) {
	c.mu.Lock()
	h := c.hasCode
	c.mu.Unlock()
	if h != nil {
		return *h, nil
	}
	code, err := c.B.CodeAt(ctx, c.Contract, nil)
	if err != nil {
		return false, classify(err)
	}
	ok := len(code) > 0
	c.mu.Lock()
	c.hasCode = &ok
	c.mu.Unlock()
	return ok, nil
}

// call runs a view of the contract at the latest block and unpacks its
// outputs into out.
func (c *Chain) call(ctx context.Context, out any, method string, args ...any) error {
	a := ContractABI()
	data, err := a.Pack(method, args...)
	if err != nil {
		return err
	}
	res, err := c.B.CallContract(ctx, ethereum.CallMsg{To: &c.Contract, Data: data}, nil)
	if err != nil {
		return classify(err)
	}
	if len(res) == 0 {
		return fmt.Errorf("%s answered nothing: is %s a Learning Tokens contract?", method, c.Contract.Hex())
	}
	if err := a.UnpackIntoInterface(out, method, res); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	return nil
}

// Course reads courses(id) (cached).
func (c *Chain) Course(ctx context.Context, id *big.Int) (*Course, error) {
	key := id.String()
	c.mu.Lock()
	if v, ok := c.courses[key]; ok {
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v := new(Course)
	if err := c.call(ctx, v, "courses", id); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.courses == nil {
		c.courses = map[string]*Course{}
	}
	c.courses[key] = v
	c.mu.Unlock()
	return v, nil
}

// Institution reads institutions(addr) (cached).
func (c *Chain) Institution(ctx context.Context, addr common.Address) (*InstitutionEntry, error) {
	c.mu.Lock()
	if v, ok := c.institutions[addr]; ok {
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v := new(InstitutionEntry)
	if err := c.call(ctx, v, "institutions", addr); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.institutions == nil {
		c.institutions = map[common.Address]*InstitutionEntry{}
	}
	c.institutions[addr] = v
	c.mu.Unlock()
	return v, nil
}

// Instructor reads instructors(addr) (cached).
func (c *Chain) Instructor(ctx context.Context, addr common.Address) (*InstructorEntry, error) {
	c.mu.Lock()
	if v, ok := c.instructors[addr]; ok {
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v := new(InstructorEntry)
	if err := c.call(ctx, v, "instructors", addr); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.instructors == nil {
		c.instructors = map[common.Address]*InstructorEntry{}
	}
	c.instructors[addr] = v
	c.mu.Unlock()
	return v, nil
}

// Metadata reads getLearnerTokenMetadata(holder).
func (c *Chain) Metadata(ctx context.Context, holder common.Address) ([]TokenMeta, error) {
	var out []TokenMeta
	if err := c.call(ctx, &out, "getLearnerTokenMetadata", holder); err != nil {
		return nil, err
	}
	return out, nil
}

// BalanceOf reads balanceOf(holder, id).
func (c *Chain) BalanceOf(ctx context.Context, holder common.Address, id *big.Int) (*big.Int, error) {
	var out *big.Int
	if err := c.call(ctx, &out, "balanceOf", holder, id); err != nil {
		return nil, err
	}
	return out, nil
}

// Mint is one decoded mint log.
type Mint struct {
	Kind     string
	Holder   common.Address
	TokenID  *big.Int
	CourseID *big.Int
	Amount   *big.Int
	// FieldOfKnowledge and Skill are in ScoreTokenMinted only.
	FieldOfKnowledge, Skill string
	Log                     types.Log
}

// DecodeMint reads a mint log; ok is false for any other log.
func DecodeMint(l types.Log) (Mint, bool) {
	if len(l.Topics) != 4 {
		return Mint{}, false
	}
	kind := kindOfTopic(l.Topics[0])
	if kind == "" {
		return Mint{}, false
	}
	m := Mint{Kind: kind, Holder: common.BytesToAddress(l.Topics[1].Bytes()),
		TokenID: l.Topics[2].Big(), CourseID: l.Topics[3].Big(), Log: l}
	vals, err := ContractABI().Events[mintEvents[kind]].Inputs.NonIndexed().Unpack(l.Data)
	if err != nil || len(vals) == 0 {
		return Mint{}, false
	}
	amount, ok := vals[0].(*big.Int)
	if !ok {
		return Mint{}, false
	}
	m.Amount = amount
	if kind == KindScore && len(vals) == 3 {
		m.FieldOfKnowledge, _ = vals[1].(string)
		m.Skill, _ = vals[2].(string)
	}
	return m, true
}

// Mints returns the mint logs of the contract that name holder, oldest
// first.
func (c *Chain) Mints(ctx context.Context, holder common.Address) ([]Mint, error) {
	ContractABI()
	q := ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(c.FromBlock),
		Addresses: []common.Address{c.Contract},
		Topics:    [][]common.Hash{mintTopics, {common.BytesToHash(holder.Bytes())}},
	}
	logs, err := c.B.FilterLogs(ctx, q)
	if err != nil {
		return nil, classify(err)
	}
	var out []Mint
	for _, l := range logs {
		if l.Removed || l.Address != c.Contract {
			continue
		}
		if m, ok := DecodeMint(l); ok && m.Holder == holder {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Log, out[j].Log
		if a.BlockNumber != b.BlockNumber {
			return a.BlockNumber < b.BlockNumber
		}
		return a.Index < b.Index
	})
	return out, nil
}

// ErrNoTokens is returned by Read when the holder has no mint logs.
var ErrNoTokens = errors.New("evm: no Learning Tokens minted to this address")

// Read reads every Learning Token minted to holder: the mint logs (which
// alone tell the kind), each matched to its getLearnerTokenMetadata entry
// (field of knowledge, skill, creation time) and to the registry (course
// name, scoring guide, institution and instructor). A holder with no mint
// log gives ErrNoTokens. Metadata entries without a mint log to the holder
// (the original contract's batch instructor-score mint logs only the first
// learner) are not returned: their kind cannot be known.
func (c *Chain) Read(ctx context.Context, holder common.Address) ([]Record, error) {
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	mints, err := c.Mints(ctx, holder)
	if err != nil {
		return nil, err
	}
	if len(mints) == 0 {
		return nil, ErrNoTokens
	}
	meta, err := c.Metadata(ctx, holder)
	if err != nil {
		return nil, err
	}
	used := make([]bool, len(meta))
	out := make([]Record, 0, len(mints))
	for _, m := range mints {
		md := matchMeta(meta, used, m)
		r, err := c.record(ctx, chainID.Uint64(), m, md)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// matchMeta finds the metadata entry of a mint: the first unused one of
// the same course and token id; for a Help token (whose metadata records
// the token counter rather than the help id in the original contract) the
// first unused one of the same course.
func matchMeta(meta []TokenMeta, used []bool, m Mint) *TokenMeta {
	for i := range meta {
		if !used[i] && bigEq(meta[i].CourseId, m.CourseID) && bigEq(meta[i].TokenId, m.TokenID) {
			used[i] = true
			return &meta[i]
		}
	}
	if m.Kind == KindHelp {
		for i := range meta {
			if !used[i] && bigEq(meta[i].CourseId, m.CourseID) {
				used[i] = true
				return &meta[i]
			}
		}
	}
	return nil
}

func bigEq(a, b *big.Int) bool { return a != nil && b != nil && a.Cmp(b) == 0 }

func bigStr(n *big.Int) string {
	if n == nil {
		return "0"
	}
	return n.String()
}

// record builds the wallet record of one mint.
func (c *Chain) record(ctx context.Context, chainID uint64, m Mint, md *TokenMeta) (Record, error) {
	r := Record{Kind: RecordKind, ChainID: chainID, Contract: c.Contract.Hex(), Holder: m.Holder.Hex(),
		TokenID: m.TokenID.String(), Amount: m.Amount.String(), TokenType: m.Kind, CourseID: m.CourseID.String(),
		FieldOfKnowledge: m.FieldOfKnowledge, Skill: m.Skill,
		Evidence: Evidence{TxHash: m.Log.TxHash.Hex(), BlockNumber: m.Log.BlockNumber, LogIndex: m.Log.Index}}
	course, err := c.Course(ctx, m.CourseID)
	if err != nil {
		return r, err
	}
	r.CourseName, r.ScoringGuideURL = course.CourseName, course.ScoringGuideGradingPolicyBookURL
	r.InstitutionID, r.InstructorID = bigStr(course.InstitutionId), bigStr(course.InstructorId)
	r.Institution.Address, r.Instructor.Address = course.InstitutionAddress.Hex(), course.InstructorAddress.Hex()
	if md != nil {
		r.FieldOfKnowledge, r.Skill = md.FieldOfKnowledge, md.Skill
		if md.CreatedAt != nil && md.CreatedAt.IsInt64() {
			r.CreatedAt = md.CreatedAt.Int64()
		}
	}
	inst, err := c.Institution(ctx, course.InstitutionAddress)
	if err != nil {
		return r, err
	}
	r.Institution.Name = inst.InstitutionName
	ins, err := c.Instructor(ctx, course.InstructorAddress)
	if err != nil {
		return r, err
	}
	r.Instructor.Name = ins.InstructorName
	return r, nil
}

// Known presets what a caller learned of this chain before (the node's
// chain id, that the contract has code), so a new Chain for the same
// network need not ask again. A nil chainID presets nothing.
func (c *Chain) Known(chainID *big.Int, hasCode bool) {
	if chainID == nil {
		return
	}
	c.mu.Lock()
	c.chainID = chainID
	if hasCode {
		c.hasCode = &hasCode
	}
	c.mu.Unlock()
}

// Learned returns the chain id and whether the contract has code, as far
// as this Chain has read them (nil, false before).
func (c *Chain) Learned() (chainID *big.Int, hasCode bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.chainID, c.hasCode != nil && *c.hasCode
}
