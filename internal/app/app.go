// Package app is the dependency carrier: it opens the store, builds the
// services, the job queue, the outbound client and the web site from a
// Config, runs them, and shuts them down in the right order.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/config"
	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/web"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/courses"
	"github.com/cairn-pl/cairn/ple/mentions"
	"github.com/cairn-pl/cairn/ple/profiles"
	"github.com/cairn-pl/cairn/ple/roster"
	"github.com/cairn-pl/cairn/wallet"
	wevm "github.com/cairn-pl/cairn/wallet/evm"
	"github.com/cairn-pl/cairn/wallet/issuer"
	"github.com/cairn-pl/cairn/wallet/ledger"
)

// Version is the build's version, set by main from -ldflags.
var Version = "dev"

// App is one running Cairn instance.
type App struct {
	Config   config.Config
	Logger   *slog.Logger
	Store    *store.DB
	Account  *account.Service
	Jobs     *jobs.Queue
	Net      *netx.Client
	Journal  *ple.Journal
	Courses  *courses.Service
	Mentions *mentions.Service
	Wallet   *wallet.Service
	Roster   *roster.Service   // issuer mode: the roster of learners' feeds and the review queue
	Issuer   *issuer.Service   // issuer mode: profile, keys, achievements, awards, status lists
	Ledger   *ledger.Ledger    // the issuer ledger (cairn-ledger/1), signed with the issuer's key
	Profiles *profiles.Service // skill profiles and share links; presentations signed with the site's key
	EVM      *wevm.Service     // EVM networks: Learning Tokens on a chain, ledger anchors
	Site     *web.Site
	out      io.Writer // where the startup banner goes (stdout)
}

// Options are what New needs besides the Config.
type Options struct {
	Logger *slog.Logger
	Out    io.Writer   // startup messages for the person at the terminal; default os.Stdout
	Jobs   jobs.Config // queue tuning; zero value gives the defaults
}

// New opens the data dir and builds every part. On error nothing is left
// open.
func New(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	db, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := ensureDataDirs(cfg); err != nil {
		db.Close()
		return nil, err
	}
	jc := opts.Jobs
	jc.Logger = opts.Logger
	a := &App{
		Config:  cfg,
		Logger:  opts.Logger,
		Store:   db,
		Account: account.New(db),
		Jobs:    jobs.New(db, jc),
		Net: netx.New(netx.Options{
			AllowPrivate: cfg.AllowPrivateNetwork,
			UserAgent:    netx.UserAgent(Version, cfg.BaseURL),
		}),
		out: opts.Out,
	}
	a.Jobs.Register(maintenanceJob, a.maintain)
	a.Courses = courses.New(db, a.Net, a.Jobs, opts.Logger)
	a.Courses.RegisterJobs()
	a.Journal = ple.NewJournal(db, a.Courses, a.Jobs, opts.Logger, cfg.BaseURL)
	a.Journal.EnableWebSub(a.Net)
	a.Mentions = mentions.New(db, a.Net, a.Jobs, a.Journal, a.Courses, opts.Logger, cfg.BaseURL)
	a.Wallet = newWallet(db, a.Account, a.Courses, a.Net, opts.Logger)
	a.Wallet.RegisterJobs(a.Jobs)
	a.Roster = roster.New(db, a.Net, a.Jobs, roster.JournalTasks(a.Journal, cfg.BaseURL, nil), opts.Logger, cfg.BaseURL)
	a.Roster.RegisterJobs()
	a.Issuer, err = issuer.New(issuer.Config{Store: db, Jobs: a.Jobs, Net: a.Net, KeysDir: cfg.KeysDir(),
		BaseURL: cfg.BaseURL, Logger: opts.Logger, Tasks: issuerTasks(roster.JournalTasks(a.Journal, cfg.BaseURL, nil))})
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Issuer.RegisterJobs(a.Jobs)
	a.Ledger, err = ledger.New(db, issuerSigner{a.Issuer}, ledger.Options{
		BlockSize: cfg.LedgerBlockSize, SealAfter: cfg.LedgerSealAfter, Difficulty: cfg.LedgerDifficulty})
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Ledger.RegisterJobs(a.Jobs)
	a.Issuer.SetLedger(a.Ledger)
	a.EVM = wevm.New(wevm.Config{Store: db, Wallet: a.Wallet, HTTP: a.Net.HTTPClient(), KeysDir: cfg.KeysDir(),
		Logger: opts.Logger, Ledger: a.Ledger, AllowPrivate: cfg.AllowPrivateNetwork})
	a.EVM.RegisterJobs(a.Jobs)
	a.Wallet.Use(a.EVM.Middleware) // chain tokens, and ledger anchors in every verification
	a.Ledger.SetAnchors(a.EVM.Anchors)
	a.Profiles = profiles.New(profiles.Config{Store: db, Credentials: WalletCredentials{a.Wallet}, Signer: a.Issuer,
		BaseURL: cfg.BaseURL, Logger: opts.Logger})
	a.Issuer.SetHolder(a.Profiles.Presenting) // did.json while a share link is live
	site, err := web.New(web.Deps{
		Config: cfg, Store: db, Account: a.Account, Jobs: a.Jobs, Journal: a.Journal, Courses: a.Courses, Mentions: a.Mentions, Wallet: a.Wallet,
		Logger: opts.Logger, Version: Version,
		Roster: a.Roster, // Awarder: wire issuer mode here (nil: the review queue says issuer mode is off)
		Issuer: a.Issuer, Awarder: issuerAwarder{a.Issuer}, Ledger: a.issuerLedger,
		Profiles: a.Profiles, EVM: a.EVM,
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("build web site: %w", err)
	}
	a.Site = site
	return a, nil
}

// ensureDataDirs creates keys/ (private: 0700) and media/ beside the
// database.
func ensureDataDirs(cfg config.Config) error {
	if err := os.MkdirAll(cfg.KeysDir(), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", cfg.KeysDir(), err)
	}
	if err := os.MkdirAll(cfg.MediaDir(), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", cfg.MediaDir(), err)
	}
	return nil
}

// Run serves until ctx is cancelled (SIGINT/SIGTERM in main), then shuts
// down: HTTP drains first, then workers stop, then the store checkpoints
// its WAL and closes.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Listen)
	if err != nil {
		a.Store.Close()
		return fmt.Errorf("listen on %s: %w", a.Config.Listen, err)
	}
	return a.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened (tests use a random port).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if err := a.greet(ctx, ln.Addr()); err != nil {
		ln.Close()
		a.Store.Close()
		return err
	}
	if err := a.scheduleMaintenance(ctx); err != nil {
		a.Logger.Warn("schedule maintenance", "err", err)
	}
	if err := a.Courses.Schedule(ctx); err != nil {
		a.Logger.Warn("schedule course polling", "err", err)
	}
	if err := a.Wallet.Schedule(ctx, a.Jobs); err != nil {
		a.Logger.Warn("schedule wallet re-verification", "err", err)
	}
	if err := a.Ledger.Schedule(ctx); err != nil {
		return err
	}
	if err := a.EVM.Schedule(ctx); err != nil {
		a.Logger.Warn("schedule ledger anchoring", "err", err)
	}
	if err := a.Roster.Schedule(ctx); err != nil {
		a.Logger.Warn("schedule roster harvesting", "err", err)
	}

	jobsCtx, stopJobs := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.Jobs.Run(jobsCtx); err != nil && !errors.Is(err, context.Canceled) {
			a.Logger.Error("job workers stopped", "err", err)
		}
	}()

	served := make(chan error, 1)
	go func() { served <- a.Site.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	a.Logger.Info("shutting down")
	if err := a.Site.Shutdown(10 * time.Second); err != nil {
		a.Logger.Error("http shutdown", "err", err)
	}
	a.Mentions.Close()
	a.Profiles.FlushViews(context.Background()) // share views counted since the last write
	stopJobs()
	wg.Wait()
	a.Net.CloseIdleConnections()
	if err := a.Store.Close(); err != nil {
		return errors.Join(serveErr, fmt.Errorf("close store: %w", err))
	}
	a.Logger.Info("stopped")
	return serveErr
}

// greet prints where Cairn listens and, while no password is set, either
// applies CAIRN_ADMIN_PASSWORD or prints a one-time setup link.
func (a *App) greet(ctx context.Context, addr net.Addr) error {
	fmt.Fprintf(a.out, "Cairn %s is running at %s (listening on %s, data in %s)\n",
		Version, a.Config.BaseURL, addr, a.Config.DataDir)
	owner, err := a.Account.Owner(ctx)
	if err != nil {
		return err
	}
	if owner.HasPassword {
		return nil
	}
	if a.Config.AdminPassword != "" {
		if _, err := a.Account.BootstrapPassword(ctx, a.Config.AdminPassword); err != nil {
			return fmt.Errorf("CAIRN_ADMIN_PASSWORD: %w", err)
		}
		fmt.Fprintln(a.out, "Owner password set from CAIRN_ADMIN_PASSWORD.")
		return nil
	}
	token, err := a.Account.NewSetupLink(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "No owner password yet. Open this one-time link to choose it (valid %s):\n  %s/setup/%s\n",
		account.SetupTTL, a.Config.BaseURL, token)
	return nil
}

// Close releases everything New opened, for an App that never ran.
func (a *App) Close() error {
	a.Mentions.Close()
	a.Net.CloseIdleConnections()
	return a.Store.Close()
}

// issuerTasks offers the owner's task posts (the roster's reading of the
// journal) to issuer mode's achievement form.
func issuerTasks(t roster.Tasks) issuer.TaskSource {
	return issuer.TaskSourceFunc(func(ctx context.Context) ([]issuer.Task, error) {
		list, err := t.Tasks(ctx)
		out := make([]issuer.Task, 0, len(list))
		for _, x := range list {
			out = append(out, issuer.Task{URL: x.URL, Title: x.Title, Hashtag: x.Hashtag})
		}
		return out, err
	})
}

// issuerAwarder is issuer mode as the review queue needs it
// (roster.Awarder). While issuer mode is off its awards fail with
// issuer.ErrDisabled.
type issuerAwarder struct{ s *issuer.Service }

func (a issuerAwarder) Achievements(ctx context.Context) ([]roster.Achievement, error) {
	list, err := a.s.Achievements(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]roster.Achievement, 0, len(list))
	for _, x := range list {
		r := roster.Achievement{ID: strconv.FormatInt(x.ID, 10), Name: x.Name, IsToken: x.Token != nil}
		for _, t := range x.Tasks {
			if t.URL != "" {
				r.TaskURLs = append(r.TaskURLs, t.URL)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (a issuerAwarder) Award(ctx context.Context, achievementID, evidenceURL, subjectURL string, amount *float64) (string, error) {
	id, err := strconv.ParseInt(achievementID, 10, 64)
	if err != nil {
		return "", fmt.Errorf("no achievement %q", achievementID)
	}
	w, err := a.s.Award(ctx, issuer.AwardRequest{AchievementID: id, Evidence: evidenceURL, SubjectURL: subjectURL, Amount: amount})
	if err != nil {
		return "", err
	}
	return a.s.AwardURL(w.ID), nil
}

// issuerLedger is the ledger while issuer mode is on (nil: its endpoints
// answer 404).
func (a *App) issuerLedger(ctx context.Context) *ledger.Ledger {
	if on, err := a.Issuer.Enabled(ctx); err != nil || !on {
		return nil
	}
	return a.Ledger
}

// issuerSigner lets the ledger sign blocks with the issuer's current key
// (wallet/ledger.Signer) without the key leaving the issuer service.
type issuerSigner struct{ s *issuer.Service }

func (i issuerSigner) Issuer() string { return i.s.DID() }

// KeyID names the key Sign will use: the newest.
func (i issuerSigner) KeyID() string {
	for _, k := range i.s.Keys() {
		if k.Current {
			return k.ID
		}
	}
	return ""
}

// Sign signs with the current key. The ledger only seals records of
// awards, which exist only once issuer mode made a key, so a missing key
// signs nothing (and the block then fails verification rather than
// claiming a signature).
func (i issuerSigner) Sign(msg []byte) []byte {
	_, sig, err := i.s.Sign(msg)
	if err != nil {
		return nil
	}
	return sig
}
