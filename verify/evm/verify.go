package evm

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cairn-pl/cairn/verify"
)

// Options configure one verification.
type Options struct {
	// TrustedIssuers is the owner's trusted list (verify.Options'); the
	// contract is trusted when it holds did:pkh:eip155:<chain>:<contract>
	// or eip155:<chain>:<contract> (addresses compared case aside).
	TrustedIssuers []string
	// Recipients are the owner's identities; those that are accounts
	// (0x…, eip155:…, did:pkh:eip155:…) are matched against the holder.
	Recipients []string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Verify checks a stored record (the bytes the wallet keeps) against the
// chain c reads, which the caller picked for the record's chain id and
// contract (nil: no network is configured for it, and the chain checks end
// in error). It never panics on bad input.
func Verify(ctx context.Context, c *Chain, data []byte, opts Options) verify.Report {
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	v := &vrun{ctx: ctx, c: c, opts: opts, checks: map[string]*verify.Check{}}
	v.rep.Format = FormatLearningTokenEVM
	rec, err := ParseRecord(data)
	if err != nil {
		v.add(verify.CheckParse, verify.StatusFail, "%v", err)
	} else {
		v.rec = rec
		v.rep.Credential = Summary(rec)
		v.add(verify.CheckParse, verify.StatusPass, "a Learning Token (%s) on chain %d, contract %s", rec.TokenType, rec.ChainID, rec.Contract)
		v.run()
	}
	for _, id := range verify.CheckIDs {
		if ch, ok := v.checks[id]; ok {
			v.rep.Checks = append(v.rep.Checks, *ch)
		}
	}
	v.rep.Verdict = verify.Verdict(v.rep.Checks)
	v.rep.VerifiedAt = now.UTC().Truncate(time.Second)
	if v.rep.Credential.Skills == nil {
		v.rep.Credential.Skills = []verify.Skill{}
	}
	return v.rep
}

type vrun struct {
	ctx    context.Context
	c      *Chain
	opts   Options
	rec    Record
	rep    verify.Report
	checks map[string]*verify.Check
	minter common.Address
}

// add records a check; a second add of the same id keeps the worse status
// (messages of equal status are joined).
func (v *vrun) add(id, status, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c, ok := v.checks[id]
	if !ok {
		v.checks[id] = &verify.Check{ID: id, Status: status, Message: msg}
		return
	}
	if rank(status) > rank(c.Status) {
		c.Status, c.Message = status, msg
	} else if rank(status) == rank(c.Status) && msg != "" {
		c.Message += "; " + msg
	}
}

func rank(s string) int {
	switch s {
	case verify.StatusFail:
		return 4
	case verify.StatusError:
		return 3
	case verify.StatusWarn:
		return 2
	case verify.StatusPass:
		return 1
	}
	return 0
}

// fault adds a check for an error of a node call: error (verdict unknown)
// when the node could not be reached, else fail.
func (v *vrun) fault(id string, err error, format string, args ...any) {
	st := verify.StatusFail
	if IsUnreachable(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		st = verify.StatusError
	}
	v.add(id, st, "%s: %v", fmt.Sprintf(format, args...), err)
}

func (v *vrun) run() {
	v.trust()
	v.recipient()
	if v.c == nil {
		for _, id := range []string{verify.CheckKey, verify.CheckSignature, verify.CheckIssuer, verify.CheckStatus} {
			v.add(id, verify.StatusError, "no EVM network is configured for chain %d (Settings → EVM networks)", v.rec.ChainID)
		}
		return
	}
	if !v.key() {
		return
	}
	v.signature()
	v.issuer()
	v.status()
}

// key: the node is on the record's chain and the contract has code there.
func (v *vrun) key() bool {
	id, err := v.c.ChainID(v.ctx)
	if err != nil {
		v.fault(verify.CheckKey, err, "the node's chain id")
	} else if !id.IsUint64() || id.Uint64() != v.rec.ChainID {
		v.add(verify.CheckKey, verify.StatusFail, "the record is on chain %d but the node answers for chain %s", v.rec.ChainID, id)
	} else if v.c.Contract != common.HexToAddress(v.rec.Contract) {
		v.add(verify.CheckKey, verify.StatusFail, "the record names contract %s, the network %s", v.rec.Contract, v.c.Contract.Hex())
	} else if ok, err := v.c.HasCode(v.ctx); err != nil {
		v.fault(verify.CheckKey, err, "the contract's code")
	} else if !ok {
		v.add(verify.CheckKey, verify.StatusFail, "there is no contract at %s on chain %d", v.rec.Contract, v.rec.ChainID)
	} else {
		v.add(verify.CheckKey, verify.StatusPass, "chain %d; contract %s", v.rec.ChainID, v.rec.Contract)
	}
	if c := v.checks[verify.CheckKey]; c.Status != verify.StatusPass {
		skip := "not checked: " + c.Message
		st := verify.StatusSkip
		if c.Status == verify.StatusError {
			st = verify.StatusError // the chain could not be read: unknown, not valid
		}
		for _, id := range []string{verify.CheckSignature, verify.CheckIssuer, verify.CheckStatus} {
			v.add(id, st, "%s", skip)
		}
		return false
	}
	return true
}

// signature: the mint log at txHash / logIndex is what the record says.
func (v *vrun) signature() {
	r := v.rec
	hash := common.HexToHash(r.Evidence.TxHash)
	rc, err := v.c.B.TransactionReceipt(v.ctx, hash)
	if err != nil {
		err = classify(err)
		if errors.Is(err, ethereum.NotFound) {
			v.add(verify.CheckSignature, verify.StatusFail, "transaction %s is not on chain %d", r.Evidence.TxHash, r.ChainID)
			return
		}
		v.fault(verify.CheckSignature, err, "the receipt of %s", r.Evidence.TxHash)
		return
	}
	if rc.Status != types.ReceiptStatusSuccessful {
		v.add(verify.CheckSignature, verify.StatusFail, "transaction %s failed (reverted)", r.Evidence.TxHash)
		return
	}
	if rc.BlockNumber == nil || !rc.BlockNumber.IsUint64() || rc.BlockNumber.Uint64() != r.Evidence.BlockNumber {
		v.add(verify.CheckSignature, verify.StatusFail, "transaction %s is in block %v, not %d", r.Evidence.TxHash, rc.BlockNumber, r.Evidence.BlockNumber)
		return
	}
	var found *types.Log
	for _, l := range rc.Logs {
		if l.Index == r.Evidence.LogIndex {
			found = l
			break
		}
	}
	if found == nil {
		v.add(verify.CheckSignature, verify.StatusFail, "transaction %s has no log %d", r.Evidence.TxHash, r.Evidence.LogIndex)
		return
	}
	if found.Address != common.HexToAddress(r.Contract) {
		v.add(verify.CheckSignature, verify.StatusFail, "log %d of %s comes from %s, not the contract %s", r.Evidence.LogIndex, r.Evidence.TxHash, found.Address.Hex(), r.Contract)
		return
	}
	m, ok := DecodeMint(*found)
	if !ok {
		v.add(verify.CheckSignature, verify.StatusFail, "log %d of %s is not a Learning Token mint", r.Evidence.LogIndex, r.Evidence.TxHash)
		return
	}
	var bad []string
	if m.Kind != r.TokenType {
		bad = append(bad, fmt.Sprintf("kind %s, not %s", m.Kind, r.TokenType))
	}
	if m.Holder != common.HexToAddress(r.Holder) {
		bad = append(bad, fmt.Sprintf("holder %s, not %s", m.Holder.Hex(), r.Holder))
	}
	if m.TokenID.String() != r.TokenID {
		bad = append(bad, fmt.Sprintf("token id %s, not %s", m.TokenID, r.TokenID))
	}
	if m.CourseID.String() != r.CourseID {
		bad = append(bad, fmt.Sprintf("course %s, not %s", m.CourseID, r.CourseID))
	}
	if m.Amount.String() != r.Amount {
		bad = append(bad, fmt.Sprintf("amount %s, not %s", m.Amount, r.Amount))
	}
	if m.Kind == KindScore && (m.FieldOfKnowledge != r.FieldOfKnowledge || m.Skill != r.Skill) {
		bad = append(bad, fmt.Sprintf("field of knowledge and skill %q / %q, not %q / %q", m.FieldOfKnowledge, m.Skill, r.FieldOfKnowledge, r.Skill))
	}
	if len(bad) > 0 {
		v.add(verify.CheckSignature, verify.StatusFail, "the mint log at %s log %d says %s", r.Evidence.TxHash, r.Evidence.LogIndex, strings.Join(bad, ", "))
		return
	}
	tx, pending, err := v.c.B.TransactionByHash(v.ctx, hash)
	if err != nil {
		v.fault(verify.CheckSignature, classify(err), "transaction %s", r.Evidence.TxHash)
		return
	}
	if pending {
		v.add(verify.CheckSignature, verify.StatusFail, "transaction %s is still pending", r.Evidence.TxHash)
		return
	}
	from, err := types.Sender(types.LatestSignerForChainID(new(big.Int).SetUint64(r.ChainID)), tx)
	if err != nil {
		v.add(verify.CheckSignature, verify.StatusFail, "the sender of %s cannot be recovered: %v", r.Evidence.TxHash, err)
		return
	}
	v.minter = from
	v.add(verify.CheckSignature, verify.StatusPass, "%s token %s (amount %s) minted to %s in block %d, transaction %s (log %d), sent by %s",
		r.TokenType, r.TokenID, r.Amount, r.Holder, r.Evidence.BlockNumber, r.Evidence.TxHash, r.Evidence.LogIndex, from.Hex())
}

// issuer: the registry links the minter to the course and the course to a
// registered institution.
func (v *vrun) issuer() {
	r := v.rec
	cid, _ := parseUint(r.CourseID)
	course, err := v.c.Course(v.ctx, cid)
	if err != nil {
		v.fault(verify.CheckIssuer, err, "courses(%s)", r.CourseID)
		return
	}
	if course.InstructorAddress == (common.Address{}) {
		v.add(verify.CheckIssuer, verify.StatusFail, "course %s is not in the contract's registry", r.CourseID)
		return
	}
	if v.minter != (common.Address{}) && course.InstructorAddress != v.minter {
		v.add(verify.CheckIssuer, verify.StatusFail, "the token was minted by %s, but course %s (%s) belongs to instructor %s",
			v.minter.Hex(), r.CourseID, course.CourseName, course.InstructorAddress.Hex())
		return
	}
	inst, err := v.c.Institution(v.ctx, course.InstitutionAddress)
	if err != nil {
		v.fault(verify.CheckIssuer, err, "institutions(%s)", course.InstitutionAddress.Hex())
		return
	}
	if !inst.Status {
		v.add(verify.CheckIssuer, verify.StatusFail, "the course's institution %s is not registered (or not active)", course.InstitutionAddress.Hex())
		return
	}
	ins, err := v.c.Instructor(v.ctx, course.InstructorAddress)
	if err != nil {
		v.fault(verify.CheckIssuer, err, "instructors(%s)", course.InstructorAddress.Hex())
		return
	}
	var bad []string
	if course.CourseName != r.CourseName {
		bad = append(bad, fmt.Sprintf("the course is named %q, not %q", course.CourseName, r.CourseName))
	}
	if course.ScoringGuideGradingPolicyBookURL != r.ScoringGuideURL {
		bad = append(bad, fmt.Sprintf("the scoring guide is %q, not %q", course.ScoringGuideGradingPolicyBookURL, r.ScoringGuideURL))
	}
	if course.InstitutionAddress != common.HexToAddress(r.Institution.Address) || bigStr(course.InstitutionId) != r.InstitutionID {
		bad = append(bad, fmt.Sprintf("the institution is %s (id %s), not %s (id %s)", course.InstitutionAddress.Hex(), bigStr(course.InstitutionId), r.Institution.Address, r.InstitutionID))
	}
	if course.InstructorAddress != common.HexToAddress(r.Instructor.Address) || bigStr(course.InstructorId) != r.InstructorID {
		bad = append(bad, fmt.Sprintf("the instructor is %s (id %s), not %s (id %s)", course.InstructorAddress.Hex(), bigStr(course.InstructorId), r.Instructor.Address, r.InstructorID))
	}
	if inst.InstitutionName != r.Institution.Name || ins.InstructorName != r.Instructor.Name {
		bad = append(bad, fmt.Sprintf("the registry names %q and %q, not %q and %q", inst.InstitutionName, ins.InstructorName, r.Institution.Name, r.Instructor.Name))
	}
	if len(bad) > 0 {
		v.add(verify.CheckIssuer, verify.StatusFail, "the record disagrees with the registry: %s", strings.Join(bad, "; "))
		return
	}
	v.add(verify.CheckIssuer, verify.StatusPass, "institution %s (%s) → instructor %s (%s) → course %s %q",
		inst.InstitutionName, course.InstitutionAddress.Hex(), ins.InstructorName, course.InstructorAddress.Hex(), r.CourseID, course.CourseName)
}

// status: the holder still holds the amount.
func (v *vrun) status() {
	r := v.rec
	id, _ := parseUint(r.TokenID)
	want, _ := parseUint(r.Amount)
	bal, err := v.c.BalanceOf(v.ctx, common.HexToAddress(r.Holder), id)
	if err != nil {
		v.fault(verify.CheckStatus, err, "balanceOf(%s, %s)", r.Holder, r.TokenID)
		return
	}
	if bal.Cmp(want) < 0 {
		v.add(verify.CheckStatus, verify.StatusFail, "the holder's balance of token %s is %s, less than the %s minted: burned or transferred away", r.TokenID, bal, r.Amount)
		return
	}
	v.add(verify.CheckStatus, verify.StatusPass, "the holder still holds %s of token %s", bal, r.TokenID)
}

func (v *vrun) trust() {
	contract := common.HexToAddress(v.rec.Contract)
	for _, t := range v.opts.TrustedIssuers {
		chain, addr, ok := ParseAccount(t)
		if ok && chain == v.rec.ChainID && addr == contract {
			v.add(verify.CheckTrust, verify.StatusPass, "contract %s on chain %d is on your trusted list", v.rec.Contract, v.rec.ChainID)
			return
		}
	}
	v.add(verify.CheckTrust, verify.StatusWarn, "contract %s on chain %d is not on your trusted list (add %s to trust it)", v.rec.Contract, v.rec.ChainID, v.rec.IssuerID())
}

func (v *vrun) recipient() {
	holder := common.HexToAddress(v.rec.Holder)
	n := 0
	for _, id := range v.opts.Recipients {
		chain, addr, ok := ParseAccount(id)
		if !ok || (chain != 0 && chain != v.rec.ChainID) {
			continue
		}
		n++
		if addr == holder {
			v.add(verify.CheckRecipient, verify.StatusPass, "held by your address %s", holder.Hex())
			return
		}
	}
	if n == 0 {
		v.add(verify.CheckRecipient, verify.StatusSkip, "none of your identities is a blockchain address")
		return
	}
	v.add(verify.CheckRecipient, verify.StatusFail, "held by %s, which is none of your addresses", holder.Hex())
}

// Summary is what a record claims, for display: the token as a Learning
// Token (kind, amount, field of knowledge, skill), the course as the
// achievement, the institution as the issuer (the contract's did:pkh as
// its id), the mint transaction as evidence.
func Summary(r Record) verify.CredentialSummary {
	amount, _ := new(big.Float).SetString(r.Amount)
	amt := 0.0
	if amount != nil {
		amt, _ = amount.Float64()
	}
	field := verify.Skill{Name: r.FieldOfKnowledge, Framework: "CIP 2020"}
	if cipRE.MatchString(strings.TrimSpace(r.FieldOfKnowledge)) {
		field.Code = strings.TrimSpace(r.FieldOfKnowledge)
	}
	skill := verify.Skill{Name: r.Skill, Framework: "WEF Global Skills Taxonomy"}
	s := verify.CredentialSummary{
		ID:        r.ID(),
		Name:      fmt.Sprintf("%s token: %s", kindTitle(r.TokenType), firstNonEmpty(r.CourseName, "course "+r.CourseID)),
		Issuer:    verify.IssuerSummary{ID: r.IssuerID(), Name: firstNonEmpty(r.Institution.Name, r.Contract)},
		Recipient: r.HolderID(),
		Achievement: verify.Achievement{
			ID:          fmt.Sprintf("%s/course/%s", CAIP10(r.ChainID, r.Contract), r.CourseID),
			Name:        fmt.Sprintf("%s token: %s", kindTitle(r.TokenType), firstNonEmpty(r.CourseName, "course "+r.CourseID)),
			Description: fmt.Sprintf("Learning Token (%s) of course %q, minted by instructor %s of %s.", r.TokenType, r.CourseName, firstNonEmpty(r.Instructor.Name, r.Instructor.Address), firstNonEmpty(r.Institution.Name, r.Institution.Address)),
			Criteria:    r.ScoringGuideURL,
			Tags:        []string{r.TokenType},
		},
		Evidence:      []verify.Evidence{{Name: fmt.Sprintf("transaction %s, block %d, log %d on chain %d", r.Evidence.TxHash, r.Evidence.BlockNumber, r.Evidence.LogIndex, r.ChainID)}},
		LearningToken: &verify.LearningToken{Kind: r.TokenType, Amount: amt, Field: field, Skill: skill},
	}
	if r.CreatedAt > 0 {
		s.Issued = time.Unix(r.CreatedAt, 0).UTC().Format(time.RFC3339)
	}
	for _, sk := range []verify.Skill{field, skill} {
		if sk.Name != "" {
			s.Skills = append(s.Skills, sk)
		}
	}
	return s
}

func kindTitle(k string) string {
	switch k {
	case KindAttendance:
		return "Attendance"
	case KindScore:
		return "Score"
	case KindHelp:
		return "Help"
	case KindInstructorScore:
		return "Instructor score"
	}
	return "Learning"
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
