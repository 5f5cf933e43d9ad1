// Command cairn is a self-hosted learning journal and skills wallet.
//
// This file only parses the command line, wires internal/app and handles
// signals; everything else lives in the packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/cairn-pl/cairn/internal/app"
	"github.com/cairn-pl/cairn/internal/config"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

const usage = `Cairn: a self-hosted learning journal and skills wallet.

Usage:
  cairn serve   [--data DIR] [--listen ADDR] [--base-url URL]   run the server (default command)
  cairn passwd  [--data DIR]             set the owner password (read from stdin when it is not a terminal)
  cairn token create NAME [--data DIR]   create an API token; prints it once
  cairn backup  [--data DIR] FILE        copy the database to FILE while serving
  cairn verify  [--json] [--recipient ID]... FILE|URL|-
                                         verify a badge: exit 0 valid, 1 invalid, 2 unknown, 3 bad input
  cairn ledger verify [--json] FILE|URL  verify a Cairn ledger or a gRSShopper blockchain.json (exit codes as verify)
  cairn import  [--data DIR] FILE|URL    add a credential to the wallet while serving; prints its id and verdict
  cairn healthcheck [--listen ADDR]      exit 0 when the local server answers
  cairn version                          print the version

Run "cairn COMMAND --help" for the flags of a command. Every flag has a
CAIRN_* environment twin (e.g. --data and CAIRN_DATA).
`

// exitUsage is the exit code for a command line that could not be parsed.
const exitUsage = 2

func main() {
	app.Version = version
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, stdout, stderr)
	case "passwd":
		err = passwd(args, stdin, stdout, stderr)
	case "token":
		err = token(args, stdout, stderr)
	case "backup":
		err = backup(args, stdout, stderr)
	case "healthcheck":
		err = healthcheck(args, stderr)
	case "import":
		err = importCmd(args, stdin, stdout, stderr)
	case "verify":
		return verifyCmd(args, stdin, stdout, stderr)
	case "ledger":
		return ledgerCmd(args, stdin, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "cairn", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "cairn: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintln(stderr, "cairn:", err)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "cairn:", err)
		return 1
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// load parses a command's flags over its environment twins.
func load(name string, names config.Flags, args []string, stderr io.Writer, positional string) (config.Config, []string, error) {
	fs := flag.NewFlagSet("cairn "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: cairn %s [flags]%s\n\nFlags:\n", name, positional)
		fs.PrintDefaults()
	}
	cfg, err := config.Load(fs, names, args, os.Getenv)
	if err != nil && !errors.Is(err, flag.ErrHelp) && fs.Parsed() {
		return cfg, nil, usageError{err.Error()}
	}
	if err != nil {
		return cfg, nil, err
	}
	return cfg, fs.Args(), nil
}

// loadWithOne parses a command that takes --data and exactly one
// argument, given before or after the flags ("backup FILE --data DIR" and
// "backup --data DIR FILE" both work).
func loadWithOne(name string, args []string, stderr io.Writer, what string) (config.Config, string, error) {
	var arg string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		arg, args = args[0], args[1:]
	}
	cfg, rest, err := load(name, config.DataFlags, args, stderr, " "+what)
	if err != nil {
		return cfg, "", err
	}
	if arg == "" && len(rest) == 1 {
		arg, rest = rest[0], nil
	}
	if arg == "" || len(rest) > 0 {
		return cfg, "", usageError{fmt.Sprintf("usage: cairn %s %s [--data DIR]", name, what)}
	}
	return cfg, arg, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func serve(args []string, stdout, stderr io.Writer) error {
	cfg, rest, err := load("serve", config.ServeFlags, args, stderr, "")
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("serve takes no arguments, got %q", rest)}
	}
	logger := newLogger(stderr, cfg.LogLevel)
	slog.SetDefault(logger)
	logger.Info("starting", cfg.Redacted()...)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, app.Options{Logger: logger, Out: stdout})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

func passwd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, rest, err := load("passwd", config.DataFlags, args, stderr, "")
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{"passwd reads the password from stdin, not from the command line"}
	}
	pw, err := readNewPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if err := app.SetPassword(context.Background(), cfg, pw); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Owner password set. Every logged-in browser has been logged out.")
	return nil
}

// readNewPassword prompts twice without echo on a terminal, and reads one
// line from a pipe (scripts: echo "$PW" | cairn passwd).
func readNewPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return app.ReadPassword(stdin)
	}
	fmt.Fprint(stderr, "New owner password: ")
	first, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(stderr, "Again: ")
	second, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	if string(first) != string(second) {
		return "", errors.New("the two passwords differ; nothing changed")
	}
	return string(first), nil
}

func token(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"usage: cairn token create NAME [--data DIR]"}
	}
	cfg, name, err := loadWithOne("token create", args[1:], stderr, "NAME")
	if err != nil {
		return err
	}
	tok, err := app.CreateToken(context.Background(), cfg, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "API token %q created. It is shown once; store it now. Use it as: Authorization: Bearer TOKEN\n", name)
	// The token alone on the last line, so scripts can capture it.
	fmt.Fprintln(stdout, tok)
	return nil
}

func backup(args []string, stdout, stderr io.Writer) error {
	cfg, file, err := loadWithOne("backup", args, stderr, "FILE")
	if err != nil {
		return err
	}
	if err := app.Backup(context.Background(), cfg, file); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Backup written to", file)
	return nil
}

func healthcheck(args []string, stderr io.Writer) error {
	cfg, _, err := load("healthcheck", config.Flags{"listen", "base-url"}, args, stderr, "")
	if err != nil {
		return err
	}
	return app.Healthcheck(context.Background(), cfg)
}

// importCmd runs `cairn import`: the credential is verified with the
// owner's identities and stored, or recognised when already there.
func importCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var input string
	if len(args) > 0 && args[0] != "" && (args[0][0] != '-' || args[0] == "-") {
		input, args = args[0], args[1:]
	}
	cfg, rest, err := load("import", config.Flags{"data", "allow-private-network"}, args, stderr, " FILE|URL")
	if err != nil {
		return err
	}
	if input == "" && len(rest) == 1 {
		input, rest = rest[0], nil
	}
	if input == "" || len(rest) > 0 {
		return usageError{"usage: cairn import [--data DIR] FILE|URL"}
	}
	data, err := readVerifyInput(input, stdin)
	if err != nil {
		return err
	}
	isURL := strings.HasPrefix(input, "http://") || strings.HasPrefix(input, "https://")
	cred, created, err := app.ImportCredential(context.Background(), cfg, data, isURL)
	if err != nil {
		return err
	}
	what := "Imported"
	if !created {
		what = "Already in the wallet, report refreshed:"
	}
	fmt.Fprintf(stdout, "%s %q: %s\nwallet id %d\n", what, cred.Name, strings.ToUpper(cred.Verdict), cred.ID)
	return nil
}

// stringList is a repeatable string flag (--recipient a --recipient b).
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// verifyCmd runs `cairn verify`; its exit code is the verdict's.
func verifyCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cairn verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts app.VerifyOptions
	var recipients stringList
	fs.BoolVar(&opts.JSON, "json", false, "print the verification report as JSON")
	fs.Var(&recipients, "recipient", "an identity the credential must be issued to: email, mailto: URI or URL (repeatable)")
	fs.DurationVar(&opts.Timeout, "timeout", 30*time.Second, "give up on unreachable issuers after this long (the verdict is then unknown)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: cairn verify [--json] [--recipient ID]... FILE|URL|-\n\nExit 0 valid, 1 invalid, 2 unknown, 3 bad input.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	cfg, input, code, ok := parseInputArgs(fs, args, "cairn verify", stderr)
	if !ok {
		return code
	}
	data, err := readVerifyInput(input, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "cairn verify:", err)
		return app.VerifyBadInput
	}
	opts.Recipients = recipients
	opts.AllowPrivate = cfg.AllowPrivateNetwork
	return app.VerifyCredential(context.Background(), data, opts, stdout)
}

// maxVerifyInput bounds what is read from a file or stdin.
const maxVerifyInput = 8 << 20

// readVerifyInput gives the credential bytes: a URL as its text (Verify
// fetches it), "-" from stdin, anything else from a file.
func readVerifyInput(input string, stdin io.Reader) ([]byte, error) {
	if strings.HasPrefix(input, "http://") || strings.HasPrefix(input, "https://") {
		return []byte(input), nil
	}
	var r io.Reader = stdin
	if input != "-" {
		f, err := os.Open(input)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxVerifyInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxVerifyInput {
		return nil, fmt.Errorf("%s is larger than %d MiB", input, maxVerifyInput>>20)
	}
	return b, nil
}

// parseInputArgs parses the flags of a command that checks one input
// (FILE, URL or -), given before or after the flags. ok is false when the
// command is done: help was asked (code 0) or the arguments are wrong
// (code 3, the usage printed).
func parseInputArgs(fs *flag.FlagSet, args []string, name string, stderr io.Writer) (cfg config.Config, input string, code int, ok bool) {
	if len(args) > 0 && args[0] != "" && (args[0][0] != '-' || args[0] == "-") {
		input, args = args[0], args[1:]
	}
	cfg, err := config.Load(fs, config.Flags{"allow-private-network"}, args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return cfg, "", app.VerifyValid, false
	}
	if err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return cfg, "", app.VerifyBadInput, false
	}
	if input == "" && fs.NArg() == 1 {
		input = fs.Arg(0)
	} else if input == "" || fs.NArg() > 0 {
		fs.Usage()
		return cfg, "", app.VerifyBadInput, false
	}
	return cfg, input, 0, true
}
