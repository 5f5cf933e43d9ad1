package roster

import (
	"context"
	"io"
	"sync"

	"github.com/cairn-pl/cairn/ple/courses"
)

// Import outcomes, as for courses.
const (
	ImportAdded    = "added"
	ImportExisting = "already on the roster"
	ImportFailed   = "error"
)

// ImportEntry is the outcome for one OPML outline with an xmlUrl.
type ImportEntry struct {
	Title     string
	URL       string
	Outcome   string
	LearnerID int64
	Error     string
}

// ImportReport says what an OPML import did, in file order.
type ImportReport struct {
	Entries                 []ImportEntry
	Added, Existing, Failed int
}

// ImportOPML adds every feed an OPML file lists (courses.ParseOPML reads
// it: a broken, oversized or non-OPML file is refused whole with a
// *courses.ValidationError, changing nothing). Each entry is added as Add
// does; a failed one stores nothing and says why.
func (s *Service) ImportOPML(ctx context.Context, r io.Reader) (ImportReport, error) {
	parsed, err := courses.ParseOPML(r)
	if err != nil {
		return ImportReport{}, err
	}
	entries := make([]ImportEntry, len(parsed))
	for i, p := range parsed {
		entries[i] = ImportEntry{Title: p.Title, URL: p.URL}
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(4, len(entries)) {
		wg.Go(func() {
			for i := range work {
				e := &entries[i]
				l, created, err := s.Add(ctx, e.URL)
				switch {
				case err != nil:
					e.Outcome, e.Error = ImportFailed, err.Error()
				case created:
					e.Outcome, e.LearnerID = ImportAdded, l.ID
				default:
					e.Outcome, e.LearnerID = ImportExisting, l.ID
				}
			}
		})
	}
	for i := range entries {
		work <- i
	}
	close(work)
	wg.Wait()
	rep := ImportReport{Entries: entries}
	for _, e := range entries {
		switch e.Outcome {
		case ImportAdded:
			rep.Added++
		case ImportExisting:
			rep.Existing++
		default:
			rep.Failed++
		}
	}
	return rep, ctx.Err()
}
