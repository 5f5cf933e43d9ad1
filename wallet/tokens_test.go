package wallet_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

// tokenReport is a report carrying a Learning Token, as the OB 3.0
// verifier will write it.
func tokenReport(verdict, kind string, amount float64, field, skill verify.Skill) verify.Report {
	return verify.Report{Format: verify.FormatOB3DI, Verdict: verdict, Credential: verify.CredentialSummary{
		Name: kind + " token",
		LearningToken: &verify.LearningToken{Kind: kind, Amount: amount, Min: 0, Max: 10, HasRange: true,
			Field: field, Skill: skill},
	}}
}

func TestLearningTokenTotals(t *testing.T) {
	cs := verify.Skill{Name: "Computer Science", Framework: "CIP 2020", Code: "11.0701"}
	math1 := verify.Skill{Name: "Mathematics", Framework: "CIP 2020", Code: "27.0101"}
	coding := verify.Skill{Name: "Programming", Framework: "WEF Global Skills Taxonomy"}
	teach := verify.Skill{Name: "teamwork", Framework: "WEF Global Skills Taxonomy"}
	teachOther := verify.Skill{Name: "Teamwork", Framework: "WEF Global Skills Taxonomy"} // same skill, other case
	reports := []verify.Report{
		tokenReport(verify.VerdictValid, verify.TokenScore, 7, cs, coding),
		tokenReport(verify.VerdictValid, verify.TokenHelp, 2, cs, teach),
		tokenReport(verify.VerdictValid, verify.TokenScore, 3.5, math1, coding),
		tokenReport(verify.VerdictValid, verify.TokenAttendance, 1, math1, teachOther),
		tokenReport(verify.VerdictValid, "custom", 4, verify.Skill{}, verify.Skill{}),
		// Not counted: not valid, no token, not a number.
		tokenReport(verify.VerdictInvalid, verify.TokenScore, 100, cs, coding),
		tokenReport(verify.VerdictUnknown, verify.TokenScore, 100, cs, coding),
		{Verdict: verify.VerdictValid},
		tokenReport(verify.VerdictValid, verify.TokenScore, math.NaN(), cs, coding),
	}
	got := wallet.LearningTokenTotals(reports)
	want := wallet.TokenTotals{
		Count: 5,
		Kinds: []wallet.TokenKindTotal{
			{Kind: "attendance", Amount: 1, Count: 1},
			{Kind: "score", Amount: 10.5, Count: 2},
			{Kind: "help", Amount: 2, Count: 1},
			{Kind: "custom", Amount: 4, Count: 1},
		},
		Skills: []wallet.TokenSkillTotal{
			{Skill: coding, Amount: 10.5, Count: 2},
			{Skill: teachOther, Amount: 3, Count: 2},
		},
		Fields: []wallet.TokenSkillTotal{
			{Skill: cs, Amount: 9, Count: 2},
			{Skill: math1, Amount: 4.5, Count: 2},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("totals\n got %+v\nwant %+v", got, want)
	}
	// The order of the reports does not matter.
	rev := make([]verify.Report, len(reports))
	for i, r := range reports {
		rev[len(reports)-1-i] = r
	}
	if again := wallet.LearningTokenTotals(rev); !reflect.DeepEqual(again, want) {
		t.Fatalf("reversed input\n got %+v\nwant %+v", again, want)
	}

	// None: empty lists (JSON [] rather than null), zero count.
	none := wallet.LearningTokenTotals(nil)
	if none.Count != 0 || none.Kinds == nil || none.Skills == nil || len(none.Kinds)+len(none.Skills)+len(none.Fields) != 0 {
		t.Fatalf("no tokens: %+v", none)
	}
	// Credentials: only those with a report count.
	r := reports[0]
	creds := []wallet.Credential{{Report: &r}, {Verdict: wallet.VerdictUnchecked}}
	if c := wallet.CredentialTokenTotals(creds); c.Count != 1 || c.Kinds[0].Amount != 7 {
		t.Fatalf("credential totals %+v", c)
	}
}
