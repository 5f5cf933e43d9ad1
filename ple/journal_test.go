package ple_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	"github.com/cairn-pl/cairn/ple"
)

func newJournal(t testing.TB) (*ple.Journal, *store.DB) {
	db := storetest.New(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	q := jobs.New(db, jobs.Config{Logger: logger})
	return ple.NewJournal(db, nil, q, logger, "https://me.example"), db
}

func TestSlugsAreStableAndUnique(t *testing.T) {
	j, _ := newJournal(t)
	ctx := context.Background()
	a, err := j.Create(ctx, ple.Draft{Title: "Hello, World!", Content: "one"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := j.Create(ctx, ple.Draft{Title: "Hello world", Content: "two"})
	if a.Slug != "hello-world" || b.Slug != "hello-world-2" {
		t.Fatalf("slugs %q %q", a.Slug, b.Slug)
	}
	note, _ := j.Create(ctx, ple.Draft{Content: "Just a quick thought about closures in Go and why they capture"})
	if note.Slug == "" || len(note.Slug) > 80 {
		t.Fatalf("untitled slug %q", note.Slug)
	}
	title := "Renamed entirely"
	edited, err := j.Update(ctx, a.ID, ple.Patch{Title: &title})
	if err != nil || edited.Slug != a.Slug {
		t.Fatalf("edit changed the slug: %q (%v)", edited.Slug, err)
	}
	if err := j.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	c, _ := j.Create(ctx, ple.Draft{Title: "Hello world", Content: "three"})
	if c.Slug == a.Slug || c.Slug == b.Slug {
		t.Fatalf("slug %q reused", c.Slug)
	}
	if _, err := j.Update(ctx, a.ID, ple.Patch{Title: &title}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("editing a deleted post: %v", err)
	}
}

func TestTagsMergeExplicitAndInline(t *testing.T) {
	j, _ := newJournal(t)
	p, err := j.Create(context.Background(), ple.Draft{Title: "T", Content: "Using #Go and #testing, again #go", Tags: []string{"Go101", "#web"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"go101", "web", "go", "testing"}; !slices.Equal(p.Tags, want) {
		t.Fatalf("tags %q, want %q", p.Tags, want)
	}
	got, _ := j.Get(context.Background(), p.ID)
	if !slices.Equal(got.Tags, p.Tags) {
		t.Fatalf("stored tags %q", got.Tags)
	}
}

func TestPublishDatesAndDrafts(t *testing.T) {
	j, _ := newJournal(t)
	ctx := context.Background()
	d, _ := j.Create(ctx, ple.Draft{Title: "Draft", Content: "x", Draft: true})
	if !d.PublishedAt.IsZero() || d.Published() {
		t.Fatal("a draft has a publish date")
	}
	list, _ := j.List(ctx, ple.Query{})
	if len(list) != 0 {
		t.Fatal("draft listed for visitors")
	}
	no := false
	p, _ := j.Update(ctx, d.ID, ple.Patch{Draft: &no})
	if p.PublishedAt.IsZero() {
		t.Fatal("publishing set no date")
	}
	yes := true
	back, _ := j.Update(ctx, d.ID, ple.Patch{Draft: &yes})
	again, _ := j.Update(ctx, d.ID, ple.Patch{Draft: &no})
	if !back.PublishedAt.Equal(p.PublishedAt) || !again.PublishedAt.Equal(p.PublishedAt) {
		t.Fatal("the first publish date changed")
	}
}

func TestValidation(t *testing.T) {
	j, _ := newJournal(t)
	ctx := context.Background()
	for name, d := range map[string]ple.Draft{
		"empty":          {},
		"bad reply":      {Title: "x", InReplyTo: "javascript:alert(1)"},
		"relative reply": {Title: "x", InReplyTo: "/tasks/1"},
	} {
		var ve *ple.ValidationError
		if _, err := j.Create(ctx, d); !errors.As(err, &ve) {
			t.Errorf("%s: err = %v, want a ValidationError", name, err)
		}
	}
}

func TestEventsFireInsideTheTransaction(t *testing.T) {
	j, db := newJournal(t)
	ctx := context.Background()
	var kinds []ple.EventKind
	j.OnChange(func(ctx context.Context, tx *sql.Tx, e ple.Event) error {
		kinds = append(kinds, e.Kind)
		if e.Post.Title == "refuse" {
			return errors.New("listener refused")
		}
		return nil
	})
	p, _ := j.Create(ctx, ple.Draft{Title: "One", Content: "x"})
	title := "Two"
	j.Update(ctx, p.ID, ple.Patch{Title: &title})
	d, _ := j.Create(ctx, ple.Draft{Title: "Quiet draft", Content: "x", Draft: true})
	j.Update(ctx, d.ID, ple.Patch{Title: &title}) // still a draft: no event
	j.Delete(ctx, p.ID)
	if want := []ple.EventKind{ple.Published, ple.Updated, ple.Deleted}; !slices.Equal(kinds, want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	// A failing listener rolls the save back.
	if _, err := j.Create(ctx, ple.Draft{Title: "refuse", Content: "x"}); err == nil {
		t.Fatal("a failing listener did not fail the save")
	}
	var n int
	db.R.QueryRow("SELECT count(*) FROM posts WHERE title = 'refuse'").Scan(&n)
	if n != 0 {
		t.Fatal("the refused post was saved anyway")
	}
}

func TestVersionChangesOnEveryWrite(t *testing.T) {
	j, _ := newJournal(t)
	ctx := context.Background()
	v0 := j.Version()
	p, _ := j.Create(ctx, ple.Draft{Title: "a", Content: "b"})
	v1 := j.Version()
	title := "c"
	j.Update(ctx, p.ID, ple.Patch{Title: &title})
	v2 := j.Version()
	j.Delete(ctx, p.ID)
	if !(v0 < v1 && v1 < v2 && v2 < j.Version()) {
		t.Fatalf("versions %d %d %d %d", v0, v1, v2, j.Version())
	}
}

func TestFeedURLs(t *testing.T) {
	j, _ := newJournal(t)
	urls := j.FeedURLs(ple.Post{Tags: []string{"go"}, IsTask: true})
	for _, want := range []string{"https://me.example/feed.xml", "https://me.example/tags/go/feed.atom", "https://me.example/tasks/feed.json"} {
		if !slices.Contains(urls, want) {
			t.Errorf("FeedURLs lacks %s: %v", want, urls)
		}
	}
}

func BenchmarkCreatePost(b *testing.B) {
	j, _ := newJournal(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := j.Create(ctx, ple.Draft{Title: "A post about #go", Content: "Some **Markdown** with a [link](https://x.example/) and #tags."}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList50 is the query behind every feed: the latest 50 posts with
// their tags.
func BenchmarkList50(b *testing.B) {
	j, _ := newJournal(b)
	ctx := context.Background()
	for range 60 {
		j.Create(ctx, ple.Draft{Title: "Post", Content: "Body with #go and #tests"})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if posts, err := j.List(ctx, ple.Query{Limit: 50}); err != nil || len(posts) != 50 {
			b.Fatal(err, len(posts))
		}
	}
}
