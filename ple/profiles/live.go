package profiles

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/cairn-pl/cairn/verify"
)

// The employer's page re-verifies every credential live, but not on every
// request: a verification is shown for ReportTTL ("checked at …"), and the
// verifications share one verify.Cache, so each issuer's DID document and
// status lists are fetched once however many of its credentials a profile
// holds. The public view of a profile is built once per round of
// verifications and kept until a report in it or the profile changes; a
// request with everything fresh costs two map lookups.

// maxParallelVerify bounds the verifications run at once for one page:
// they wait on the network, not the CPU.
const maxParallelVerify = 8

// unknownTTL is how long a verification that could not complete (an
// issuer unreachable) is shown before it is tried again.
const unknownTTL = 30 * time.Second

// liveReport is one credential's latest live verification.
type liveReport struct {
	rep       verify.Report
	checkedAt time.Time
	until     time.Time
}

type liveCache struct {
	s       *Service
	docs    *verify.Cache // shared between every verification of the pages
	mu      sync.RWMutex
	reports map[int64]liveReport
	views   map[int64]*View
	flight  singleflight.Group
}

func newLiveCache(s *Service) *liveCache {
	return &liveCache{s: s, docs: verify.NewCache(s.ttl), reports: map[int64]liveReport{}, views: map[int64]*View{}}
}

// Forget drops every live verification and built view, so the next page
// verifies everything again (the owner's "check now", tests, benchmarks).
func (s *Service) Forget() {
	s.live.mu.Lock()
	s.live.reports = map[int64]liveReport{}
	s.live.views = map[int64]*View{}
	s.live.docs = verify.NewCache(s.ttl)
	s.live.mu.Unlock()
}

// View is a profile as the employer's page shows it, every credential
// with its live verification.
type View struct {
	Profile Profile
	Items   []Item
	Skills  Skills
	// Generation changes whenever the view is rebuilt: pages rendered from
	// it may be cached under it.
	Generation uint64
	// Until is when the first of its verifications goes stale.
	Until   time.Time
	version uint64
}

// Item is one credential on the page.
type Item struct {
	Credential
	// Live is the verification shown; CheckedAt is when it ran. Stale is
	// true when a fresh verification failed to run and the wallet's last
	// report is shown instead.
	Live      verify.Report
	CheckedAt time.Time
	Stale     bool
	// Verdict words: the verdict as a person says it ("valid", "revoked",
	// "expired", "invalid", "could not be checked") and why, in plain
	// words, when it is not valid.
	State string
	Why   string
	// Checks are the checks an employer cares about, in plain words.
	Checks          []CheckLine
	AchievementType string
	Evidence        []verify.Evidence // http(s) evidence only
}

var generation struct {
	sync.Mutex
	n uint64
}

func nextGeneration() uint64 {
	generation.Lock()
	defer generation.Unlock()
	generation.n++
	return generation.n
}

// PublicView returns the profile with every credential verified live: from
// the cache while its verifications are fresh, else verifying the stale
// ones (in parallel, once however many visitors wait).
func (s *Service) PublicView(ctx context.Context, profileID int64) (*View, error) {
	now := s.now()
	ver := s.version.Load()
	s.live.mu.RLock()
	v := s.live.views[profileID]
	s.live.mu.RUnlock()
	if v != nil && v.version == ver && now.Before(v.Until) {
		return v, nil
	}
	key := strconv.FormatInt(profileID, 10)
	res, err, _ := s.live.flight.Do(key, func() (any, error) {
		s.live.mu.RLock()
		v := s.live.views[profileID]
		s.live.mu.RUnlock()
		if v != nil && v.version == ver && s.now().Before(v.Until) {
			return v, nil
		}
		v, err := s.buildView(context.WithoutCancel(ctx), profileID, ver)
		if err != nil {
			return nil, err
		}
		s.live.mu.Lock()
		s.live.views[profileID] = v
		s.live.mu.Unlock()
		return v, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*View), nil
}

// buildView reads the profile and its credentials and verifies the ones
// whose live verification is stale.
func (s *Service) buildView(ctx context.Context, profileID int64, ver uint64) (*View, error) {
	p, err := s.Get(ctx, profileID)
	if err != nil {
		return nil, err
	}
	creds, err := s.Selected(ctx, p)
	if err != nil {
		return nil, err
	}
	now := s.now()
	s.live.mu.RLock()
	docs := s.live.docs
	var stale []int
	lives := make([]liveReport, len(creds))
	for i, c := range creds {
		lr, ok := s.live.reports[c.ID]
		if ok && now.Before(lr.until) {
			lives[i] = lr
		} else {
			stale = append(stale, i)
		}
	}
	s.live.mu.RUnlock()

	failed := make([]bool, len(creds))
	run := func(batch []int) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, maxParallelVerify)
		for _, i := range batch {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				rep, err := s.creds.VerifyCredential(ctx, creds[i].ID, docs)
				if err != nil {
					s.logger.Warn("profiles: live verification failed", "credential", creds[i].ID, "error", err)
					failed[i] = true
					return
				}
				at := s.now()
				ttl := s.ttl
				if rep.Verdict == verify.VerdictUnknown && ttl > unknownTTL {
					ttl = unknownTTL
				}
				lives[i] = liveReport{rep: rep, checkedAt: at, until: at.Add(ttl)}
			})
		}
		wg.Wait()
	}
	// One credential per issuer first: it fills the shared cache with the
	// issuer's DID document and status lists, which the rest, verified
	// together afterwards, then read instead of all fetching at once.
	var firsts, rest []int
	seen := map[string]bool{}
	for _, i := range stale {
		if iss := creds[i].IssuerID; iss == "" || !seen[iss] {
			seen[iss] = true
			firsts = append(firsts, i)
		} else {
			rest = append(rest, i)
		}
	}
	run(firsts)
	run(rest)

	v := &View{Profile: p, Generation: nextGeneration(), version: ver, Until: now.Add(s.ttl)}
	s.live.mu.Lock()
	for i, c := range creds {
		it := Item{Credential: c}
		switch {
		case failed[i]:
			// Show the wallet's last report, plainly marked, and try
			// again soon.
			it.Stale = true
			if c.Report != nil {
				it.Live = *c.Report
			} else {
				it.Live = verify.Report{Verdict: verify.VerdictUnknown}
			}
			it.CheckedAt = c.VerifiedAt
			if u := now.Add(unknownTTL); u.Before(v.Until) {
				v.Until = u
			}
		default:
			lr := lives[i]
			s.live.reports[c.ID] = lr
			it.Live, it.CheckedAt = lr.rep, lr.checkedAt
			if lr.until.Before(v.Until) {
				v.Until = lr.until
			}
		}
		it.Evidence = httpEvidence(it.Live.Credential.Evidence)
		describe(&it)
		v.Items = append(v.Items, it)
	}
	s.live.mu.Unlock()
	for i := range v.Items {
		v.Items[i].AchievementType = s.achievementType(ctx, &v.Items[i])
	}
	v.Skills = Aggregate(v.Items)
	return v, nil
}
