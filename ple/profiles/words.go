package profiles

import (
	"strings"
	"time"

	"github.com/cairn-pl/cairn/verify"
)

// The employer reads checks in plain words (research/credentials.md d:
// VerifierPlus says "the electronic signature no longer matches the
// content", "could not be checked"). The verifier's own messages are never
// shown on the public page: they may name the holder's identities (the
// recipient check says whom it was issued to).

// CheckLine is one check as the employer's page shows it.
type CheckLine struct {
	ID     string // the report's check id
	Label  string // Signature, Issuer, Revocation, Expiry, Ledger, Trusted issuer
	Status string // pass, fail, warn, error, skip
	Words  string
}

// Plain words for the outcomes the page explains.
const (
	WordsSignatureBroken = "The signature no longer matches the content."
	WordsUnreachable     = "Could not be checked right now."
	WordsUntrusted       = "The issuer is not in the holder's trusted list."
	WordsRevoked         = "Revoked by the issuer"
	WordsSuspended       = "Suspended by the issuer"
	WordsExpired         = "Expired"
)

// shownChecks are the checks the page lists, in order, with their labels.
var shownChecks = []struct{ id, label string }{
	{verify.CheckSignature, "Signature"},
	{verify.CheckHosted, "Hosted by the issuer"},
	{verify.CheckIssuer, "Issuer"},
	{verify.CheckStatus, "Revocation"},
	{verify.CheckExpiry, "Expiry"},
	{verify.CheckLedger, "Ledger"},
	{verify.CheckTrust, "Trusted issuer"},
}

// humanDate writes an RFC 3339 (or date-only) value as "2 Jan 2026".
func humanDate(s string) string {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC().Format("2 Jan 2006")
		}
	}
	return ""
}

// describe fills the item's state, reason and check lines from its live
// report.
func describe(it *Item) {
	r := it.Live
	check := func(id string) (verify.Check, bool) { return r.Check(id) }
	expires := it.Expires
	if r.Credential.Expires != "" {
		expires = r.Credential.Expires
	}
	it.Checks = it.Checks[:0]
	for _, sc := range shownChecks {
		c, ok := check(sc.id)
		if !ok || c.Status == verify.StatusSkip && sc.id != verify.CheckStatus && sc.id != verify.CheckLedger {
			continue
		}
		it.Checks = append(it.Checks, CheckLine{ID: sc.id, Label: sc.label, Status: c.Status,
			Words: checkWords(sc.id, c, expires, it)})
	}
	// The key belongs with the signature: a key the issuer does not own
	// makes the signature worthless.
	if k, ok := check(verify.CheckKey); ok && (k.Status == verify.StatusFail || k.Status == verify.StatusError) {
		words := "The key that signed it does not belong to the issuer."
		if k.Status == verify.StatusError {
			words = "The issuer's key " + lower(WordsUnreachable)
		}
		it.Checks = append([]CheckLine{{ID: verify.CheckKey, Label: "Signing key", Status: k.Status, Words: words}}, it.Checks...)
	}
	if rc, ok := check(verify.CheckRecipient); ok && rc.Status != verify.StatusSkip {
		words := "Issued to the holder of this page."
		if rc.Status == verify.StatusFail {
			words = "Issued to someone else."
		} else if rc.Status == verify.StatusError {
			words = "The recipient " + lower(WordsUnreachable)
		}
		it.Checks = append(it.Checks, CheckLine{ID: verify.CheckRecipient, Label: "Recipient", Status: rc.Status, Words: words})
	}

	switch r.Verdict {
	case verify.VerdictValid:
		it.State, it.Why = "valid", ""
	case verify.VerdictUnknown:
		it.State, it.Why = "could not be checked", WordsUnreachable+" "+unreachableWhy(r)
		it.Why = strings.TrimSpace(it.Why)
	case verify.VerdictInvalid:
		it.State, it.Why = invalidWhy(r, expires, it)
	default:
		it.State, it.Why = "not checked yet", WordsUnreachable
	}
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// invalidWhy names the first reason a credential fails, as an employer
// would put it.
func invalidWhy(r verify.Report, expires string, it *Item) (string, string) {
	if c, ok := r.Check(verify.CheckStatus); ok && c.Status == verify.StatusFail {
		return revokedWords(c, it)
	}
	if c, ok := r.Check(verify.CheckExpiry); ok && c.Status == verify.StatusFail {
		return "expired", expiredWords(expires)
	}
	for _, id := range []string{verify.CheckSignature, verify.CheckKey, verify.CheckHosted} {
		if c, ok := r.Check(id); ok && c.Status == verify.StatusFail {
			if id == verify.CheckKey {
				return "invalid", "The key that signed it does not belong to the issuer."
			}
			if id == verify.CheckHosted {
				return "invalid", "The issuer's copy does not match this credential."
			}
			return "invalid", WordsSignatureBroken
		}
	}
	if c, ok := r.Check(verify.CheckNotBefore); ok && c.Status == verify.StatusFail {
		return "not yet valid", "Not valid yet."
	}
	if c, ok := r.Check(verify.CheckRecipient); ok && c.Status == verify.StatusFail {
		return "invalid", "Issued to someone else."
	}
	if c, ok := r.Check(verify.CheckIssuer); ok && c.Status == verify.StatusFail {
		return "invalid", "The issuer could not be confirmed."
	}
	if c, ok := r.Check(verify.CheckLedger); ok && c.Status == verify.StatusFail {
		return "invalid", "The issuer's public ledger does not confirm it."
	}
	return "invalid", "The credential is malformed or incomplete."
}

func revokedWords(c verify.Check, it *Item) (string, string) {
	state, words := "revoked", WordsRevoked
	if strings.Contains(strings.ToLower(c.Message), "suspended") {
		state, words = "suspended", WordsSuspended
	}
	// The wallet's history knows when it first saw the credential fail.
	if !it.ChangedAt.IsZero() && it.Verdict == verify.VerdictInvalid {
		words += " (found on " + it.ChangedAt.UTC().Format("2 Jan 2006") + ")"
	} else if !it.CheckedAt.IsZero() {
		words += " (found on " + it.CheckedAt.UTC().Format("2 Jan 2006") + ")"
	}
	return state, words + "."
}

func expiredWords(expires string) string {
	if d := humanDate(expires); d != "" {
		return WordsExpired + " on " + d + "."
	}
	return WordsExpired + "."
}

// unreachableWhy says what could not be reached.
func unreachableWhy(r verify.Report) string {
	for _, c := range r.Checks {
		if c.Status != verify.StatusError {
			continue
		}
		switch c.ID {
		case verify.CheckStatus:
			return "The issuer's revocation list did not answer."
		case verify.CheckSignature, verify.CheckKey:
			return "The issuer's key could not be fetched."
		case verify.CheckHosted, verify.CheckIssuer:
			return "The issuer did not answer."
		case verify.CheckLedger:
			return "The issuer's ledger did not answer."
		}
	}
	return ""
}

// checkWords is one check in plain words.
func checkWords(id string, c verify.Check, expires string, it *Item) string {
	if c.Status == verify.StatusError {
		return WordsUnreachable
	}
	switch id {
	case verify.CheckSignature:
		switch c.Status {
		case verify.StatusPass:
			return "The signature matches the content."
		case verify.StatusFail:
			return WordsSignatureBroken
		case verify.StatusWarn:
			return "The signature matches, with a warning."
		}
	case verify.CheckHosted:
		if c.Status == verify.StatusPass {
			return "The issuer still hosts this credential, unchanged."
		}
		return "The issuer's copy does not match this credential."
	case verify.CheckIssuer:
		if c.Status == verify.StatusPass {
			return "The issuer's identity was confirmed."
		}
		if c.Status == verify.StatusWarn {
			return "The issuer's identity was confirmed, with a warning."
		}
		return "The issuer could not be confirmed."
	case verify.CheckStatus:
		switch c.Status {
		case verify.StatusPass:
			return "Not revoked."
		case verify.StatusFail:
			_, w := revokedWords(c, it)
			return w
		case verify.StatusSkip:
			return "The issuer publishes no revocation list."
		}
		return "The revocation status has a warning."
	case verify.CheckExpiry:
		if c.Status == verify.StatusFail {
			return expiredWords(expires)
		}
		if d := humanDate(expires); d != "" {
			return "Valid until " + d + "."
		}
		return "Does not expire."
	case verify.CheckLedger:
		switch c.Status {
		case verify.StatusPass:
			return "Recorded in the issuer's public ledger."
		case verify.StatusFail:
			return "The issuer's public ledger does not confirm it."
		case verify.StatusSkip:
			return "The issuer keeps no public ledger."
		}
		return "The ledger check has a warning."
	case verify.CheckTrust:
		if c.Status == verify.StatusPass {
			return "The issuer is in the holder's trusted list."
		}
		return WordsUntrusted
	}
	return c.Status
}
