package roster

import (
	"context"
	"io"

	"github.com/cairn-pl/cairn/ple/courses"
	"github.com/cairn-pl/cairn/ple/feedpoll"
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
	urls := make([]string, len(parsed))
	for i, p := range parsed {
		urls[i] = p.URL
	}
	imported, tally := feedpoll.ImportAll(ctx, urls, func(ctx context.Context, u string) (int64, bool, error) {
		l, created, err := s.Add(ctx, u)
		return l.ID, created, err
	})
	entries := make([]ImportEntry, len(parsed))
	for i, im := range imported {
		entries[i] = ImportEntry{Title: parsed[i].Title, URL: parsed[i].URL,
			Outcome: importOutcomes[im.Outcome], LearnerID: im.ID, Error: im.Error}
	}
	return ImportReport{Entries: entries, Added: tally.Added, Existing: tally.Existing, Failed: tally.Failed}, ctx.Err()
}

// importOutcomes names feedpoll's import outcomes for the issuer.
var importOutcomes = map[feedpoll.Outcome]string{
	feedpoll.Added:    ImportAdded,
	feedpoll.Existing: ImportExisting,
	feedpoll.Failed:   ImportFailed,
}
