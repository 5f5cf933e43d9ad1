package wallet

import (
	"context"
	"math"
	"sort"
	"strings"

	"github.com/cairn-pl/cairn/verify"
)

// Learning Token totals (DESIGN.md, Learning Tokens): what the wallet's
// valid tokens add up to, per kind, per skill and per field of knowledge.
// Pure functions over reports, so skill profiles and the employer page can
// reuse them.

// TokenKindTotal sums the tokens of one kind.
type TokenKindTotal struct {
	Kind   string  `json:"kind"`
	Amount float64 `json:"amount"`
	Count  int     `json:"count"`
}

// TokenSkillTotal sums the tokens aligned to one skill (or one field of
// knowledge). Tokens name the same skill when framework and code agree,
// or, without a code, when the names agree (case aside).
type TokenSkillTotal struct {
	verify.Skill
	Amount float64 `json:"amount"`
	Count  int     `json:"count"`
}

// TokenTotals is the sum of a set of Learning Tokens.
type TokenTotals struct {
	Count  int               `json:"count"` // tokens counted
	Kinds  []TokenKindTotal  `json:"kinds"`
	Skills []TokenSkillTotal `json:"skills"`
	Fields []TokenSkillTotal `json:"fields"`
}

// tokenKindOrder is the order of the four kinds; other kinds follow by name.
var tokenKindOrder = map[string]int{
	verify.TokenAttendance: 1, verify.TokenScore: 2, verify.TokenHelp: 3, verify.TokenInstructorScore: 4,
}

// LearningTokenTotals adds up the Learning Tokens of the reports whose
// verdict is valid; the rest (invalid, unknown, no token, an amount that
// is not a finite number) count for nothing. The order is deterministic:
// kinds as DESIGN.md lists them (others after, by name), skills and fields
// by name, then framework and code.
func LearningTokenTotals(reports []verify.Report) TokenTotals {
	t := TokenTotals{Kinds: []TokenKindTotal{}, Skills: []TokenSkillTotal{}, Fields: []TokenSkillTotal{}}
	kinds := map[string]*TokenKindTotal{}
	skills := map[string]*TokenSkillTotal{}
	fields := map[string]*TokenSkillTotal{}
	for _, r := range reports {
		lt := r.Credential.LearningToken
		if r.Verdict != verify.VerdictValid || lt == nil || math.IsNaN(lt.Amount) || math.IsInf(lt.Amount, 0) {
			continue
		}
		kind := strings.TrimSpace(lt.Kind)
		if kind == "" {
			kind = "unknown"
		}
		t.Count++
		k := kinds[kind]
		if k == nil {
			k = &TokenKindTotal{Kind: kind}
			kinds[kind] = k
		}
		k.Amount += lt.Amount
		k.Count++
		addSkill(skills, lt.Skill, lt.Amount)
		addSkill(fields, lt.Field, lt.Amount)
	}
	for _, k := range kinds {
		t.Kinds = append(t.Kinds, *k)
	}
	sort.Slice(t.Kinds, func(i, j int) bool {
		a, b := t.Kinds[i], t.Kinds[j]
		oa, ob := orderOf(a.Kind), orderOf(b.Kind)
		if oa != ob {
			return oa < ob
		}
		return a.Kind < b.Kind
	})
	t.Skills = sortedSkills(skills)
	t.Fields = sortedSkills(fields)
	return t
}

func orderOf(kind string) int {
	if o, ok := tokenKindOrder[kind]; ok {
		return o
	}
	return len(tokenKindOrder) + 1
}

// skillKey says which tokens name the same skill; "" for no skill at all.
func skillKey(s verify.Skill) string {
	if code := strings.TrimSpace(s.Code); code != "" {
		return "code\x00" + strings.ToLower(strings.TrimSpace(s.Framework)) + "\x00" + code
	}
	if name := strings.TrimSpace(s.Name); name != "" {
		return "name\x00" + strings.ToLower(name)
	}
	return ""
}

func addSkill(m map[string]*TokenSkillTotal, s verify.Skill, amount float64) {
	key := skillKey(s)
	if key == "" {
		return
	}
	s.Name, s.Code, s.Framework = strings.TrimSpace(s.Name), strings.TrimSpace(s.Code), strings.TrimSpace(s.Framework)
	t := m[key]
	if t == nil {
		t = &TokenSkillTotal{Skill: s}
		m[key] = t
	} else if lessSkill(s, t.Skill) {
		// The same skill named differently: keep one naming whatever
		// order the tokens come in.
		t.Skill = s
	}
	t.Amount += amount
	t.Count++
}

// lessSkill orders skills by name (case aside), framework, code and URL;
// an empty name sorts last.
func lessSkill(a, b verify.Skill) bool {
	if (a.Name == "") != (b.Name == "") {
		return b.Name == ""
	}
	if la, lb := strings.ToLower(a.Name), strings.ToLower(b.Name); la != lb {
		return la < lb
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	if a.Framework != b.Framework {
		return a.Framework < b.Framework
	}
	if a.Code != b.Code {
		return a.Code < b.Code
	}
	return a.URL < b.URL
}

func sortedSkills(m map[string]*TokenSkillTotal) []TokenSkillTotal {
	out := make([]TokenSkillTotal, 0, len(m))
	for _, t := range m {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return lessSkill(out[i].Skill, out[j].Skill) })
	return out
}

// CredentialTokenTotals adds up the Learning Tokens of credentials (as
// List returns them, with their latest reports).
func CredentialTokenTotals(creds []Credential) TokenTotals {
	reports := make([]verify.Report, 0, len(creds))
	for _, c := range creds {
		if c.Report != nil {
			reports = append(reports, *c.Report)
		}
	}
	return LearningTokenTotals(reports)
}

// LearningTokens adds up the Learning Tokens of every valid credential in
// the wallet.
func (s *Service) LearningTokens(ctx context.Context) (TokenTotals, error) {
	list, err := s.List(ctx)
	if err != nil {
		return TokenTotals{}, err
	}
	return CredentialTokenTotals(list), nil
}
