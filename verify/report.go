package verify

import (
	"strings"
	"time"
)

// Check statuses.
const (
	StatusPass  = "pass"
	StatusFail  = "fail"
	StatusWarn  = "warn"
	StatusSkip  = "skip"
	StatusError = "error"
)

// Verdicts.
const (
	VerdictValid   = "valid"
	VerdictInvalid = "invalid"
	VerdictUnknown = "unknown"
)

// Report format names (DESIGN.md, Verification report).
const (
	FormatOB05       = "ob05"
	FormatOB1        = "ob1"
	FormatOB2Hosted  = "ob2-hosted"
	FormatOB2Signed  = "ob2-signed"
	FormatOB2Node    = "ob2-node" // a standalone OB 2.0 node (BadgeClass, Issuer, ...)
	FormatOB3DI      = "ob3-di"
	FormatOB3JWT     = "ob3-jwt"
	FormatCLR2       = "clr2"
	FormatBlockcerts = "blockcerts"
)

// Learning Token kinds (DESIGN.md, Learning Tokens): the achievement's tag
// that says which of the four scoring-guide tokens it is.
const (
	TokenAttendance      = "attendance"
	TokenScore           = "score"
	TokenHelp            = "help"
	TokenInstructorScore = "instructor-score"
)

// Check ids: a stable vocabulary, in the order a report lists them.
const (
	CheckParse     = "parse"
	CheckContext   = "context"
	CheckType      = "type"
	CheckSchema    = "schema"
	CheckHosted    = "hosted"
	CheckSignature = "signature"
	CheckKey       = "key"
	CheckIssuer    = "issuer"
	CheckNotBefore = "not-before"
	CheckExpiry    = "expiry"
	CheckStatus    = "status"
	CheckRecipient = "recipient"
	CheckImage     = "image"
	CheckLedger    = "ledger"
	CheckTrust     = "trust"
)

// CheckIDs lists every check id in report order.
var CheckIDs = []string{
	CheckParse, CheckContext, CheckType, CheckSchema, CheckHosted, CheckSignature, CheckKey, CheckIssuer,
	CheckNotBefore, CheckExpiry, CheckStatus, CheckRecipient, CheckImage, CheckLedger, CheckTrust,
}

// nonDeciding checks cannot make a verdict unknown when they end in error,
// and trust cannot make it invalid either.
var nonDeciding = map[string]bool{CheckTrust: true, CheckImage: true}

// Report is the verification report shared by the CLI, the API and the
// share page.
type Report struct {
	Format     string            `json:"format"`
	Verdict    string            `json:"verdict"`
	Credential CredentialSummary `json:"credential"`
	Checks     []Check           `json:"checks"`
	VerifiedAt time.Time         `json:"verified_at"`
	// Included holds the reports of the credentials a CLR carries, each
	// verified on its own.
	Included []Report `json:"included,omitempty"`
	// Ledger is the head of the issuer's ledger this verification checked
	// the credential against, for the holder to remember (fork detection).
	Ledger *LedgerHead `json:"ledger,omitempty"`
}

// LedgerHead is the head of an issuer's ledger (cairn-ledger/1) as a
// verification saw it.
type LedgerHead struct {
	Issuer string `json:"issuer"`
	Index  int64  `json:"index"`
	Hash   string `json:"hash"`
}

// Check is one step of the verification.
type Check struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// CredentialSummary is what the credential claims, for display. Nothing in
// it is trusted unless the verdict is valid.
type CredentialSummary struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Issuer      IssuerSummary `json:"issuer"`
	Recipient   string        `json:"recipient"`
	Issued      string        `json:"issued"`
	Expires     string        `json:"expires"`
	Achievement Achievement   `json:"achievement"`
	Skills      []Skill       `json:"skills"`
	Evidence    []Evidence    `json:"evidence,omitempty"`
	// LearningToken is set when the achievement is a Learning Token
	// (achievementType ext:LearningToken).
	LearningToken *LearningToken `json:"learning_token,omitempty"`
	// Endorsements are third parties' endorsements of the credential, its
	// achievement or its issuer, each verified as a credential of its own.
	Endorsements []Endorsement `json:"endorsements,omitempty"`
}

// Endorsement is one verified endorsement: who endorses, what they say,
// and the verdict on the endorsement itself.
type Endorsement struct {
	Issuer  IssuerSummary `json:"issuer"`
	Verdict string        `json:"verdict"`
	Comment string        `json:"comment,omitempty"`
}

// LearningToken is what an Open Badges 3.0 Learning Token says: its kind,
// the amount earned within the scoring guide's range, the field of
// knowledge (CIP code) and the skill (WEF taxonomy).
type LearningToken struct {
	Kind   string  `json:"kind"`
	Amount float64 `json:"amount"`
	// Min and Max are the scoring guide's range; HasRange is false when the
	// achievement declares none.
	Min      float64 `json:"min,omitempty"`
	Max      float64 `json:"max,omitempty"`
	HasRange bool    `json:"has_range,omitempty"`
	Field    Skill   `json:"field"`
	Skill    Skill   `json:"skill"`
}

// Evidence is what the credential offers as proof of the achievement: a
// URL (often the learner's own post) and what it says about it.
type Evidence struct {
	URL       string `json:"url,omitempty"`
	Name      string `json:"name,omitempty"`
	Narrative string `json:"narrative,omitempty"`
}

// IssuerSummary names the issuer as claimed.
type IssuerSummary struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
	// Image is the issuer's logo URL (http(s) or data:image), when given.
	Image string `json:"image,omitempty"`
}

// Achievement is the badge class (OB 2.0) or achievement (OB 3.0).
type Achievement struct {
	ID          string   `json:"id,omitempty"`
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
	Image       string   `json:"image,omitempty"`
	Criteria    string   `json:"criteria,omitempty"`
	Tags        []string `json:"tags,omitempty"`
}

// Skill is an alignment: a skill or competency the achievement points to.
type Skill struct {
	Name      string `json:"name"`
	URL       string `json:"url,omitempty"`
	Framework string `json:"framework,omitempty"`
	Code      string `json:"code,omitempty"`
}

// Verdict applies the report rules to a list of checks: any fail makes it
// invalid (except a fail on trust, which never decides); else any error on
// a deciding check makes it unknown; else valid.
func Verdict(checks []Check) string {
	unknown := false
	for _, c := range checks {
		if c.ID == CheckTrust {
			continue
		}
		switch c.Status {
		case StatusFail:
			return VerdictInvalid
		case StatusError:
			if !nonDeciding[c.ID] {
				unknown = true
			}
		}
	}
	if unknown {
		return VerdictUnknown
	}
	return VerdictValid
}

// Check returns the check with the given id, if the report has it.
func (r Report) Check(id string) (Check, bool) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// severity orders statuses so that merging keeps the worst.
func severity(s string) int {
	switch s {
	case StatusFail:
		return 4
	case StatusError:
		return 3
	case StatusWarn:
		return 2
	case StatusPass:
		return 1
	}
	return 0
}

// checkList accumulates checks, one per id; adding the same id again keeps
// the worse status and joins the messages.
type checkList struct {
	byID map[string]*Check
}

func (l *checkList) add(id, status, msg string) {
	if l.byID == nil {
		l.byID = map[string]*Check{}
	}
	c, ok := l.byID[id]
	if !ok {
		l.byID[id] = &Check{ID: id, Status: status, Message: msg}
		return
	}
	if severity(status) > severity(c.Status) {
		// The worse outcome decides; the milder messages no longer apply.
		c.Status, c.Message = status, msg
		return
	}
	if msg != "" && severity(status) == severity(c.Status) && !strings.Contains(c.Message, msg) {
		if c.Message == "" {
			c.Message = msg
		} else {
			c.Message += "; " + msg
		}
	}
}

func (l *checkList) has(id string) bool { _, ok := l.byID[id]; return ok }

func (l *checkList) status(id string) string {
	if c, ok := l.byID[id]; ok {
		return c.Status
	}
	return ""
}

// list returns the checks in vocabulary order.
func (l *checkList) list() []Check {
	out := make([]Check, 0, len(l.byID))
	for _, id := range CheckIDs {
		if c, ok := l.byID[id]; ok {
			out = append(out, *c)
		}
	}
	return out
}
