package profiles

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/url"
	"sort"
	"strings"

	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/bake"
)

// The skills view: the selected credentials' alignments, achievement types
// and Learning Token fields, aggregated into skills with counts, totals and
// links to the evidence. Only credentials whose live verdict is valid
// count: a revoked badge proves no skill.

// Skills is the aggregate of a profile.
type Skills struct {
	Skills []SkillTotal // alignments and Learning Token skills, by name
	Fields []SkillTotal // Learning Token fields of knowledge (CIP)
	Types  []TypeTotal  // achievement types
	Tokens []TokenTotal // Learning Tokens by kind
	// Counted is how many credentials count (valid ones).
	Counted int
}

// SkillTotal is one skill and what backs it.
type SkillTotal struct {
	verify.Skill
	Count    int     // credentials aligned to it
	Amount   float64 // Learning Token amounts earned in it
	Tokens   int     // Learning Tokens among them
	Evidence []verify.Evidence
}

// TypeTotal counts credentials of one achievement type.
type TypeTotal struct {
	Type  string
	Count int
}

// TokenTotal sums the Learning Tokens of one kind.
type TokenTotal struct {
	Kind   string
	Amount float64
	Count  int
}

// skillKey says which alignments name the same skill: framework and code
// when there is a code, else the name (case aside).
func skillKey(s verify.Skill) string {
	if code := strings.TrimSpace(s.Code); code != "" {
		return "code\x00" + strings.ToLower(strings.TrimSpace(s.Framework)) + "\x00" + code
	}
	if name := strings.TrimSpace(s.Name); name != "" {
		return "name\x00" + strings.ToLower(name)
	}
	return ""
}

var tokenKindOrder = map[string]int{
	verify.TokenAttendance: 1, verify.TokenScore: 2, verify.TokenHelp: 3, verify.TokenInstructorScore: 4,
}

// Aggregate adds up the skills of the items whose live verdict is valid.
func Aggregate(items []Item) Skills {
	out := Skills{Skills: []SkillTotal{}, Fields: []SkillTotal{}, Types: []TypeTotal{}, Tokens: []TokenTotal{}}
	skills := map[string]*SkillTotal{}
	fields := map[string]*SkillTotal{}
	types := map[string]*TypeTotal{}
	kinds := map[string]*TokenTotal{}
	add := func(m map[string]*SkillTotal, s verify.Skill, lt *verify.LearningToken, ev []verify.Evidence, seen map[string]bool) {
		key := skillKey(s)
		if key == "" || seen[key] {
			return
		}
		seen[key] = true
		t := m[key]
		if t == nil {
			s.Name, s.Framework, s.Code = strings.TrimSpace(s.Name), strings.TrimSpace(s.Framework), strings.TrimSpace(s.Code)
			t = &SkillTotal{Skill: s}
			m[key] = t
		}
		t.Count++
		if lt != nil {
			t.Tokens++
			t.Amount += lt.Amount
		}
		for _, e := range ev {
			dup := false
			for _, have := range t.Evidence {
				if have.URL == e.URL {
					dup = true
					break
				}
			}
			if !dup {
				t.Evidence = append(t.Evidence, e)
			}
		}
	}
	for _, it := range items {
		if it.Live.Verdict != verify.VerdictValid {
			continue
		}
		out.Counted++
		c := it.Live.Credential
		lt := c.LearningToken
		if lt != nil && (math.IsNaN(lt.Amount) || math.IsInf(lt.Amount, 0)) {
			lt = nil
		}
		// Evidence links only from issuers the holder trusts (the wallet's
		// safe mode): anyone can claim anything in an untrusted credential.
		var ev []verify.Evidence
		if tc, ok := it.Live.Check(verify.CheckTrust); ok && tc.Status == verify.StatusPass {
			ev = httpEvidence(c.Evidence)
		}
		seen := map[string]bool{}
		if lt != nil {
			add(skills, lt.Skill, lt, ev, seen)
			add(fields, lt.Field, lt, ev, map[string]bool{})
			seen[skillKey(lt.Field)] = true // the field is listed under fields, not skills
			kind := strings.TrimSpace(lt.Kind)
			if kind == "" {
				kind = "unknown"
			}
			k := kinds[kind]
			if k == nil {
				k = &TokenTotal{Kind: kind}
				kinds[kind] = k
			}
			k.Count++
			k.Amount += lt.Amount
		}
		for _, sk := range c.Skills {
			add(skills, sk, lt, ev, seen)
		}
		typ := it.AchievementType
		if typ == "" {
			typ = "Badge"
		}
		tt := types[typ]
		if tt == nil {
			tt = &TypeTotal{Type: typ}
			types[typ] = tt
		}
		tt.Count++
	}
	out.Skills = sortedSkills(skills)
	out.Fields = sortedSkills(fields)
	for _, t := range types {
		out.Types = append(out.Types, *t)
	}
	sort.Slice(out.Types, func(i, j int) bool {
		if out.Types[i].Count != out.Types[j].Count {
			return out.Types[i].Count > out.Types[j].Count
		}
		return out.Types[i].Type < out.Types[j].Type
	})
	for _, k := range kinds {
		out.Tokens = append(out.Tokens, *k)
	}
	sort.Slice(out.Tokens, func(i, j int) bool {
		oi, oj := order(out.Tokens[i].Kind), order(out.Tokens[j].Kind)
		if oi != oj {
			return oi < oj
		}
		return out.Tokens[i].Kind < out.Tokens[j].Kind
	})
	return out
}

func order(kind string) int {
	if o, ok := tokenKindOrder[kind]; ok {
		return o
	}
	return len(tokenKindOrder) + 1
}

// sortedSkills orders by count (most backed first), then name.
func sortedSkills(m map[string]*SkillTotal) []SkillTotal {
	out := make([]SkillTotal, 0, len(m))
	for _, t := range m {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if la, lb := strings.ToLower(a.Name), strings.ToLower(b.Name); la != lb {
			return la < lb
		}
		return a.Framework+a.Code < b.Framework+b.Code
	})
	return out
}

// httpEvidence keeps the evidence with an http(s) URL: the links a page
// may show.
func httpEvidence(ev []verify.Evidence) []verify.Evidence {
	var out []verify.Evidence
	for _, e := range ev {
		if isHTTP(e.URL) {
			out = append(out, e)
		}
	}
	return out
}

func isHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// achievementType names the credential's kind of achievement: a Learning
// Token's kind, the OB 3.0 achievementType (Badge, Certificate, ...), or
// "Badge" for Open Badges 2.0 and anything that does not say.
func (s *Service) achievementType(ctx context.Context, it *Item) string {
	if lt := it.Live.Credential.LearningToken; lt != nil {
		if lt.Kind != "" {
			return "Learning Token (" + lt.Kind + ")"
		}
		return "Learning Token"
	}
	data, _, err := s.creds.Original(ctx, it.ID)
	if err != nil {
		return "Badge"
	}
	if t := achievementTypeOf(data); t != "" {
		return t
	}
	return "Badge"
}

// achievementTypeOf reads credentialSubject.achievement.achievementType
// from JSON, a VC-JWT or a baked image.
func achievementTypeOf(data []byte) string {
	doc := credentialJSON(data)
	if doc == nil {
		return ""
	}
	subj, _ := doc["credentialSubject"].(map[string]any)
	if subj == nil {
		if list, ok := doc["credentialSubject"].([]any); ok && len(list) > 0 {
			subj, _ = list[0].(map[string]any)
		}
	}
	a, _ := subj["achievement"].(map[string]any)
	t, _ := a["achievementType"].(string)
	t = strings.TrimPrefix(strings.TrimSpace(t), "ext:")
	if len(t) > 60 {
		t = t[:60]
	}
	return t
}

// credentialJSON decodes a credential: JSON as is, a baked image's
// payload, or a compact JWS's payload (its "vc" claim for VCDM 1.1).
func credentialJSON(data []byte) map[string]any {
	if _, ok := bake.Detect(data); ok {
		b, err := bake.Unbake(data)
		if err != nil {
			return nil
		}
		data = b.Payload
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil
	}
	if data[0] != '{' {
		parts := strings.Split(string(data), ".")
		if len(parts) != 3 {
			return nil
		}
		p, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			return nil
		}
		data = p
	}
	var doc map[string]any
	if json.Unmarshal(data, &doc) != nil {
		return nil
	}
	if vc, ok := doc["vc"].(map[string]any); ok {
		return vc
	}
	return doc
}
