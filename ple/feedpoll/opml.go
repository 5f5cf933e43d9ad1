package feedpoll

import (
	"context"
	"sync"
)

// importWorkers add an import's feeds in parallel: each is a fetch, and a
// few stalled sites should not hold up the rest.
const importWorkers = 4

// Outcome is what importing one feed did.
type Outcome int

// Import outcomes; each package names them in its own words.
const (
	Added    Outcome = iota // a new feed, stored with its first fetch
	Existing                // already polled: nothing changed
	Failed                  // the add failed and stored nothing
)

// Imported is the outcome of one feed of an import.
type Imported struct {
	Outcome Outcome
	ID      int64  // the feed added or already polled; 0 when it failed
	Error   string // why it failed, readable; "" otherwise
}

// Tally counts an import's outcomes.
type Tally struct{ Added, Existing, Failed int }

// AddFunc adds one feed as a person pasting its URL would: created is
// false when it was already polled.
type AddFunc func(ctx context.Context, feedURL string) (id int64, created bool, err error)

// ImportAll adds every URL (an OPML file's feeds) with add, a few at a
// time, and returns the outcomes in the order of urls with their tally.
// One feed failing does not stop the others.
func ImportAll(ctx context.Context, urls []string, add AddFunc) ([]Imported, Tally) {
	out := make([]Imported, len(urls))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(importWorkers, len(urls)) {
		wg.Go(func() {
			for i := range work {
				out[i] = importOne(ctx, urls[i], add)
			}
		})
	}
	for i := range urls {
		work <- i
	}
	close(work)
	wg.Wait()
	var t Tally
	for _, im := range out {
		switch im.Outcome {
		case Added:
			t.Added++
		case Existing:
			t.Existing++
		default:
			t.Failed++
		}
	}
	return out, t
}

func importOne(ctx context.Context, u string, add AddFunc) Imported {
	id, created, err := add(ctx, u)
	switch {
	case err != nil:
		return Imported{Outcome: Failed, Error: err.Error()}
	case created:
		return Imported{Outcome: Added, ID: id}
	}
	return Imported{Outcome: Existing, ID: id}
}
