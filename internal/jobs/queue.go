package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
)

// Handler runs one job. A nil error deletes the job; Permanent fails it at
// once; RetryAfter reschedules it after a given delay; any other error
// retries it with backoff. ctx ends at the per-job timeout or on shutdown.
type Handler func(ctx context.Context, job Job) error

// Config tunes a Queue. The zero value gives the production defaults.
type Config struct {
	Workers      int           // concurrent workers in Run; default 2
	PollInterval time.Duration // idle workers look for jobs enqueued elsewhere (the CLI) this often; default 1 s
	Timeout      time.Duration // per-job handler deadline; default 5 min. The lease is Timeout + 1 min
	// StopGrace is how long in-flight handlers keep their context after
	// Run's ctx is cancelled, so short jobs finish instead of being redone.
	// Default 5 s; negative cancels them at once.
	StopGrace   time.Duration
	BackoffBase time.Duration    // delay after the first failure, doubling per attempt; default 30 s
	BackoffMax  time.Duration    // cap on the backoff delay; default 6 h
	Logger      *slog.Logger     // default slog.Default()
	Now         func() time.Time // clock for run_at, leases and backoff (tests inject one); default time.Now
}

// Defaults; exported so callers can show or reuse them.
const (
	DefaultWorkers      = 2
	DefaultPollInterval = time.Second
	DefaultTimeout      = 5 * time.Minute
	DefaultStopGrace    = 5 * time.Second
	DefaultBackoffBase  = 30 * time.Second
	DefaultBackoffMax   = 6 * time.Hour
	DefaultMaxAttempts  = 8
)

// leaseSlack keeps the lease longer than the handler deadline, so a job is
// only reclaimed when its worker is really gone, not merely slow.
const leaseSlack = time.Minute

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.StopGrace == 0:
		c.StopGrace = DefaultStopGrace
	case c.StopGrace < 0:
		c.StopGrace = 0
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = DefaultBackoffBase
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	c.BackoffMax = max(c.BackoffMax, c.BackoffBase)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Queue enqueues jobs, runs registered handlers on them and answers the
// owner page's questions about them.
type Queue struct {
	db       *store.DB
	cfg      Config
	log      *slog.Logger
	lease    time.Duration
	mu       sync.RWMutex
	handlers map[string]Handler
	// wake holds at most one pending signal: enough to rouse one idle
	// worker, and a send never blocks the enqueuer.
	wake    chan struct{}
	running atomic.Bool
}

// New returns a queue on db. It starts nothing; call Run or RunOnce.
func New(db *store.DB, cfg Config) *Queue {
	cfg = cfg.withDefaults()
	return &Queue{
		db:       db,
		cfg:      cfg,
		log:      cfg.Logger,
		lease:    cfg.Timeout + leaseSlack,
		handlers: map[string]Handler{},
		wake:     make(chan struct{}, 1),
	}
}

// Register sets the handler for kind. Register every kind before Run: a
// claimed job without a handler fails. Registering a kind twice panics, as
// it is a wiring mistake.
func (q *Queue) Register(kind string, h Handler) {
	if kind == "" || h == nil {
		panic("jobs: Register needs a kind and a handler")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, dup := q.handlers[kind]; dup {
		panic(fmt.Sprintf("jobs: handler for kind %q registered twice", kind))
	}
	q.handlers[kind] = h
}

func (q *Queue) handler(kind string) Handler {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.handlers[kind]
}

func (q *Queue) now() time.Time { return q.cfg.Now() }

// signal wakes one idle worker without ever blocking.
func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Wake rouses an idle worker, for callers that enqueued with the
// package-level EnqueueTx (which cannot wake anyone) and have committed.
func (q *Queue) Wake() { q.signal() }
