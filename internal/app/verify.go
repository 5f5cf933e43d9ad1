package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/verify"
)

// Exit codes of `cairn verify` (DESIGN.md, The binary).
const (
	VerifyValid    = 0
	VerifyInvalid  = 1
	VerifyUnknown  = 2
	VerifyBadInput = 3
)

// VerifyOptions are the command line of `cairn verify`.
type VerifyOptions struct {
	JSON         bool
	Recipients   []string
	AllowPrivate bool
	Timeout      time.Duration
}

// VerifyCredential checks one credential (the bytes of a file, or a URL)
// and writes the report; it returns the exit code for the verdict.
func VerifyCredential(ctx context.Context, input []byte, opts VerifyOptions, out io.Writer) int {
	client := netx.New(netx.Options{AllowPrivate: opts.AllowPrivate, UserAgent: netx.UserAgent(Version, "")})
	defer client.CloseIdleConnections()
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	r := verify.Verify(ctx, input, verify.Options{Fetcher: verify.NetFetcher{Client: client}, Recipients: opts.Recipients})
	if opts.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r)
	} else {
		writeReport(out, r)
	}
	return exitCode(r)
}

func exitCode(r verify.Report) int {
	if c, ok := r.Check(verify.CheckParse); ok && c.Status == verify.StatusFail {
		return VerifyBadInput
	}
	switch r.Verdict {
	case verify.VerdictValid:
		return VerifyValid
	case verify.VerdictInvalid:
		return VerifyInvalid
	}
	return VerifyUnknown
}

// writeReport prints the report for a person: the verdict first, then
// what the credential says, then every check.
func writeReport(w io.Writer, r verify.Report) {
	fmt.Fprintf(w, "%s (%s)\n", strings.ToUpper(r.Verdict), orDash(r.Format))
	c := r.Credential
	if c.Name != "" || c.Issuer.Name != "" {
		fmt.Fprintf(w, "  %s, issued by %s\n", orDash(c.Name), orDash(firstNonEmpty(c.Issuer.Name, c.Issuer.ID)))
	}
	if c.Issued != "" {
		fmt.Fprintf(w, "  issued %s", c.Issued)
		if c.Expires != "" {
			fmt.Fprintf(w, ", expires %s", c.Expires)
		}
		fmt.Fprintln(w)
	}
	for _, ch := range r.Checks {
		fmt.Fprintf(w, "  %-5s %-10s %s\n", ch.Status, ch.ID, ch.Message)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
