package wallet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify"
)

// Re-verification at wallet scale: a batch (the sweeper's, a trust
// change's, ReverifyAll) verifies on every core with one verify.Cache, so
// each issuer's documents (DID document, key set, profile) and status
// lists are fetched and checked once per batch, not once per credential.
// The store's single writer keeps the writes serialized: one goroutine
// saves the reports, several at a time in one transaction.

// ReverifyCacheTTL is how long a batch's cache keeps what it fetched. A
// batch rarely runs that long; the bound keeps a long one from answering
// with a status list older than this.
const ReverifyCacheTTL = 5 * time.Minute

// maxSaveGroup bounds the reports saved in one transaction.
const maxSaveGroup = 64

// ReverifySummary counts what a batch re-verification found.
type ReverifySummary struct {
	Checked  int            // credentials verified and saved
	Verdicts map[string]int // verdict → credentials
	Failed   int            // credentials that could not be re-verified (see the log)
}

// ReverifyAll re-verifies every credential in the wallet, in parallel with
// one shared cache, and saves each fresh report. Single failures are
// logged and counted, not returned; the error is for what stops the whole
// batch (the store, a cancelled context).
func (s *Service) ReverifyAll(ctx context.Context) (ReverifySummary, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT id FROM credentials ORDER BY id")
	if err != nil {
		return ReverifySummary{}, store.MapErr(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return ReverifySummary{}, store.MapErr(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ReverifySummary{}, store.MapErr(err)
	}
	sum, errs := s.reverifyMany(ctx, ids, "wallet: re-verification failed")
	if ctx.Err() != nil {
		return sum, ctx.Err()
	}
	if len(errs) > 0 && sum.Checked == 0 {
		return sum, errors.Join(errs...)
	}
	return sum, nil
}

// reverified is one worker's result.
type reverified struct {
	id  int64
	rep verify.Report
	err error
}

// reverifyMany verifies the credentials ids on runtime.GOMAXPROCS(0)
// workers sharing one cache, and saves the reports from this goroutine.
// A credential deleted meanwhile is skipped silently; other failures are
// logged with msg and returned.
func (s *Service) reverifyMany(ctx context.Context, ids []int64, msg string) (ReverifySummary, []error) {
	sum := ReverifySummary{Verdicts: map[string]int{}}
	if len(ids) == 0 {
		return sum, nil
	}
	v, err := s.newVerifier(ctx, verify.NewCache(ReverifyCacheTTL))
	if err != nil {
		return sum, []error{err}
	}
	// Workers that miss the cache together wait for one fetch.
	v.opts.Fetcher = &sharedFetcher{f: v.opts.Fetcher, calls: map[string]*fetchCall{}}
	workers := min(runtime.GOMAXPROCS(0), len(ids))
	next := make(chan int64)
	results := make(chan reverified, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for id := range next {
				data, _, err := s.Original(ctx, id)
				if err != nil {
					results <- reverified{id: id, err: err}
					continue
				}
				results <- reverified{id: id, rep: v.verify(ctx, data)}
			}
		})
	}
	go func() {
		defer close(next)
		for _, id := range ids {
			select {
			case next <- id:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	var errs []error
	fail := func(id int64, err error) {
		if errors.Is(err, store.ErrNotFound) || ctx.Err() != nil {
			return // deleted meanwhile, or shutting down
		}
		sum.Failed++
		s.logger.Warn(msg, "id", id, "error", err)
		errs = append(errs, fmt.Errorf("credential %d: %w", id, err))
	}
	group := make([]reverified, 0, maxSaveGroup)
	for r := range results {
		// Save what is ready together: one transaction for several reports.
		group = append(group[:0], r)
	fill:
		for len(group) < maxSaveGroup {
			select {
			case r, ok := <-results:
				if !ok {
					break fill
				}
				group = append(group, r)
			default:
				break fill
			}
		}
		var ok []reverified
		for _, r := range group {
			if r.err != nil {
				fail(r.id, r.err)
				continue
			}
			ok = append(ok, r)
		}
		for _, r := range s.saveGroup(ctx, ok) {
			if r.err != nil {
				fail(r.id, r.err)
				continue
			}
			sum.Checked++
			sum.Verdicts[r.rep.Verdict]++
		}
	}
	return sum, errs
}

// saveGroup saves the reports in one transaction, skipping credentials
// deleted meanwhile (their err becomes store.ErrNotFound). When the
// transaction fails, each report is saved on its own so one bad row loses
// nothing else.
func (s *Service) saveGroup(ctx context.Context, group []reverified) []reverified {
	if len(group) == 0 {
		return nil
	}
	out := make([]reverified, len(group))
	copy(out, group)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for i := range out {
			out[i].err = nil
			if err := s.saveReport(ctx, tx, out[i].id, out[i].rep); errors.Is(err, store.ErrNotFound) {
				out[i].err = err
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return out
	}
	for i := range out {
		out[i].err = s.db.Tx(ctx, func(tx *sql.Tx) error { return s.saveReport(ctx, tx, out[i].id, out[i].rep) })
	}
	return out
}

// sharedFetcher lets concurrent fetches of the same URL share one request:
// the batch's workers start together and would all miss the cache for the
// issuer's DID document and status lists. Only requests in flight are
// shared; the cache keeps the answers.
type sharedFetcher struct {
	f     verify.Fetcher
	mu    sync.Mutex
	calls map[string]*fetchCall
}

type fetchCall struct {
	done chan struct{}
	resp *verify.Response
	err  error
}

func (sf *sharedFetcher) Fetch(ctx context.Context, u, accept string) (*verify.Response, error) {
	key := accept + "\x00" + u
	sf.mu.Lock()
	if c, ok := sf.calls[key]; ok {
		sf.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if c.resp == nil {
			return nil, c.err
		}
		r := *c.resp // each caller gets its own Response
		return &r, c.err
	}
	c := &fetchCall{done: make(chan struct{})}
	sf.calls[key] = c
	sf.mu.Unlock()
	c.resp, c.err = sf.f.Fetch(ctx, u, accept)
	sf.mu.Lock()
	delete(sf.calls, key)
	sf.mu.Unlock()
	close(c.done)
	if c.resp == nil {
		return nil, c.err
	}
	r := *c.resp
	return &r, c.err
}
