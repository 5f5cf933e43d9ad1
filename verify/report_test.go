package verify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestVerdictRules(t *testing.T) {
	c := func(id, st string) Check { return Check{ID: id, Status: st} }
	tests := []struct {
		name   string
		checks []Check
		want   string
	}{
		{"empty", nil, VerdictValid},
		{"all pass", []Check{c("parse", "pass"), c("signature", "pass")}, VerdictValid},
		{"pass warn skip", []Check{c("parse", "pass"), c("key", "warn"), c("recipient", "skip")}, VerdictValid},
		{"one fail", []Check{c("parse", "pass"), c("expiry", "fail")}, VerdictInvalid},
		{"fail beats error", []Check{c("status", "error"), c("expiry", "fail")}, VerdictInvalid},
		{"error before fail", []Check{c("expiry", "fail"), c("status", "error")}, VerdictInvalid},
		{"deciding error", []Check{c("parse", "pass"), c("status", "error")}, VerdictUnknown},
		{"key error", []Check{c("key", "error")}, VerdictUnknown},
		{"trust warn", []Check{c("parse", "pass"), c("trust", "warn")}, VerdictValid},
		{"trust fail never invalid", []Check{c("parse", "pass"), c("trust", "fail")}, VerdictValid},
		{"trust error not deciding", []Check{c("trust", "error")}, VerdictValid},
		{"image error not deciding", []Check{c("image", "error")}, VerdictValid},
		{"image fail", []Check{c("image", "fail")}, VerdictInvalid},
		{"recipient fail", []Check{c("signature", "pass"), c("recipient", "fail")}, VerdictInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Verdict(tt.checks); got != tt.want {
				t.Errorf("Verdict = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCheckListMergeAndOrder(t *testing.T) {
	var l checkList
	l.add(CheckTrust, StatusWarn, "t")
	l.add(CheckStatus, StatusPass, "a")
	l.add(CheckStatus, StatusFail, "b")
	l.add(CheckStatus, StatusPass, "c")
	l.add(CheckParse, StatusPass, "p")
	got := l.list()
	if len(got) != 3 || got[0].ID != CheckParse || got[1].ID != CheckStatus || got[2].ID != CheckTrust {
		t.Fatalf("order: %+v", got)
	}
	if got[1].Status != StatusFail || !strings.HasPrefix(got[1].Message, "b") {
		t.Errorf("merge kept %+v", got[1])
	}
}

func TestReportJSONShape(t *testing.T) {
	f, in := hostedWorld(t)
	r := Verify(t.Context(), in, opts(f))
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format", "verdict", "credential", "checks", "verified_at"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing %s in %s", k, b)
		}
	}
	cred := m["credential"].(map[string]any)
	for _, k := range []string{"id", "name", "issuer", "recipient", "issued", "expires", "achievement", "skills"} {
		if _, ok := cred[k]; !ok {
			t.Errorf("credential lacks %s", k)
		}
	}
	iss := cred["issuer"].(map[string]any)
	for _, k := range []string{"id", "name", "url"} {
		if _, ok := iss[k]; !ok {
			t.Errorf("issuer lacks %s", k)
		}
	}
	if _, err := time.Parse(time.RFC3339, m["verified_at"].(string)); err != nil {
		t.Errorf("verified_at: %v", err)
	}
	for _, c := range m["checks"].([]any) {
		cm := c.(map[string]any)
		if len(cm) != 3 || cm["id"] == nil || cm["status"] == nil {
			t.Errorf("check shape %v", cm)
		}
		if !strings.Contains("pass fail warn skip error", cm["status"].(string)) {
			t.Errorf("status %v", cm["status"])
		}
	}
	// An empty report still has arrays, not null.
	r = Verify(t.Context(), []byte("   "), Options{})
	b, _ = json.Marshal(r)
	if !strings.Contains(string(b), `"skills":[]`) || !strings.Contains(string(b), `"checks":[{`) {
		t.Errorf("empty report: %s", b)
	}
}

func TestCheckIDsStable(t *testing.T) {
	want := "parse context type schema hosted signature key issuer not-before expiry status recipient image ledger trust"
	if got := strings.Join(CheckIDs, " "); got != want {
		t.Errorf("CheckIDs = %s", got)
	}
}

func TestEvidenceOf(t *testing.T) {
	got := evidenceOf([]any{"https://learner.example/posts/1", map[string]any{"id": "javascript:alert(1)", "narrative": "Built it."},
		map[string]any{"id": "https://learner.example/posts/2", "name": "Second"}, 42})
	want := []Evidence{{URL: "https://learner.example/posts/1"}, {Narrative: "Built it."},
		{URL: "https://learner.example/posts/2", Name: "Second"}}
	if len(got) != len(want) {
		t.Fatalf("evidence %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("evidence[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if one := evidenceOf("https://x.example/e"); len(one) != 1 || one[0].URL != "https://x.example/e" {
		t.Errorf("single evidence %+v", one)
	}
}
