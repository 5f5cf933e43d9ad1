package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
)

const taskURL = "https://course.example/tasks/7?cohort=2026&lang=en"

var (
	t0 = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)
	// A non-UTC zone: every date must come out in UTC, to the second.
	cet = time.FixedZone("CET", 3600)
)

// sampleFeed has a titled task answer, an untitled note with a long
// summary and an untitled note with neither title nor summary.
func sampleFeed() Feed {
	return Feed{
		Title:       "Ada's learning journal",
		Description: "Notes & outputs from courses",
		Language:    "en",
		HomeURL:     "https://ada.example/",
		SelfURL:     "https://ada.example/feed.xml",
		HubURLs:     []string{"https://hub.example/", "https://hub2.example/websub?x=1&y=2"},
		Author: Person{
			Name:  "Ada Lovelace",
			URL:   "https://ada.example/",
			Email: "ada@ada.example",
			Photo: "https://ada.example/me.jpg",
		},
		IconURL:    "https://ada.example/icon.png",
		TagBaseURL: "https://ada.example/tags/",
		Updated:    t0.Add(3 * time.Hour),
		Entries: []Entry{
			{
				ID:          "https://ada.example/posts/week-1-task",
				URL:         "https://ada.example/posts/week-1-task",
				Title:       "Week 1: <div> & friends",
				Summary:     "What I learned about <div> & block elements.",
				ContentHTML: "<p>Block elements like <code>&lt;div&gt;</code> start on a new line.</p>\n<p>See <a href=\"https://mdn.example/div\">MDN</a>.</p>",
				Published:   t0.In(cet),
				Updated:     t0.Add(2 * time.Hour).In(cet),
				Tags:        []string{"go101", "html", "#week1"},
				InReplyTo:   taskURL,
			},
			{
				ID:          "https://ada.example/posts/2026-03-13-note",
				URL:         "https://ada.example/posts/2026-03-13-note",
				Summary:     "Finally understood why goroutines leak when nobody reads from the channel they send on; the fix was a context with a deadline.",
				ContentHTML: "<p>Finally understood why goroutines leak when nobody reads from the channel they send on; the fix was a context with a deadline. 🎉</p>",
				Published:   t0.Add(-24 * time.Hour),
				Tags:        []string{"go101"},
			},
			{
				ID:          "https://ada.example/posts/2026-03-12-note",
				URL:         "https://ada.example/posts/2026-03-12-note",
				ContentHTML: "<p>☕</p>",
				Published:   t0.Add(-48 * time.Hour),
				Updated:     t0.Add(-47 * time.Hour),
			},
		},
	}
}

type format struct {
	name  string
	write func(io.Writer, Feed) error
	self  string
	mime  string
}

var formats = []format{
	{"rss", WriteRSS, "https://ada.example/feed.xml", MIMERSS},
	{"atom", WriteAtom, "https://ada.example/feed.atom", MIMEAtom},
	{"json", WriteJSON, "https://ada.example/feed.json", MIMEJSON},
}

func write(t testing.TB, fm format, f Feed) []byte {
	t.Helper()
	f.SelfURL = fm.self
	var b bytes.Buffer
	if err := fm.write(&b, f); err != nil {
		t.Fatalf("%s: %v", fm.name, err)
	}
	return b.Bytes()
}

func parse(t testing.TB, name string, out []byte) *gofeed.Feed {
	t.Helper()
	pf, err := gofeed.NewParser().Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("%s: gofeed: %v\n%s", name, err, out)
	}
	return pf
}

// wellFormed decodes out to EOF with encoding/xml (strict) or, for JSON,
// checks json.Valid and valid UTF-8.
func wellFormed(t testing.TB, name string, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatalf("%s: output is not valid UTF-8", name)
	}
	if name == "json" {
		if !json.Valid(out) {
			t.Fatalf("json: invalid JSON:\n%s", out)
		}
		return
	}
	d := xml.NewDecoder(bytes.NewReader(out))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: not well-formed: %v\n%s", name, err, out)
		}
		if se, ok := tok.(xml.StartElement); ok && strings.EqualFold(se.Name.Local, "script") {
			t.Fatalf("%s: a <script> element escaped into the XML tree", name)
		}
	}
}

func sameSecond(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing, want %v", what, want.UTC())
		return
	}
	if !got.Equal(want.Truncate(time.Second)) {
		t.Errorf("%s = %v, want %v", what, got.UTC(), want.UTC().Truncate(time.Second))
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	f := sampleFeed()
	for _, fm := range formats {
		t.Run(fm.name, func(t *testing.T) {
			out := write(t, fm, f)
			wellFormed(t, fm.name, out)
			pf := parse(t, fm.name, out)
			if pf.FeedType != fm.name {
				t.Errorf("FeedType = %q", pf.FeedType)
			}
			if pf.Title != f.Title {
				t.Errorf("Title = %q", pf.Title)
			}
			if pf.Link != f.HomeURL {
				t.Errorf("Link = %q", pf.Link)
			}
			if pf.Description != f.Description {
				t.Errorf("Description = %q", pf.Description)
			}
			if pf.FeedLink != fm.self {
				t.Errorf("FeedLink = %q, want %q", pf.FeedLink, fm.self)
			}
			if pf.Language != f.Language {
				t.Errorf("Language = %q", pf.Language)
			}
			if pf.Image == nil || pf.Image.URL != f.IconURL {
				t.Errorf("Image = %+v", pf.Image)
			}
			if len(pf.Authors) == 0 || pf.Authors[0].Name != f.Author.Name {
				t.Errorf("Authors = %+v", pf.Authors)
			} else if fm.name != "json" && pf.Authors[0].Email != f.Author.Email {
				t.Errorf("author email = %q", pf.Authors[0].Email)
			}
			if fm.name != "json" {
				if pf.Generator != Generator {
					t.Errorf("Generator = %q", pf.Generator)
				}
				sameSecond(t, "feed updated", pf.UpdatedParsed, f.Updated)
			}
			if len(pf.Items) != len(f.Entries) {
				t.Fatalf("%d items, want %d", len(pf.Items), len(f.Entries))
			}
			for i, e := range f.Entries {
				it := pf.Items[i]
				wantTitle := EntryTitle(e)
				if fm.name == "json" {
					wantTitle = e.Title
				}
				if it.Title != wantTitle {
					t.Errorf("item %d Title = %q, want %q", i, it.Title, wantTitle)
				}
				if it.Link != e.URL {
					t.Errorf("item %d Link = %q", i, it.Link)
				}
				if it.GUID != e.ID {
					t.Errorf("item %d GUID = %q", i, it.GUID)
				}
				sameSecond(t, "item published", it.PublishedParsed, e.Published)
				wantUpd := e.Updated
				if wantUpd.IsZero() {
					wantUpd = e.Published
				}
				sameSecond(t, "item updated", it.UpdatedParsed, wantUpd)
				wantTags := make([]string, 0, len(e.Tags))
				for _, tg := range e.Tags {
					wantTags = append(wantTags, strings.TrimPrefix(tg, "#"))
				}
				if len(wantTags) == 0 {
					wantTags = nil
				}
				if !equalStrings(it.Categories, wantTags) {
					t.Errorf("item %d Categories = %q, want %q", i, it.Categories, wantTags)
				}
				if it.Content != e.ContentHTML {
					t.Errorf("item %d Content = %q\nwant %q", i, it.Content, e.ContentHTML)
				}
				desc := it.Description
				if fm.name == "rss" {
					desc = html.UnescapeString(desc) // RSS description is HTML
				}
				if desc != e.Summary {
					t.Errorf("item %d Description = %q, want %q", i, desc, e.Summary)
				}
				if fm.name == "rss" && (it.Author == nil || it.Author.Name != f.Author.Name) {
					t.Errorf("item %d Author = %+v", i, it.Author)
				}
			}
		})
	}
}

// TestRSSDetails checks what gofeed's universal model hides: guid
// isPermaLink, category domain, date layouts, the HTML-escaped summary.
func TestRSSDetails(t *testing.T) {
	out := string(write(t, formats[0], sampleFeed()))
	for _, want := range []string{
		`<guid isPermaLink="true">https://ada.example/posts/week-1-task</guid>`,
		`<category domain="https://ada.example/tags/">go101</category>`,
		`<category domain="https://ada.example/tags/">week1</category>`,
		`<lastBuildDate>Sat, 14 Mar 2026 12:26:53 +0000</lastBuildDate>`,
		`<pubDate>Sat, 14 Mar 2026 09:26:53 +0000</pubDate>`,
		`<atom:updated>2026-03-14T11:26:53Z</atom:updated>`,
		`<description>What I learned about &amp;lt;div&amp;gt; &amp;amp; block elements.</description>`,
		`<title>Week 1: &lt;div&gt; &amp; friends</title>`,
		`<managingEditor>ada@ada.example (Ada Lovelace)</managingEditor>`,
		`<atom:link rel="self" href="https://ada.example/feed.xml" type="application/rss+xml"/>`,
		`<content:encoded><![CDATA[<p>Block elements`,
		`<generator>Cairn</generator>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("RSS lacks %s", want)
		}
	}

	f := sampleFeed()
	f.Description = ""
	f.Entries[0].ID = "tag:ada.example,2026:week-1"
	out = string(write(t, formats[0], f))
	if !strings.Contains(out, "<description>Ada&#39;s learning journal</description>") &&
		!strings.Contains(out, "<description>Ada's learning journal</description>") {
		t.Error("channel description does not fall back to the title")
	}
	if !strings.Contains(out, `<guid isPermaLink="false">tag:ada.example,2026:week-1</guid>`) {
		t.Error("a non-URL id is marked as a permalink")
	}
}

func TestAtomDetails(t *testing.T) {
	out := string(write(t, formats[1], sampleFeed()))
	for _, want := range []string{
		`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0" xml:lang="en">`,
		`<id>https://ada.example/</id>`,
		`<updated>2026-03-14T12:26:53Z</updated>`,
		`<uri>https://ada.example/</uri>`,
		`<link rel="alternate" href="https://ada.example/" type="text/html"/>`,
		`<link rel="self" href="https://ada.example/feed.atom" type="application/atom+xml"/>`,
		`<category term="go101" scheme="https://ada.example/tags/" label="go101"/>`,
		`<published>2026-03-14T09:26:53Z</published>`,
		`<content type="html">&lt;p&gt;Block elements`,
		`<link rel="alternate" href="https://ada.example/posts/week-1-task" type="text/html"/>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Atom lacks %s", want)
		}
	}
}

func TestJSONDetails(t *testing.T) {
	var jf map[string]any
	out := write(t, formats[2], sampleFeed())
	if err := json.Unmarshal(out, &jf); err != nil {
		t.Fatal(err)
	}
	if jf["version"] != "https://jsonfeed.org/version/1.1" {
		t.Errorf("version = %v", jf["version"])
	}
	authors, _ := jf["authors"].([]any)
	if len(authors) != 1 {
		t.Fatalf("authors = %v", jf["authors"])
	}
	a := authors[0].(map[string]any)
	if a["name"] != "Ada Lovelace" || a["url"] != "https://ada.example/" || a["avatar"] != "https://ada.example/me.jpg" {
		t.Errorf("author = %v", a)
	}
	if jf["icon"] != "https://ada.example/icon.png" {
		t.Errorf("icon = %v", jf["icon"])
	}
	if _, ok := jf["author"]; ok {
		t.Error("deprecated author written")
	}
	items := jf["items"].([]any)
	first := items[0].(map[string]any)
	if first["date_published"] != "2026-03-14T09:26:53Z" || first["date_modified"] != "2026-03-14T11:26:53Z" {
		t.Errorf("dates = %v, %v", first["date_published"], first["date_modified"])
	}
	if bytes.Contains(out, []byte(`\u003c`)) {
		t.Error("HTML characters are \\u-escaped")
	}
}

func TestUntitled(t *testing.T) {
	f := sampleFeed()
	long, none := f.Entries[1], f.Entries[2]

	got := EntryTitle(long)
	if !strings.HasSuffix(got, "…") || utf8.RuneCountInString(got) > untitledMax+1 ||
		!strings.HasPrefix(long.Summary, strings.TrimSuffix(got, "…")) {
		t.Errorf("EntryTitle(long summary) = %q", got)
	}
	if strings.HasSuffix(strings.TrimSuffix(got, "…"), " ") {
		t.Errorf("EntryTitle cut leaves a trailing space: %q", got)
	}
	if got := EntryTitle(none); got != "2026-03-12 09:26 UTC" {
		t.Errorf("EntryTitle(no summary) = %q", got)
	}
	if got := EntryTitle(Entry{Summary: "  short\n note\t", Published: t0}); got != "short note" {
		t.Errorf("EntryTitle(short) = %q", got)
	}
	if got := EntryTitle(Entry{Title: " T ", Summary: "s"}); got != "T" {
		t.Errorf("EntryTitle(titled) = %q", got)
	}
	if got := EntryTitle(Entry{Title: " ", Summary: "s"}); got != "s" {
		t.Errorf("EntryTitle(blank title) = %q", got)
	}
	// No word boundary in reach: a hard cut at 80 runes.
	hard := EntryTitle(Entry{Summary: strings.Repeat("é", 200)})
	if hard != strings.Repeat("é", 80)+"…" {
		t.Errorf("EntryTitle(no spaces) = %q", hard)
	}

	// JSON omits the title of untitled entries, keeps it for titled ones.
	var jf struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(write(t, formats[2], f), &jf); err != nil {
		t.Fatal(err)
	}
	for i, it := range jf.Items {
		_, has := it["title"]
		if has != (f.Entries[i].Title != "") {
			t.Errorf("json item %d: title present = %v", i, has)
		}
	}
}

// threadRefs returns the (ref, href) pairs of every thr:in-reply-to in an
// XML document, keyed by the id of the enclosing item or entry.
func threadRefs(t *testing.T, out []byte) map[string][2]string {
	t.Helper()
	refs := map[string][2]string{}
	d := xml.NewDecoder(bytes.NewReader(out))
	var id string
	var inID bool
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return refs
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			inID = tk.Name.Local == "guid" || tk.Name.Local == "id"
			if tk.Name.Space == nsThr && tk.Name.Local == "in-reply-to" {
				var r [2]string
				for _, a := range tk.Attr {
					switch a.Name.Local {
					case "ref":
						r[0] = a.Value
					case "href":
						r[1] = a.Value
					}
				}
				refs[id] = r
			}
		case xml.CharData:
			if inID {
				id = string(tk)
			}
		case xml.EndElement:
			inID = false
		}
	}
}

func TestInReplyTo(t *testing.T) {
	f := sampleFeed()
	for _, fm := range formats[:2] {
		out := write(t, fm, f)
		refs := threadRefs(t, out)
		if len(refs) != 1 {
			t.Fatalf("%s: %d in-reply-to elements, want 1: %v", fm.name, len(refs), refs)
		}
		r, ok := refs[f.Entries[0].ID]
		if !ok || r[0] != taskURL || r[1] != taskURL {
			t.Errorf("%s: in-reply-to = %q, want ref and href %q", fm.name, r, taskURL)
		}
		raw := `<thr:in-reply-to ref="https://course.example/tasks/7?cohort=2026&amp;lang=en" href="https://course.example/tasks/7?cohort=2026&amp;lang=en" type="text/html"/>`
		if !bytes.Contains(out, []byte(raw)) {
			t.Errorf("%s lacks %s", fm.name, raw)
		}
		// gofeed exposes it as an extension too.
		ext := parse(t, fm.name, out).Items[0].Extensions["thr"]["in-reply-to"]
		if len(ext) != 1 || ext[0].Attrs["href"] != taskURL {
			t.Errorf("%s: gofeed thr extension = %+v", fm.name, ext)
		}
	}

	var jf struct {
		Items []struct {
			Cairn *struct {
				InReplyTo string `json:"in_reply_to"`
			} `json:"_cairn"`
		} `json:"items"`
	}
	if err := json.Unmarshal(write(t, formats[2], f), &jf); err != nil {
		t.Fatal(err)
	}
	if c := jf.Items[0].Cairn; c == nil || c.InReplyTo != taskURL {
		t.Errorf("json _cairn = %+v", c)
	}
	for i, it := range jf.Items[1:] {
		if it.Cairn != nil {
			t.Errorf("json item %d has _cairn without in_reply_to", i+1)
		}
	}
}

func xmlLinks(t *testing.T, out []byte, rel string) []string {
	t.Helper()
	var hrefs []string
	d := xml.NewDecoder(bytes.NewReader(out))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return hrefs
		}
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space == nsAtom && se.Name.Local == "link" {
			var r, h string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "rel":
					r = a.Value
				case "href":
					h = a.Value
				}
			}
			if r == rel {
				hrefs = append(hrefs, h)
			}
		}
	}
}

func TestHubs(t *testing.T) {
	f := sampleFeed()
	for _, fm := range formats[:2] {
		out := write(t, fm, f)
		if got := xmlLinks(t, out, "hub"); !equalStrings(got, f.HubURLs) {
			t.Errorf("%s: hub links = %q, want %q", fm.name, got, f.HubURLs)
		}
		if got := xmlLinks(t, out, "self"); !equalStrings(got, []string{fm.self}) {
			t.Errorf("%s: self links = %q", fm.name, got)
		}
	}
	var jf struct {
		Hubs []jsonHub `json:"hubs"`
	}
	if err := json.Unmarshal(write(t, formats[2], f), &jf); err != nil {
		t.Fatal(err)
	}
	want := []jsonHub{{"WebSub", f.HubURLs[0]}, {"WebSub", f.HubURLs[1]}}
	if len(jf.Hubs) != 2 || jf.Hubs[0] != want[0] || jf.Hubs[1] != want[1] {
		t.Errorf("json hubs = %+v", jf.Hubs)
	}

	f.HubURLs = nil
	for _, fm := range formats {
		out := write(t, fm, f)
		if bytes.Contains(out, []byte(`"hub"`)) || bytes.Contains(out, []byte(`"hubs"`)) {
			t.Errorf("%s: hub written with no hubs", fm.name)
		}
	}
}

func TestLinkHeader(t *testing.T) {
	f := Feed{SelfURL: "https://a.example/feed.atom", HubURLs: []string{"https://h1.example/", "https://h2.example/"}}
	want := `<https://h1.example/>; rel="hub", <https://h2.example/>; rel="hub", <https://a.example/feed.atom>; rel="self"`
	if got := f.LinkHeader(); got != want {
		t.Errorf("LinkHeader = %s", got)
	}
	if got := (Feed{SelfURL: "x"}).LinkHeader(); got != "" {
		t.Errorf("LinkHeader without hubs = %q", got)
	}
}

// hostile puts forbidden characters, invalid UTF-8, a CDATA terminator,
// script and emoji into every string of the feed.
func hostile() Feed {
	const bad = "\x00\x01\x08\x0B\x0C\x0E\x1F\uFFFE\uFFFF\xff\xfe"
	f := sampleFeed()
	f.Title += bad + " ]]> <script>alert(1)</script> 🦀"
	f.Description += bad + " ]]>"
	f.Language = "en" + bad
	f.HomeURL += "?q=" + bad
	f.HubURLs[0] += bad
	f.Author.Name += bad + `"quoted" <b>`
	f.TagBaseURL += `"` + bad
	f.Entries[0].Title += bad + "]]>"
	f.Entries[0].Summary += bad + "]]> <script>x</script>"
	f.Entries[0].ContentHTML = "<p>a]]>b]]]]>c]]\x00>d " + bad + " &lt;script&gt;alert(1)&lt;/script&gt; <script>alert(2)</script> 👩‍💻 \r\n end</p>"
	f.Entries[0].Tags = append(f.Entries[0].Tags, "tag"+bad, bad)
	f.Entries[0].InReplyTo += bad + `"><x>`
	f.Entries[1].ID += "\x00"
	f.Entries[1].Summary = bad + strings.Repeat("x]]>", 40)
	return f
}

func TestHostileContent(t *testing.T) {
	f := hostile()
	want := clean(f.Entries[0].ContentHTML)
	if strings.ContainsAny(want, "\x00\x01\uFFFE") || !utf8.ValidString(want) {
		t.Fatalf("clean left forbidden characters: %q", want)
	}
	for _, fm := range formats {
		t.Run(fm.name, func(t *testing.T) {
			out := write(t, fm, f)
			wellFormed(t, fm.name, out)
			pf := parse(t, fm.name, out)
			if len(pf.Items) != len(f.Entries) {
				t.Fatalf("%d items", len(pf.Items))
			}
			if pf.Title != clean(f.Title) {
				t.Errorf("Title = %q", pf.Title)
			}
			if got := pf.Items[0].Content; got != want {
				t.Errorf("content = %q\nwant      %q", got, want)
			}
			if fm.name == "json" {
				return
			}
			if got := xmlContent(t, out, fm.name); got != want {
				t.Errorf("encoding/xml content = %q\nwant                  %q", got, want)
			}
			if refs := threadRefs(t, out); refs[clean(f.Entries[0].ID)][1] != clean(f.Entries[0].InReplyTo) {
				t.Errorf("in-reply-to = %q", refs)
			}
		})
	}
}

// xmlContent returns the character data of the first item's
// content:encoded (RSS) or content (Atom), CDATA sections joined.
func xmlContent(t *testing.T, out []byte, name string) string {
	t.Helper()
	var v struct {
		Channel struct {
			Items []struct {
				Content string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			} `xml:"item"`
		} `xml:"channel"`
		Entries []struct {
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	if name == "rss" {
		return v.Channel.Items[0].Content
	}
	return v.Entries[0].Content
}

func TestEscapers(t *testing.T) {
	for _, c := range []struct{ in, text, attr string }{
		{"plain", "plain", "plain"},
		{`a&b<c>d"e'f`, `a&amp;b&lt;c&gt;d"e'f`, `a&amp;b&lt;c&gt;d&quot;e'f`},
		{"t\tn\nr\r", "t\tn\nr&#xD;", "t&#x9;n&#xA;r&#xD;"},
		{"x\x00y\x1Fz\uFFFEw\uFFFF", "xyzw", "xyzw"},
		{"bad\xffutf8", "bad\uFFFDutf8", "bad\uFFFDutf8"},
		{"é🦀\uFFFD\U0010FFFF", "é🦀\uFFFD\U0010FFFF", "é🦀\uFFFD\U0010FFFF"},
	} {
		if got := string(appendText(nil, c.in)); got != c.text {
			t.Errorf("text(%q) = %q, want %q", c.in, got, c.text)
		}
		if got := string(appendEscaped(nil, c.in, true)); got != c.attr {
			t.Errorf("attr(%q) = %q, want %q", c.in, got, c.attr)
		}
	}
	for _, c := range []struct{ in, out string }{
		{"a]]>b", "<![CDATA[a]]]]><![CDATA[>b]]>"},
		{"]]]]>", "<![CDATA[]]]]]]><![CDATA[>]]>"},
		{"]]\x00>", "<![CDATA[]]]]><![CDATA[>]]>"}, // dropping NUL must not form "]]>"
		{"", "<![CDATA[]]>"},
		{"a\r\nb\r", "<![CDATA[a]]>&#xD;<![CDATA[\nb]]>&#xD;<![CDATA[]]>"},
		{"]]>]]]>", "<![CDATA[]]]]><![CDATA[>]]]]]><![CDATA[>]]>"},
	} {
		got := string(appendCDATA(nil, c.in))
		if got != c.out {
			t.Errorf("cdata(%q) = %q, want %q", c.in, got, c.out)
		}
		var v struct {
			S string `xml:",chardata"`
		}
		if err := xml.Unmarshal([]byte("<x>"+got+"</x>"), &v); err != nil || v.S != clean(c.in) {
			t.Errorf("cdata(%q) decodes to %q, %v", c.in, v.S, err)
		}
	}
	if s := "already clean ✓"; clean(s) != s {
		t.Error("clean changed a clean string")
	}
	if n := testing.AllocsPerRun(100, func() { clean("already clean ✓ <p>") }); n != 0 {
		t.Errorf("clean allocates %v times on clean input", n)
	}
}

func TestEmptyFeed(t *testing.T) {
	f := Feed{Title: "Empty", HomeURL: "https://e.example/"}
	for _, fm := range formats {
		t.Run(fm.name, func(t *testing.T) {
			out := write(t, fm, f)
			wellFormed(t, fm.name, out)
			pf := parse(t, fm.name, out)
			if pf.Title != "Empty" || len(pf.Items) != 0 {
				t.Errorf("parsed %q with %d items", pf.Title, len(pf.Items))
			}
			switch fm.name {
			case "atom":
				// Atom requires feed updated and author name.
				for _, want := range []string{"<updated>1970-01-01T00:00:00Z</updated>", "<name>Empty</name>"} {
					if !bytes.Contains(out, []byte(want)) {
						t.Errorf("lacks %s", want)
					}
				}
			case "rss":
				if bytes.Contains(out, []byte("lastBuildDate")) {
					t.Error("lastBuildDate written without a date")
				}
				if !bytes.Contains(out, []byte("<description>Empty</description>")) {
					t.Error("RSS description missing")
				}
			case "json":
				if !bytes.Contains(out, []byte(`"items":[]`)) {
					t.Errorf("items is not an empty array: %s", out)
				}
			}
		})
	}
}

func TestUpdatedFallback(t *testing.T) {
	f := sampleFeed()
	f.Updated = time.Time{}
	// Newest of the entries' updated-or-published dates.
	if got, want := f.LastUpdated(), t0.Add(2*time.Hour); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("LastUpdated = %v, want %v UTC", got, want)
	}
	pf := parse(t, "atom", write(t, formats[1], f))
	sameSecond(t, "atom updated", pf.UpdatedParsed, t0.Add(2*time.Hour))
}

func TestDeterministic(t *testing.T) {
	for _, f := range []Feed{sampleFeed(), hostile(), {}} {
		// The same instants in another zone must give the same bytes.
		g := f
		g.Updated = g.Updated.In(cet)
		g.Entries = append([]Entry(nil), f.Entries...)
		for i := range g.Entries {
			g.Entries[i].Published = g.Entries[i].Published.In(time.UTC)
			g.Entries[i].Updated = g.Entries[i].Updated.In(cet)
		}
		for _, fm := range formats {
			a, b, c := write(t, fm, f), write(t, fm, f), write(t, fm, g)
			if !bytes.Equal(a, b) || !bytes.Equal(a, c) {
				t.Errorf("%s: output differs between writes", fm.name)
			}
		}
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteError(t *testing.T) {
	for _, fm := range formats {
		if err := fm.write(failWriter{}, sampleFeed()); !errors.Is(err, errWrite) {
			t.Errorf("%s: err = %v", fm.name, err)
		}
	}
}

func FuzzWellFormed(f *testing.F) {
	f.Add("title", "summary", "<p>content</p>", "tag", "https://x.example/?a=1&b=2")
	f.Add("\x00", "]]>", "a]]]]>b\x00]]\x01>", "\uFFFE", "\xff")
	f.Add("", "", "", "", "")
	f.Fuzz(func(t *testing.T, title, summary, content, tg, u string) {
		fd := Feed{
			Title: title, Description: summary, Language: tg, HomeURL: u, HubURLs: []string{u},
			Author: Person{Name: title, URL: u, Email: tg}, IconURL: u, TagBaseURL: u,
			Entries: []Entry{{ID: u, URL: u, Title: title, Summary: summary, ContentHTML: content,
				Published: t0, Tags: []string{tg}, InReplyTo: u}},
		}
		for _, fm := range formats {
			out := write(t, fm, fd)
			wellFormed(t, fm.name, out)
			if fm.name != "json" && content != "" {
				if got := xmlContent(t, out, fm.name); got != clean(content) {
					t.Fatalf("%s: content %q became %q", fm.name, content, got)
				}
			}
		}
	})
}
