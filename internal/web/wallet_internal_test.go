package web

import (
	"testing"

	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/wallet"
)

func TestPillOf(t *testing.T) {
	report := func(id string) *verify.Report {
		return &verify.Report{Verdict: verify.VerdictInvalid, Checks: []verify.Check{{ID: id, Status: verify.StatusFail}}}
	}
	for want, c := range map[string]wallet.Credential{
		"valid":           {Verdict: "valid"},
		"unknown":         {Verdict: "unknown"},
		"not yet checked": {Verdict: "unchecked"},
		"revoked":         {Verdict: "invalid", Report: report(verify.CheckStatus)},
		"expired":         {Verdict: "invalid", Report: report(verify.CheckExpiry)},
		"invalid":         {Verdict: "invalid", Report: report(verify.CheckSignature)},
	} {
		if got := pillOf(c); got != want {
			t.Errorf("pillOf(%+v) = %q, want %q", c.Verdict, got, want)
		}
	}
}
