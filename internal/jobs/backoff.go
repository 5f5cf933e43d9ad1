package jobs

import (
	"math/rand/v2"
	"time"
)

// jitter is the largest fraction taken off a backoff delay, so jobs that
// failed together (a host down) do not all come back in the same instant.
const jitter = 0.2

// backoff is the delay after failed attempt n (1-based): base·2^(n-1),
// capped at limit, minus up to jitter of it. r in [0,1) picks the jitter.
func backoff(n int, base, limit time.Duration, r float64) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		if d > limit/2 { // doubling would pass the cap (or overflow)
			d = limit
			break
		}
		d *= 2
	}
	d = min(d, limit)
	return d - time.Duration(float64(d)*jitter*r)
}

func (q *Queue) backoff(attempt int) time.Duration {
	return backoff(attempt, q.cfg.BackoffBase, q.cfg.BackoffMax, rand.Float64())
}
