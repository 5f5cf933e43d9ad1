package courses

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store/storetest"
)

func TestOPMLRoundTrip(t *testing.T) {
	f := newFixture(t)
	serveCourse(t, f.site)
	f.follow(t, "/feeds/rss.xml")
	f.follow(t, "/course/") // Atom, by autodiscovery
	f.follow(t, "/feed.json")
	var buf bytes.Buffer
	if err := f.svc.ExportOPML(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`<?xml version="1.0" encoding="UTF-8"?>`, `<opml version="2.0">`,
		`<outline type="rss" text="Open Learning 101" title="Open Learning 101" xmlUrl="` + f.site.url("/feeds/rss.xml") +
			`" htmlUrl="` + f.site.url("/course/") + `"></outline>`} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %s:\n%s", want, out)
		}
	}

	// Into a fresh store.
	g := &fixture{db: storetest.New(t), clock: newClock(), site: f.site}
	g.svc = New(g.db, netx.New(netx.Options{AllowPrivate: true, Timeout: testTimeout}), nil, testLogger(t))
	g.svc.now = g.clock.Now
	rep, err := g.svc.ImportOPML(ctx, strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 3 || rep.Existing != 0 || rep.Failed != 0 || len(rep.Entries) != 3 {
		t.Fatalf("report = %+v", rep)
	}
	want, _ := f.svc.List(ctx)
	got, _ := g.svc.List(ctx)
	for i := range want {
		w, c := want[i], got[i]
		if w.Name != c.Name || w.FeedURL != c.FeedURL || w.SiteURL != c.SiteURL || w.Hashtag != c.Hashtag || w.Tasks != c.Tasks {
			t.Errorf("course %d: imported %+v; exported %+v", i, c, w)
		}
	}
	// Again: everything is already followed.
	rep, err = g.svc.ImportOPML(ctx, strings.NewReader(out))
	if err != nil || rep.Existing != 3 || rep.Added != 0 {
		t.Errorf("second import = %+v, %v", rep, err)
	}
	if rep.Entries[0].Outcome != ImportExisting || rep.Entries[0].CourseID == 0 {
		t.Errorf("entry = %+v", rep.Entries[0])
	}
}

func TestOPMLImportReportsEachEntry(t *testing.T) {
	f := newFixture(t)
	serveCourse(t, f.site)
	f.follow(t, "/feed.json")
	doc := `<?xml version="1.0"?>
<opml version="1.0"><head><title>mine</title></head><body>
  <outline text="Folder">
    <outline text="RSS" xmlurl="{{BASE}}/feeds/rss.xml"/>
    <outline text="Nested">
      <outline title="Missing" type="rss" xmlUrl="{{BASE}}/missing.xml"/>
    </outline>
  </outline>
  <outline text="Bad scheme" xmlUrl="ftp://example.com/feed"/>
  <outline text="JSON" xmlUrl="{{BASE}}/feed.json"/>
  <outline text="RSS twice" xmlUrl="{{BASE}}/feeds/rss.xml"/>
  <outline text="No URL"/>
</body></opml>`
	rep, err := f.svc.ImportOPML(ctx, strings.NewReader(f.site.expand(doc)))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ title, outcome, errPart string }{
		{"RSS", ImportAdded, ""},
		{"Missing", ImportFailed, "404 Not Found"},
		{"Bad scheme", ImportFailed, "http:// or https://"},
		{"JSON", ImportExisting, ""},
	}
	if len(rep.Entries) != len(want) || rep.Added != 1 || rep.Failed != 2 || rep.Existing != 1 {
		t.Fatalf("report = %+v", rep)
	}
	for i, w := range want {
		e := rep.Entries[i]
		if e.Title != w.title || e.Outcome != w.outcome || !strings.Contains(e.Error, w.errPart) || (w.errPart == "") != (e.Error == "") {
			t.Errorf("entry %d = %+v; want %+v", i, e, w)
		}
	}
	if f.countCourses(t) != 2 {
		t.Errorf("courses = %d", f.countCourses(t))
	}
}

func TestOPMLRefusesBadFiles(t *testing.T) {
	f := newFixture(t)
	serveCourse(t, f.site)
	var many strings.Builder
	many.WriteString(`<opml version="2.0"><body>`)
	for i := range MaxOPMLEntries + 1 {
		fmt.Fprintf(&many, `<outline xmlUrl="%s/feeds/rss.xml?n=%d"/>`, f.site.url(""), i)
	}
	many.WriteString(`</body></opml>`)
	cases := []struct{ name, doc, want string }{
		{"broken", `<opml version="2.0"><body><outline xmlUrl="` + f.site.url("/feeds/rss.xml") + `"></body></opml>`, "the OPML file is broken"},
		{"truncated", `<opml version="2.0"><body><outline xmlUrl="` + f.site.url("/feeds/rss.xml") + `"/>`, "the OPML file is broken"},
		{"not opml", `<rss version="2.0"><channel/></rss>`, "not an OPML file"},
		{"empty", ``, "empty"},
		{"too many", many.String(), "more than 500 feeds"},
		{"too large", `<opml><body>` + strings.Repeat(" ", MaxOPMLBytes) + `</body></opml>`, "larger than 1 MiB"},
		{"latin1", `<?xml version="1.0" encoding="ISO-8859-1"?><opml><body/></opml>`, "UTF-8"},
	}
	for _, c := range cases {
		_, err := f.svc.ImportOPML(ctx, strings.NewReader(c.doc))
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Msg, c.want) {
			t.Errorf("%s: %v; want a ValidationError with %q", c.name, err, c.want)
		}
	}
	if f.countCourses(t) != 0 || len(f.site.requests("/feeds/rss.xml")) != 0 {
		t.Errorf("a refused file changed something")
	}
}

func TestOPMLExportEscapes(t *testing.T) {
	f := newFixture(t)
	f.site.set("/feed", page{body: `<rss version="2.0"><channel><title>Q&amp;A "quotes" a &lt; b</title></channel></rss>`})
	f.follow(t, "/feed")
	var buf bytes.Buffer
	if err := f.svc.ExportOPML(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `text="Q&amp;A &#34;quotes&#34; a &lt; b"`) {
		t.Errorf("export:\n%s", buf.String())
	}
	entries, err := ParseOPML(&buf)
	if err != nil || len(entries) != 1 || entries[0].Title != `Q&A "quotes" a < b` {
		t.Errorf("parse back: %+v, %v", entries, err)
	}
}
