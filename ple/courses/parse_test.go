package courses

import (
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var testBase, _ = url.Parse("https://course.example/feeds/feed.xml")

func TestNormalizeTag(t *testing.T) {
	for in, want := range map[string]string{
		"OL101": "ol101", "#Week-1": "week-1", " open_ed ": "open_ed", "Éducation": "éducation",
		"two words": "", "#": "", "": "", "123": "", "a.b": "", "#tag#": "", strings.Repeat("a", 65): "",
	} {
		if got := NormalizeTag(in); got != want {
			t.Errorf("NormalizeTag(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestTextHashtag(t *testing.T) {
	for in, want := range map[string]string{
		"Post it with #DS106 please":         "ds106",
		"#first then #second":                "first",
		"see https://x.example/page#section": "",
		"issue #12 then (#Real-tag-)":        "real-tag",
		"no tags":                            "",
		`"#quoted" tag`:                      "quoted",
		"caf\u00e9 #caf\u00e9":               "caf\u00e9",
	} {
		if got := textHashtag(in); got != want {
			t.Errorf("textHashtag(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestParseDue(t *testing.T) {
	for in, want := range map[string]string{
		"2025-06-09T23:59:00Z":            "2025-06-09T23:59:00Z",
		"2025-06-09T23:59:00+02:00":       "2025-06-09T21:59:00Z",
		"Mon, 09 Jun 2025 23:59:00 +0000": "2025-06-09T23:59:00Z",
		"Mon, 09 Jun 2025 23:59:00 GMT":   "2025-06-09T23:59:00Z",
		" 2025-06-09 ":                    "2025-06-09T00:00:00Z",
		"next week":                       "",
		"0001-01-01":                      "",
	} {
		got, ok := parseDue(in)
		if want == "" {
			if ok {
				t.Errorf("parseDue(%q) = %v; want none", in, got)
			}
			continue
		}
		if !ok || !got.Equal(date(want)) {
			t.Errorf("parseDue(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
}

func TestCleanTitle(t *testing.T) {
	for in, want := range map[string]string{
		"Plain":                      "Plain",
		"<b>Bold</b> move":           "Bold move",
		"&lt;b&gt;Escaped&lt;/b&gt;": "Escaped",
		"&amp;lt;script&amp;gt;x&amp;lt;/script&amp;gt;": "",
		"a < b and c > d":        "a < b and c > d",
		"Tom &amp; Jerry":        "Tom & Jerry",
		"  lots \n of\tspace ":   "lots of space",
		strings.Repeat("x", 400): strings.Repeat("x", maxTitle-1) + "…",
	} {
		got := cleanTitle(in)
		if got != want {
			t.Errorf("cleanTitle(%q) = %q; want %q", in, got, want)
		}
		if tagLike.MatchString(got) {
			t.Errorf("cleanTitle(%q) = %q is tag-like", in, got)
		}
	}
}

func TestParseFeedErrors(t *testing.T) {
	for in, want := range map[string]error{
		"":                             ErrNotFeed,
		"hello":                        ErrNotFeed,
		"<html><body>x</body></html>":  ErrNotFeed,
		"<rss><channel><title>x":       ErrBrokenFeed,
		`{"version": 1, "items": [`:    ErrBrokenFeed,
		`{"version": "x", "items": 3}`: ErrBrokenFeed,
	} {
		_, err := ParseFeed([]byte(in), testBase)
		if !errors.Is(err, want) {
			t.Errorf("ParseFeed(%q) = %v; want %v", in, err, want)
		}
	}
}

func TestParseFeedFallbacks(t *testing.T) {
	doc := `<rss version="2.0" xmlns:x="urn:x"><channel><title>C</title>
	<item><title>GUID only</title><guid>https://course.example/g</guid></item>
	<item><title>Opaque GUID</title><guid isPermaLink="false">abc</guid></item>
	<item><title>Nothing</title><pubDate>Mon, 02 Jun 2025 10:00:00 +0000</pubDate><due>2025-07-01</due></item>
	<item><title>Updated only</title><link>https://course.example/u</link><x:dueDate>garbage</x:dueDate></item>
	<item><title>Bad link</title><link>javascript:alert(1)</link></item>
	</channel></rss>`
	pf, err := ParseFeed([]byte(doc), testBase)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ParsedItem{}
	for _, it := range pf.Items {
		got[it.Title] = it
	}
	if it := got["GUID only"]; it.URL != "https://course.example/g" || it.GUID != "https://course.example/g" {
		t.Errorf("GUID only: %+v", it)
	}
	if it := got["Opaque GUID"]; it.URL != "" || it.GUID != "abc" {
		t.Errorf("opaque: %+v", it)
	}
	if it := got["Nothing"]; it.URL != "" || !strings.HasPrefix(it.GUID, "sha256:") || !it.DueAt.Equal(date("2025-07-01T00:00:00Z")) ||
		!it.PublishedAt.Equal(date("2025-06-02T10:00:00Z")) {
		t.Errorf("nothing: %+v", it)
	}
	if it := got["Updated only"]; !it.DueAt.IsZero() || it.GUID != "https://course.example/u" {
		t.Errorf("updated only: %+v", it)
	}
	if it := got["Bad link"]; it.URL != "" || it.GUID != "javascript:alert(1)" {
		t.Errorf("bad link: %+v", it)
	}
	// The hash key is stable across parses.
	again, _ := ParseFeed([]byte(doc), testBase)
	if !reflect.DeepEqual(pf, again) {
		t.Error("parse is not deterministic")
	}
}

func TestParseFeedCapsItems(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>Big</title>`)
	for i := range MaxItems + 10 {
		b.WriteString("<item><title>t</title><guid>g" + strconv.Itoa(i) + "</guid></item>")
	}
	b.WriteString(`</channel></rss>`)
	pf, err := ParseFeed([]byte(b.String()), testBase)
	if err != nil || len(pf.Items) != MaxItems {
		t.Fatalf("items = %d, %v", len(pf.Items), err)
	}
}
