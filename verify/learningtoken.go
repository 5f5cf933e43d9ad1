package verify

import (
	"strconv"
	"strings"
)

// AchievementTypeLearningToken marks an Open Badges 3.0 achievement as a
// Learning Token (DESIGN.md, Formats).
const AchievementTypeLearningToken = "ext:LearningToken"

// learningToken reads a Learning Token from an achievement and its
// subject: the kind from the achievement's tags, the range from its
// RawScore resultDescription, the amount from the subject's result, the
// field of knowledge (CIP) and the skill (WEF) from its alignments. It
// returns nil when the achievement is not a Learning Token.
func learningToken(a, subject map[string]any) *LearningToken {
	if getStr(a, "achievementType") != AchievementTypeLearningToken {
		return nil
	}
	lt := &LearningToken{}
	for _, t := range strList(a["tag"]) {
		switch k := strings.ToLower(strings.TrimSpace(t)); k {
		case TokenAttendance, TokenScore, TokenHelp, TokenInstructorScore:
			lt.Kind = k
		}
	}
	var rdID string
	for _, rd := range objects(a["resultDescription"]) {
		if getStr(rd, "resultType") != "RawScore" && len(objects(a["resultDescription"])) > 1 {
			continue
		}
		rdID = getStr(rd, "id")
		lo, okLo := number(rd["valueMin"])
		hi, okHi := number(rd["valueMax"])
		if okLo && okHi {
			lt.Min, lt.Max, lt.HasRange = lo, hi, true
		}
		break
	}
	for _, res := range objects(subject["result"]) {
		if ref := getStr(res, "resultDescription"); rdID != "" && ref != "" && ref != rdID {
			continue
		}
		if n, ok := number(res["value"]); ok {
			lt.Amount = n
			break
		}
	}
	for _, al := range objects(a["alignment"]) {
		fw := strings.ToLower(getStr(al, "targetFramework"))
		sk := Skill{Name: getStr(al, "targetName"), URL: getStr(al, "targetUrl"),
			Framework: getStr(al, "targetFramework"), Code: getStr(al, "targetCode")}
		switch {
		case strings.Contains(fw, "cip") && lt.Field.Name == "":
			lt.Field = sk
		case strings.Contains(fw, "wef") || strings.Contains(fw, "skills taxonomy"):
			if lt.Skill.Name == "" {
				lt.Skill = sk
			}
		}
	}
	return lt
}

// number reads a JSON number or a numeric string (OB 3.0 result values
// and ranges are strings).
func number(v any) (float64, bool) {
	s := strings.TrimSpace(str(v))
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
