package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/app"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/verify/did"
	"github.com/cairn-pl/cairn/verify/ledger"
)

// maxLedgerInput bounds a ledger file or a fetched blockchain.json.
const maxLedgerInput = 256 << 20

const ledgerUsage = "Usage: cairn ledger verify [--json] FILE|URL\n\n" +
	"Verify a Cairn ledger (an export file, or an issuer's URL: its /ledger and /ledger/blocks)\n" +
	"or a gRSShopper blockchain.json (saying which of its modes holds).\n" +
	"Exit 0 valid, 1 invalid, 2 could not check, 3 bad input.\n\nFlags:\n"

// ledgerCmd runs `cairn ledger verify`.
func ledgerCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, ledgerUsage)
		return app.VerifyBadInput
	}
	args = args[1:]
	fs := flag.NewFlagSet("cairn ledger verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	timeout := fs.Duration("timeout", 60*time.Second, "give up on unreachable ledgers and keys after this long (the result is then unknown)")
	fs.Usage = func() { fmt.Fprint(stderr, ledgerUsage); fs.PrintDefaults() }
	cfg, input, code, ok := parseInputArgs(fs, args, "cairn ledger verify", stderr)
	if !ok {
		return code
	}
	var err error
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	client := netx.New(netx.Options{AllowPrivate: cfg.AllowPrivateNetwork, UserAgent: netx.UserAgent(app.Version, "")})
	defer client.CloseIdleConnections()
	fetch := func(ctx context.Context, url, accept string) (int, []byte, error) {
		resp, err := client.Get(ctx, url, netx.WithHeader("Accept", accept), netx.WithMaxBody(maxLedgerInput))
		if err != nil {
			return 0, nil, err
		}
		return resp.StatusCode, resp.Body, nil
	}
	keys := ledger.DIDKeys(fetch, did.Options{AllowHTTPForPrivate: cfg.AllowPrivateNetwork})

	var data []byte
	remote := strings.HasPrefix(input, "http://") || strings.HasPrefix(input, "https://")
	if remote {
		status, body, err := fetch(ctx, input, "application/json")
		if err != nil {
			fmt.Fprintln(stderr, "cairn ledger verify:", err)
			return app.VerifyUnknown
		}
		if status != 200 {
			// An issuer's site rather than its /ledger: try /ledger.
			if u, err := ledger.LedgerURL(input); err == nil && u != input {
				input = u
				status, body, err = fetch(ctx, u, "application/json")
				if err != nil {
					fmt.Fprintln(stderr, "cairn ledger verify:", err)
					return app.VerifyUnknown
				}
			}
		}
		if status >= 500 {
			fmt.Fprintf(stderr, "cairn ledger verify: %s answered HTTP %d\n", input, status)
			return app.VerifyUnknown
		}
		if status != 200 {
			fmt.Fprintf(stderr, "cairn ledger verify: %s answered HTTP %d\n", input, status)
			return app.VerifyBadInput
		}
		data = body
	} else {
		data, err = readLedgerFile(input, stdin)
		if err != nil {
			fmt.Fprintln(stderr, "cairn ledger verify:", err)
			return app.VerifyBadInput
		}
	}

	if ledger.LooksLikeGRSShopper(data) {
		c, err := ledger.ParseGRSShopper(data)
		if err != nil {
			fmt.Fprintln(stderr, "cairn ledger verify:", err)
			return app.VerifyBadInput
		}
		r := ledger.VerifyGRSShopper(c)
		if *asJSON {
			writeJSON(stdout, map[string]any{"format": "grsshopper", "status": r.Status(), "message": r.Message(), "result": r})
		} else {
			writeGRSShopper(stdout, r)
		}
		if r.Status() == ledger.StatusPass {
			return app.VerifyValid
		}
		return app.VerifyInvalid
	}

	var e *ledger.Export
	if remote {
		if _, err := ledger.ParseDocument(data); err != nil {
			fmt.Fprintln(stderr, "cairn ledger verify:", err)
			return app.VerifyBadInput
		}
		// Fetch the document again with its blocks, page by page.
		u := strings.TrimSuffix(strings.SplitN(input, "?", 2)[0], "/")
		e, err = ledger.Client{Fetch: fetch}.Export(ctx, u)
		if err != nil {
			fmt.Fprintln(stderr, "cairn ledger verify:", err)
			if did.IsUnreachable(err) {
				return app.VerifyUnknown
			}
			return app.VerifyBadInput
		}
	} else {
		e, err = ledger.ParseExport(data)
		if err != nil {
			fmt.Fprintln(stderr, "cairn ledger verify:", err)
			return app.VerifyBadInput
		}
	}
	r := ledger.VerifyExport(ctx, e, keys, nil)
	if *asJSON {
		writeJSON(stdout, map[string]any{"format": ledger.Format, "issuer": e.Issuer, "pending": e.Pending, "status": r.Status, "message": r.Message, "result": r})
	} else {
		writeLedger(stdout, e, r)
	}
	switch r.Status {
	case ledger.StatusPass:
		return app.VerifyValid
	case ledger.StatusFail:
		return app.VerifyInvalid
	}
	return app.VerifyUnknown
}

func readLedgerFile(name string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxLedgerInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxLedgerInput {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxLedgerInput>>20)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%s is empty", name)
	}
	return b, nil
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func verdictWord(s ledger.Status) string {
	switch s {
	case ledger.StatusPass:
		return "VALID"
	case ledger.StatusFail:
		return "INVALID"
	}
	return "UNKNOWN"
}

func writeLedger(w io.Writer, e *ledger.Export, r ledger.Result) {
	fmt.Fprintf(w, "%s (%s)\n", verdictWord(r.Status), ledger.Format)
	fmt.Fprintf(w, "  issuer   %s\n", ledgerOrDash(e.Issuer))
	fmt.Fprintf(w, "  blocks   %d, records %d (%d awards, %d revocations), pending %d\n",
		r.Blocks, r.Records, r.Awards, r.Revocations, e.Pending)
	if r.Head != nil {
		fmt.Fprintf(w, "  head     block %d %s\n", r.Head.Index, r.Head.Hash)
	}
	if r.Status == ledger.StatusPass {
		fmt.Fprintf(w, "  every block's records, hash, proof of work, signature and link checked\n")
		return
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  %-5s %-13s %s\n", map[bool]string{true: "error", false: "fail"}[p.Unknown()], p.Code, p.Message)
	}
	if r.Truncated > 0 {
		fmt.Fprintf(w, "  ... and %d more\n", r.Truncated)
	}
}

func writeGRSShopper(w io.Writer, r *ledger.GRSShopperResult) {
	word := verdictWord(r.Status())
	switch r.Mode {
	case ledger.ModeIntended:
		fmt.Fprintf(w, "%s (grsshopper, intended mode)\n", word)
	case ledger.ModeLegacy:
		fmt.Fprintf(w, "%s (grsshopper, legacy mode: as deployed in 2018)\n", word)
	case ledger.ModeBoth:
		fmt.Fprintf(w, "%s (grsshopper, both modes: too short to tell)\n", word)
	default:
		fmt.Fprintf(w, "%s (grsshopper, neither mode holds)\n", word)
	}
	fmt.Fprintf(w, "  blocks   %d, transactions %d, pending %d, proof-of-work prefix %q\n", r.Blocks, r.Transactions, r.Pending, r.Prefix)
	for _, m := range []struct {
		name string
		res  ledger.GRSShopperMode
	}{{"intended", r.Intended}, {"legacy", r.Legacy}} {
		if m.res.Holds {
			fmt.Fprintf(w, "  %-8s holds\n", m.name)
		} else {
			fmt.Fprintf(w, "  %-8s fails: %s\n", m.name, m.res.Problem)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note     %s\n", n)
	}
}

func ledgerOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
