// Package config turns flags and CAIRN_* environment variables into a
// validated Config. Every flag has an environment twin; a flag given on the
// command line wins over the environment, which wins over the default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is everything a Cairn process is told from outside.
type Config struct {
	DataDir             string // holds cairn.db, keys/, media/
	Listen              string // host:port the HTTP server binds
	BaseURL             string // public URL of this instance, no trailing slash
	AdminPassword       string // bootstraps the owner password when none is set; never logged
	AllowPrivateNetwork bool   // let outbound fetches reach loopback and private addresses
	LogLevel            string // debug, info, warn, error
	WebmentionRate      int    // Webmentions accepted per minute from one address; 0 means no limit

	// The issuer ledger (DESIGN.md): a block is sealed when LedgerBlockSize
	// records wait or the oldest has waited LedgerSealAfter; its hash must
	// start with LedgerDifficulty zero hex digits.
	LedgerBlockSize  int
	LedgerSealAfter  time.Duration
	LedgerDifficulty int
}

// Defaults are the values a fresh `cairn serve` runs with.
var Defaults = Config{
	DataDir:        "./data",
	Listen:         ":8080",
	BaseURL:        "http://localhost:8080",
	LogLevel:       "info",
	WebmentionRate: 120,

	LedgerBlockSize:  5,
	LedgerSealAfter:  10 * time.Minute,
	LedgerDifficulty: 4,
}

// field binds one setting to its flag, its environment variable and its
// help text, so the three can never drift apart.
type field struct {
	flag, env, usage string
	str              *string
	boolean          *bool
	integer          *int
	duration         *time.Duration
}

func (c *Config) fields() []field {
	return []field{
		{flag: "data", env: "CAIRN_DATA", usage: "data directory (cairn.db, keys/, media/)", str: &c.DataDir},
		{flag: "listen", env: "CAIRN_LISTEN", usage: "address to listen on", str: &c.Listen},
		{flag: "base-url", env: "CAIRN_BASE_URL", usage: "public URL of this instance (links, feeds, Webmention targets)", str: &c.BaseURL},
		{flag: "log-level", env: "CAIRN_LOG_LEVEL", usage: "debug, info, warn or error", str: &c.LogLevel},
		{flag: "webmention-rate", env: "CAIRN_WEBMENTION_RATE", usage: "Webmentions accepted per minute from one address (0: no limit)", integer: &c.WebmentionRate},
		{flag: "allow-private-network", env: "CAIRN_ALLOW_PRIVATE_NETWORK", usage: "let outbound fetches reach loopback and private addresses (tests, two instances on one machine)", boolean: &c.AllowPrivateNetwork},
		{flag: "ledger-block-size", env: "CAIRN_LEDGER_BLOCK_SIZE", usage: "issuer ledger: records per block", integer: &c.LedgerBlockSize},
		{flag: "ledger-seal-after", env: "CAIRN_LEDGER_SEAL_AFTER", usage: "issuer ledger: seal a block once its oldest record has waited this long (e.g. 10m)", duration: &c.LedgerSealAfter},
		{flag: "ledger-difficulty", env: "CAIRN_LEDGER_DIFFICULTY", usage: "issuer ledger: leading zero hex digits of a block hash (proof of work)", integer: &c.LedgerDifficulty},
	}
}

// Flags names the settings a command accepts on its command line.
type Flags []string

// Common flag sets of the commands.
var (
	ServeFlags = Flags{"data", "listen", "base-url", "log-level", "allow-private-network", "webmention-rate",
		"ledger-block-size", "ledger-seal-after", "ledger-difficulty"}
	DataFlags = Flags{"data"}
)

// Register defines the named flags on fs, with help texts that name the
// environment twin and the default.
func (c *Config) Register(fs *flag.FlagSet, names Flags) {
	for _, f := range c.fields() {
		if !slices.Contains(names, f.flag) {
			continue
		}
		usage := fmt.Sprintf("%s (env %s)", f.usage, f.env)
		switch {
		case f.str != nil:
			fs.StringVar(f.str, f.flag, *f.str, usage)
		case f.integer != nil:
			fs.IntVar(f.integer, f.flag, *f.integer, usage)
		case f.duration != nil:
			fs.DurationVar(f.duration, f.flag, *f.duration, usage)
		default:
			fs.BoolVar(f.boolean, f.flag, *f.boolean, usage)
		}
	}
}

// Load builds a Config: defaults, then the environment (through getenv, so
// tests need not touch the process environment), then args parsed by fs.
// fs must be fresh; Load registers names on it.
func Load(fs *flag.FlagSet, names Flags, args []string, getenv func(string) string) (Config, error) {
	c := Defaults
	if err := c.applyEnv(getenv); err != nil {
		return c, err
	}
	c.Register(fs, names)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	baseURLGiven := getenv("CAIRN_BASE_URL") != ""
	fs.Visit(func(f *flag.Flag) { baseURLGiven = baseURLGiven || f.Name == "base-url" })
	if !baseURLGiven {
		c.BaseURL = defaultBaseURL(c.Listen)
	}
	return c, c.Validate()
}

// defaultBaseURL follows the listen port when no base URL was given, so
// `cairn serve --listen :9090` prints links that work on this machine.
func defaultBaseURL(listen string) string {
	_, port, err := net.SplitHostPort(listen)
	if err != nil || port == "" || port == "0" {
		return Defaults.BaseURL
	}
	return "http://localhost:" + port
}

func (c *Config) applyEnv(getenv func(string) string) error {
	for _, f := range c.fields() {
		v := strings.TrimSpace(getenv(f.env))
		if v == "" {
			continue
		}
		if f.str != nil {
			*f.str = v
			continue
		}
		if f.integer != nil {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want a whole number", f.env, v)
			}
			*f.integer = n
			continue
		}
		if f.duration != nil {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want a duration such as 10m or 30s", f.env, v)
			}
			*f.duration = d
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s=%q: want 1/0 or true/false", f.env, v)
		}
		*f.boolean = b
	}
	// Not a flag: a password on a command line would show in `ps`.
	c.AdminPassword = getenv("CAIRN_ADMIN_PASSWORD")
	return nil
}

// Validate checks every setting and normalises BaseURL.
func (c *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("data dir must not be empty"))
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen address %q: want host:port, e.g. :8080 or 127.0.0.1:8080", c.Listen))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		errs = append(errs, fmt.Errorf("listen address %q: bad port", c.Listen))
	}
	u, err := url.Parse(c.BaseURL)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		errs = append(errs, fmt.Errorf("base URL %q: want an absolute http(s) URL such as https://me.example", c.BaseURL))
	case u.RawQuery != "" || u.Fragment != "":
		errs = append(errs, fmt.Errorf("base URL %q: must not have a query or fragment", c.BaseURL))
	default:
		c.BaseURL = strings.TrimRight(u.String(), "/")
	}
	if c.WebmentionRate < 0 {
		errs = append(errs, fmt.Errorf("webmention rate %d: want 0 (no limit) or more", c.WebmentionRate))
	}
	if c.LedgerBlockSize < 1 {
		errs = append(errs, fmt.Errorf("ledger block size %d: want 1 or more", c.LedgerBlockSize))
	}
	if c.LedgerSealAfter <= 0 {
		errs = append(errs, fmt.Errorf("ledger seal-after %s: want a positive duration", c.LedgerSealAfter))
	}
	if c.LedgerDifficulty < 0 || c.LedgerDifficulty > 8 {
		errs = append(errs, fmt.Errorf("ledger difficulty %d: want 0 to 8 leading zero hex digits", c.LedgerDifficulty))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// Secure reports whether the instance is served over https, which makes
// cookies Secure.
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// DBPath is the database file in the data dir.
func (c Config) DBPath() string { return filepath.Join(c.DataDir, "cairn.db") }

// KeysDir holds private keys (0600 files in a 0700 dir).
func (c Config) KeysDir() string { return filepath.Join(c.DataDir, "keys") }

// MediaDir holds uploaded images.
func (c Config) MediaDir() string { return filepath.Join(c.DataDir, "media") }

// LocalURL is the URL a process on this machine reaches the server at, used
// by `cairn healthcheck`: the listen address with an unspecified host
// replaced by loopback.
func (c Config) LocalURL() string {
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return c.BaseURL
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Redacted lists the settings for a startup log line, secrets hidden.
func (c Config) Redacted() []any {
	pw := ""
	if c.AdminPassword != "" {
		pw = "[set]"
	}
	return []any{"data", c.DataDir, "listen", c.Listen, "base_url", c.BaseURL,
		"allow_private_network", c.AllowPrivateNetwork, "log_level", c.LogLevel, "webmention_rate", c.WebmentionRate,
		"admin_password", pw}
}
