package courses

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/cairn-pl/cairn/ple/feedpoll"
)

// OPML limits: an import is read whole and checked before anything is
// followed, so a broken or oversized file changes nothing.
const (
	MaxOPMLBytes   = 1 << 20
	MaxOPMLEntries = 500
)

// Import outcomes.
const (
	ImportAdded    = "added"
	ImportExisting = "already followed"
	ImportFailed   = "error"
)

// ImportReport says what an OPML import did, entry by entry, in file order.
type ImportReport struct {
	Entries                 []ImportEntry
	Added, Existing, Failed int
}

// ImportEntry is the outcome for one outline with an xmlUrl.
type ImportEntry struct {
	Title    string // the outline's title or text
	URL      string // its xmlUrl
	Outcome  string // ImportAdded, ImportExisting or ImportFailed
	CourseID int64  // the course added or already followed
	Error    string // readable reason when Outcome is ImportFailed
}

type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Head    opmlHead    `xml:"head"`
	Body    opmlOutline `xml:"body"`
}

type opmlHead struct {
	Title       string `xml:"title"`
	DateCreated string `xml:"dateCreated,omitempty"`
}

// opmlOutline reads attributes loosely (exporters disagree on the case of
// xmlUrl) and writes them as OPML 2.0 spells them.
type opmlOutline struct {
	Attrs    []xml.Attr    `xml:",any,attr"`
	Outlines []opmlOutline `xml:"outline"`
}

func (o opmlOutline) attr(name string) string {
	for _, a := range o.Attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// ExportOPML writes the followed courses as OPML 2.0, one
// <outline type="rss" text title xmlUrl htmlUrl/> each.
func (s *Service) ExportOPML(ctx context.Context, w io.Writer) error {
	list, err := s.List(ctx)
	if err != nil {
		return err
	}
	doc := opmlDoc{Version: "2.0", Head: opmlHead{Title: "Courses followed in Cairn",
		DateCreated: s.now().UTC().Format(http.TimeFormat)}}
	for _, c := range list {
		o := opmlOutline{Attrs: []xml.Attr{
			{Name: xml.Name{Local: "type"}, Value: "rss"},
			{Name: xml.Name{Local: "text"}, Value: c.Name},
			{Name: xml.Name{Local: "title"}, Value: c.Name},
			{Name: xml.Name{Local: "xmlUrl"}, Value: c.FeedURL},
		}}
		if c.SiteURL != "" {
			o.Attrs = append(o.Attrs, xml.Attr{Name: xml.Name{Local: "htmlUrl"}, Value: c.SiteURL})
		}
		doc.Body.Outlines = append(doc.Body.Outlines, o)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// ParseOPML reads an OPML file into its feed outlines (nested ones too, in
// document order, without repeating a URL). It refuses a file larger than
// MaxOPMLBytes, one that is not OPML, and one listing more than
// MaxOPMLEntries feeds, with a *ValidationError.
func ParseOPML(r io.Reader) ([]ImportEntry, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxOPMLBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxOPMLBytes {
		return nil, &ValidationError{Msg: fmt.Sprintf("the OPML file is larger than %d MiB", MaxOPMLBytes>>20)}
	}
	var doc opmlDoc
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return in, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q (save the file as UTF-8)", label)
	}
	if err := d.Decode(&doc); err != nil {
		var se *xml.SyntaxError
		var ue xml.UnmarshalError
		switch {
		case errors.As(err, &se):
			return nil, &ValidationError{Msg: fmt.Sprintf("the OPML file is broken (line %d: %s)", se.Line, se.Msg)}
		case errors.As(err, &ue), strings.Contains(err.Error(), "expected element type"):
			return nil, &ValidationError{Msg: "that is not an OPML file (its root element is not <opml>)"}
		case errors.Is(err, io.EOF):
			return nil, &ValidationError{Msg: "the OPML file is empty"}
		}
		return nil, &ValidationError{Msg: "the OPML file could not be read: " + err.Error()}
	}
	var out []ImportEntry
	seen := map[string]bool{}
	var walk func(os []opmlOutline, depth int) error
	walk = func(os []opmlOutline, depth int) error {
		if depth > 32 {
			return &ValidationError{Msg: "the OPML file nests outlines too deeply"}
		}
		for _, o := range os {
			if u := o.attr("xmlUrl"); u != "" && !seen[u] {
				seen[u] = true
				if len(out) == MaxOPMLEntries {
					return &ValidationError{Msg: fmt.Sprintf("the OPML file lists more than %d feeds; split it", MaxOPMLEntries)}
				}
				title := o.attr("title")
				if title == "" {
					title = o.attr("text")
				}
				out = append(out, ImportEntry{Title: cleanTitle(title), URL: u})
			}
			if err := walk(o.Outlines, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(doc.Body.Outlines, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// ImportOPML follows every feed an OPML file lists (see ParseOPML for what
// is refused before anything changes) and reports each entry: added,
// already followed, or failed with the reason (the same checks and
// fetch as Follow; a failed entry stores nothing).
func (s *Service) ImportOPML(ctx context.Context, r io.Reader) (ImportReport, error) {
	entries, err := ParseOPML(r)
	if err != nil {
		return ImportReport{}, err
	}
	urls := make([]string, len(entries))
	for i, e := range entries {
		urls[i] = e.URL
	}
	imported, tally := feedpoll.ImportAll(ctx, urls, func(ctx context.Context, u string) (int64, bool, error) {
		c, created, err := s.Follow(ctx, u)
		return c.ID, created, err
	})
	for i, im := range imported {
		entries[i].Outcome, entries[i].CourseID, entries[i].Error = importOutcomes[im.Outcome], im.ID, im.Error
	}
	if entries == nil {
		entries = []ImportEntry{}
	}
	return ImportReport{Entries: entries, Added: tally.Added, Existing: tally.Existing, Failed: tally.Failed}, ctx.Err()
}

// importOutcomes names feedpoll's import outcomes for the learner.
var importOutcomes = map[feedpoll.Outcome]string{
	feedpoll.Added:    ImportAdded,
	feedpoll.Existing: ImportExisting,
	feedpoll.Failed:   ImportFailed,
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
