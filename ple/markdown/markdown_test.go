package markdown

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func render(t *testing.T, src string) Rendered {
	t.Helper()
	r, err := Render(src)
	if err != nil {
		t.Fatalf("Render(%q): %v", src, err)
	}
	return r
}

func TestRenderMarkdown(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    []string // substrings of the HTML
		notWant []string
	}{
		{"atx headings", "# One\n\n## Two ##\n\n###### Six", []string{"<h1>One</h1>", "<h2>Two</h2>", "<h6>Six</h6>"}, []string{" id="}},
		{"setext heading", "Title\n=====", []string{"<h1>Title</h1>"}, nil},
		{"emphasis", "*em* _em_ **strong** __strong__", []string{"<em>em</em>", "<strong>strong</strong>"}, nil},
		{"unordered list", "- a\n- b\n  - c", []string{"<ul>\n<li>a</li>", "<li>b\n<ul>\n<li>c</li>"}, nil},
		{"ordered list with start", "3. c\n4. d", []string{`<ol start="3">`, "<li>c</li>"}, nil},
		{"blockquote and rule", "> quoted\n\n---", []string{"<blockquote>\n<p>quoted</p>\n</blockquote>", "<hr>"}, nil},
		{"gfm table with alignment", "| a | b |\n|:--|--:|\n| 1 | 2 |", []string{"<table>", `<th align="left">a</th>`, `<td align="right">2</td>`}, []string{"style="}},
		{"strikethrough", "~~gone~~", []string{"<del>gone</del>"}, nil},
		{"task list", "- [ ] todo\n- [x] done", []string{`<input disabled="" type="checkbox"> todo`, `<input checked="" disabled="" type="checkbox"> done`}, nil},
		{"code span", "use `fmt.Println(\"<b>\")` here", []string{"<code>fmt.Println(&#34;&lt;b&gt;&#34;)</code>"}, nil},
		{"fenced code with language", "```go\nfunc main() {}\n```", []string{`<pre><code class="language-go">func main() {}`}, nil},
		{"fenced code without language", "~~~\nplain\n~~~", []string{"<pre><code>plain\n</code></pre>"}, nil},
		{"indented code", "para\n\n    code line", []string{"<pre><code>code line"}, nil},
		{"inline link with title", `[Go](https://go.dev "The Go site")`, []string{`<a href="https://go.dev" title="The Go site">Go</a>`}, []string{"nofollow"}},
		{"relative links kept", "[next](../posts/task-4) [abs](/about) [frag](#top)", []string{`href="../posts/task-4"`, `href="/about"`, `href="#top"`}, nil},
		{"reference link", "[Go][g]\n\n[g]: https://go.dev", []string{`<a href="https://go.dev">Go</a>`}, nil},
		{"mailto link", "[me](mailto:ada@example.com)", []string{`href="mailto:ada@example.com"`}, nil},
		{"autolink", "<https://go.dev/doc>", []string{`<a href="https://go.dev/doc">https://go.dev/doc</a>`}, nil},
		{"linkify bare url", "see https://go.dev/doc. and www.example.com", []string{`<a href="https://go.dev/doc">https://go.dev/doc</a>.`, `<a href="http://www.example.com">www.example.com</a>`}, nil},
		{"linkify email", "write to ada@example.com", []string{`<a href="mailto:ada@example.com">ada@example.com</a>`}, nil},
		{"linkify skips ftp", "ftp://files.example/x", nil, []string{"<a"}},
		{"image relative", `![A cat](img/cat.png "Cat")`, []string{`<img src="img/cat.png" alt="A cat" title="Cat">`}, nil},
		{"image absolute", "![x](https://img.example/a.png)", []string{`<img src="https://img.example/a.png" alt="x">`}, nil},
		{"soft break is not hard wrap", "one\ntwo", []string{"<p>one\ntwo</p>"}, []string{"<br"}},
		{"hard break", "one  \ntwo", []string{"one<br>\ntwo"}, nil},
		{"entities", "it&#39;s &amp; &copy; &#x27;", []string{"it&#39;s &amp; © &#39;"}, []string{"&amp;#"}},
		{"raw inline html escaped or omitted", "a <b>bold</b> c", []string{"<p>a bold c</p>"}, []string{"<b>"}},
		{"raw html block omitted", "<div class=\"x\">\nhi\n</div>", nil, []string{"<div", "hi"}},
		{"backslash escapes", `\*not em\* \# no tag`, []string{"*not em* # no tag"}, []string{"<em>", "hashtag"}},
		{"crlf", "a\r\nb\r\n\r\nc", []string{"<p>a\nb</p>\n<p>c</p>"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := render(t, tc.src).HTML
			for _, w := range tc.want {
				if !strings.Contains(h, w) {
					t.Errorf("HTML lacks %q\nsrc:  %q\nhtml: %s", w, tc.src, h)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(h, w) {
					t.Errorf("HTML has %q\nsrc:  %q\nhtml: %s", w, tc.src, h)
				}
			}
		})
	}
}

func hashtagHTML(tag, body string) string {
	return `#<a class="hashtag" rel="tag" href="` + TagHref(tag) + `">` + body + `</a>`
}

func TestHashtags(t *testing.T) {
	tests := []struct {
		name string
		src  string
		tags []string
		want []string // substrings of the HTML
	}{
		{"basic", "I learned #Go and #go101 today", []string{"go", "go101"},
			[]string{hashtagHTML("go", "Go"), hashtagHTML("go101", "go101")}},
		{"duplicates keep first order", "#Web #go #GO #web", []string{"web", "go"}, nil},
		{"numbers only", "issue #1 and #123", nil, []string{"#1 and #123"}},
		{"inside a word", "a#b page#section", nil, []string{"a#b page#section"}},
		{"code span", "`#code` here", nil, []string{"<code>#code</code>"}},
		{"fenced code", "```\n#fenced\n```", nil, []string{"#fenced"}},
		{"indented code", "text\n\n    #indented", nil, []string{"<pre><code>#indented"}},
		{"link text and url", "[#link](https://x.example/#frag)", nil, []string{`<a href="https://x.example/#frag">#link</a>`}},
		{"nested in link text", "[**#deep** and #more](https://x.example)", nil, []string{"<strong>#deep</strong> and #more</a>"}},
		// (sanitize.Post drops alt values with '#': bluemonday's UGC policy
		// only allows letters, digits, spaces and a little punctuation.)
		{"image alt", "![#alt](a.png)", nil, []string{`<img src="a.png"`}},
		{"bare url fragment", "https://x.example/#frag", nil, []string{`href="https://x.example/#frag"`}},
		{"url fragment not linkified", "see:https://x.example/#frag and ?a=1#b", nil, nil},
		{"autolink", "<https://x.example/#frag>", nil, nil},
		{"entity", "it&#39;s and &#x27;", nil, []string{"it&#39;s"}},
		{"escaped", `\#notatag`, nil, []string{"#notatag"}},
		{"heading marker", "# Title", nil, []string{"<h1>Title</h1>"}},
		{"heading with tag", "# Title #tag", []string{"tag"}, []string{"<h1>Title " + hashtagHTML("tag", "tag") + "</h1>"}},
		{"heading closing sequence", "## Title ##", nil, []string{"<h2>Title</h2>"}},
		{"unicode", "#Lernen #über", []string{"lernen", "über"},
			[]string{hashtagHTML("lernen", "Lernen"), `href="/tags/%C3%BCber">über</a>`}},
		{"unicode decomposed", "#u\u0308ber", []string{"über"}, nil},
		{"cjk", "今日は #日本語 を", []string{"日本語"}, nil},
		{"punctuation before", "(#paren) [#bracket] \"#quote\" «#guillemet» ,#comma", []string{"paren", "bracket", "quote", "guillemet", "comma"}, nil},
		{"not after slash or paren", "x/#y foo)#bar x=#y", nil, nil},
		{"emphasis around", "**#bold** *#em* _#under_ ~~#del~~", []string{"bold", "em", "under", "del"},
			[]string{"<strong>" + hashtagHTML("bold", "bold") + "</strong>", "<em>" + hashtagHTML("under", "under") + "</em>"}},
		{"punctuation after", "#go, #web. #ai!", []string{"go", "web", "ai"}, []string{hashtagHTML("go", "go") + ","}},
		{"inner dash and underscore", "#go-lang_x and #trailing- and #end_", []string{"go-lang_x", "trailing", "end"}, []string{hashtagHTML("trailing", "trailing") + "-"}},
		{"must start with letter or digit", "#-x #_y", nil, nil},
		{"digit first with letter", "#3d #100daysofcode", []string{"3d", "100daysofcode"}, nil},
		{"blockquote, list, table, task", "> #quoted\n>#tight\n\n- #item\n- [ ] #task\n\n| h |\n|---|\n|#cell|",
			[]string{"quoted", "tight", "item", "task", "cell"}, nil},
		{"second line of paragraph", "first line\n#second", []string{"second"}, nil},
		{"html block", "<div>\n#hidden\n</div>", nil, nil},
		{"long tag is cut in href, kept in text", "#" + strings.Repeat("a", 70), []string{strings.Repeat("a", 64)},
			[]string{hashtagHTML(strings.Repeat("a", 64), strings.Repeat("a", 70))}},
		{"brackets that are not a link", "[#notalink] text", []string{"notalink"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := render(t, tc.src)
			if !reflect.DeepEqual(r.Hashtags, tc.tags) {
				t.Errorf("Hashtags = %q, want %q\nhtml: %s", r.Hashtags, tc.tags, r.HTML)
			}
			if got, want := strings.Count(r.HTML, `class="hashtag"`), len(tagsInText(r)); got != want {
				t.Errorf("%d hashtag links for %d inline tags\nhtml: %s", got, want, r.HTML)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.HTML, w) {
					t.Errorf("HTML lacks %q\nhtml: %s", w, r.HTML)
				}
			}
		})
	}
}

// tagsInText counts the hashtag occurrences (not de-duplicated) by
// re-rendering each tag's link form; used to check that every recognised
// tag was rendered as a link and nothing else was.
func tagsInText(r Rendered) []string {
	var all []string
	for _, tag := range r.Hashtags {
		n := strings.Count(r.HTML, `href="`+TagHref(tag)+`"`)
		for range n {
			all = append(all, tag)
		}
	}
	return all
}

var quotedValue = regexp.MustCompile(`"[^"]*"`)

func TestXSS(t *testing.T) {
	inputs := []string{
		"<script>alert(1)</script>",
		"text <script>alert(1)</script> more",
		"[x](javascript:alert(1))",
		"[x](JaVaScRiPt:alert(1))",
		"[x](java\tscript:alert(1))",
		"[x](&#106;avascript:alert(1))",
		"<javascript:alert(1)>",
		"![x](javascript:alert(1))",
		"![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"[x](data:text/html,<script>alert(1)</script>)",
		"[x](vbscript:msgbox(1))",
		"<img src=x onerror=alert(1)>",
		"a <img src=x onerror=alert(1)> b",
		"<iframe src=\"https://evil.example\"></iframe>",
		"a <iframe src=x></iframe> b",
		"<a href=\"javascript:alert(1)\">x</a>",
		"<svg onload=alert(1)>",
		"[x](https://ok.example \"t\\\" onmouseover=\\\"alert(1)\")",
		"![x\" onerror=\"alert(1)](a.png)",
		"```\"><script>alert(1)</script>\nx\n```",
		"<style>body{display:none}</style>",
		"[x]: javascript:alert(1)\n\n[y][x]",
	}
	for _, src := range inputs {
		t.Run(src, func(t *testing.T) {
			r := render(t, src)
			low := strings.ToLower(r.HTML)
			for _, bad := range []string{"<script", "<iframe", "<svg", "<style", "<img src=\"x\""} {
				if strings.Contains(low, bad) {
					t.Errorf("HTML contains %q: %s", bad, r.HTML)
				}
			}
			// In tags: no javascript:, vbscript: or data: URL, no on*=.
			for _, tag := range tagRE.FindAllString(low, -1) {
				for _, bad := range []string{"javascript:", "vbscript:", "data:"} {
					if strings.Contains(tag, bad) {
						t.Errorf("tag %q contains %q", tag, bad)
					}
				}
				// Handlers are attributes: text inside a quoted (and so
				// escaped) value is inert, like alt="x&#34; onerror=…".
				names := quotedValue.ReplaceAllString(tag, `""`)
				for _, bad := range []string{"onerror", "onload", "onmouseover"} {
					if strings.Contains(names, bad) {
						t.Errorf("tag %q has a %q attribute", tag, bad)
					}
				}
			}
			if err := checkSafeHTML(r.HTML); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	words := strings.TrimSpace(strings.Repeat("lorem ipsum dolor ", 40)) // 717 runes
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"blank", "  \n\n \t", ""},
		{"only an image", "![alt](a.png)", ""},
		{"markup stripped and blocks spaced", "# Title\n\nSome *text* & `<b>` more.\n\n- a\n- b", "Title Some text & <b> more. a b"},
		{"hashtags keep their sign", "Learning #Go", "Learning #Go"},
		{"table cells spaced", "|a|b|\n|-|-|\n|1|2|", "a b 1 2"},
		{"entities unescaped", "it&#39;s &copy; &lt;3", "it's © <3"},
		{"exactly the limit", strings.Repeat("x", 280), strings.Repeat("x", 280)},
		{"word boundary", words, words[:strings.LastIndex(words[:279], " ")] + "…"},
		{"boundary right after limit", strings.Repeat("a", 279) + " b", strings.Repeat("a", 279) + "…"},
		{"one long word cut hard", strings.Repeat("y", 400), strings.Repeat("y", 279) + "…"},
		{"trailing punctuation dropped", strings.Repeat("w ", 138) + "ab, cd", strings.TrimSpace(strings.Repeat("w ", 138)) + " ab…"},
		{"multibyte", strings.Repeat("ü", 300), strings.Repeat("ü", 279) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.src).Summary
			if got != tc.want {
				t.Errorf("Summary = %q\nwant      %q", got, tc.want)
			}
			if n := utf8.RuneCountInString(got); n > SummaryRunes {
				t.Errorf("Summary has %d runes", n)
			}
		})
	}
}

func TestRenderLimits(t *testing.T) {
	if _, err := Render(strings.Repeat("a", MaxSourceBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over 1 MiB: err = %v, want ErrTooLarge", err)
	}
	if _, err := Render(strings.Repeat("a ", MaxSourceBytes/2)); err != nil {
		t.Errorf("exactly 1 MiB: %v", err)
	}
	tooComplex := map[string]string{
		"deep blockquote":       strings.Repeat(">", 1000),
		"deep lists":            strings.Repeat("- ", MaxNesting+1) + "x",
		"mixed nesting":         strings.Repeat("> 1. ", 20) + "x",
		"unclosed link dests":   strings.Repeat("[](", 100_000),
		"angle link dests":      strings.Repeat("[a](<", 100_000),
		"backtick runs":         strings.Repeat("\\``", 100_000),
		"emphasis runs":         strings.Repeat("a*_a\n", 60_000),
		"link reference defs":   strings.Repeat("[a]: b\n", 140_000),
		"long heading":          "# " + strings.Repeat("[](", 100_000),
		"long table row":        "|a|\n|-|\n|" + strings.Repeat("[](", 100_000),
		"many dense paragraphs": strings.Repeat(strings.Repeat("[](", 3000)+"\n\n", 100),
	}
	for name, src := range tooComplex {
		t.Run(name, func(t *testing.T) {
			if _, err := Render(src); !errors.Is(err, ErrTooComplex) {
				t.Errorf("err = %v, want ErrTooComplex", err)
			}
		})
	}
	fine := map[string]string{
		"nesting at the limit": strings.Repeat("> ", MaxNesting) + "x",
		"thematic break":       strings.Repeat("- ", 200),
		"realistic long post":  strings.Repeat(benchPost, 100),
		"big table": "| a | b |\n|---|---|\n" +
			strings.Repeat("| [link](https://x.example/a_b) *em* `code` | ![i](i.png) |\n", 15_000),
		"big fenced code": "```go\n" + strings.Repeat("if x[i] < (y*z) { _ = `a` }\n", 30_000) + "```",
	}
	for name, src := range fine {
		t.Run(name, func(t *testing.T) {
			if len(src) > MaxSourceBytes {
				t.Fatalf("test input is %d bytes", len(src))
			}
			if _, err := Render(src); err != nil {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// TestRenderBoundedTime renders 1 MiB inputs that are slow in goldmark (or
// that the guards must refuse quickly) and checks each stays bounded.
func TestRenderBoundedTime(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing test: skipped with -short and -race")
	}
	limit := 5 * time.Second
	fill := func(p string) string { return strings.Repeat(p, MaxSourceBytes/len(p)) }
	inputs := []string{
		fill(">"), fill("> "), fill("1. "), fill("> - "), fill("["), fill("[]("), fill("[a](<"),
		fill("\\``"), fill("a*_a"), fill("*_"), fill("[a]: b\n"), fill("[a]:\n"), fill("a <!--a\n"),
		fill("#"), fill("#a "), fill("a|b\n-|-\n"), fill("[](\n\n"), fill("# [](\n"),
		fill(strings.Repeat("- ", MaxNesting) + "x\n"),
		fill(strings.Repeat("[](", 300) + "\n\n"),
	}
	for i, src := range inputs {
		start := time.Now()
		_, err := Render(src)
		if d := time.Since(start); d > limit {
			t.Errorf("input %d (%q…): %v (err %v)", i, src[:min(len(src), 12)], d, err)
		}
	}
}

func TestRenderConcurrent(t *testing.T) {
	want := render(t, benchPost)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				src := benchPost
				if j%2 == 1 {
					src = fmt.Sprintf("# Post %d\n\n#tag%d and [x](https://x.example/#y) `#no`", i, j)
				}
				r, err := Render(src)
				if err != nil {
					t.Error(err)
					return
				}
				if j%2 == 0 && !reflect.DeepEqual(r, want) {
					t.Error("concurrent render differs")
				}
			}
		}()
	}
	wg.Wait()
}

func TestInvalidUTF8(t *testing.T) {
	r := render(t, "ok \xff\xfe #tag\x00 end")
	if !utf8.ValidString(r.HTML) || !utf8.ValidString(r.Summary) {
		t.Errorf("invalid UTF-8 in output: %q", r.HTML)
	}
	if !reflect.DeepEqual(r.Hashtags, []string{"tag"}) {
		t.Errorf("Hashtags = %q", r.Hashtags)
	}
}

const benchPost = `# Task 3: An HTTP server in Go

Today I finished **task 3** of the [Go 101 course](https://course.example/go101/tasks/3).
The goal was a tiny HTTP server that serves a JSON health check and a static page.
I learned a lot about #Go, #http and a bit about #testing.

## What I built

The server uses only the standard library. Handlers are registered on a
` + "`http.ServeMux`" + ` and the health check returns ` + "`{\"ok\":true}`" + `:

` + "```go" + `
package main

import (
	"encoding/json"
	"log"
	"net/http"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]bool{"ok": true})
	})
	mux.Handle("GET /", http.FileServer(http.Dir("static")))
	log.Fatal(http.ListenAndServe(":8080", mux))
}
` + "```" + `

## What went wrong

1. I forgot that patterns with a method need Go 1.22 or later.
2. The file server returned 404 because I ran it from the wrong directory.
3. ~~I tried to use a third-party router~~ The standard mux was enough.
4. My first health check wrote the status code after the body, so the
   client always saw 200. ` + "`WriteHeader`" + ` has to come first.
5. I logged with ` + "`fmt.Println`" + ` and lost the timestamps; ` + "`log.Printf`" + ` is better,
   and ` + "`log/slog`" + ` is better still for structured logs.

Most of these were found by the tests, not by clicking around in the
browser, which is the main lesson of this task for me.

| Endpoint   | Method | Status | Notes                      |
|:-----------|:------:|-------:|----------------------------|
| /healthz   | GET    | 200    | JSON body                  |
| /          | GET    | 200    | static index.html          |
| /missing   | GET    | 404    | from http.FileServer       |

> "Clear is better than clever." (Go proverb)

## What I learned

Writing the handler first and the test second felt backwards, so for the
timeout I wrote the test first. ` + "`httptest.NewServer`" + ` starts a real server on a
random port, and ` + "`httptest.NewRecorder`" + ` is enough for most handler tests. The
[net/http docs](https://pkg.go.dev/net/http) and the chapter on *servers* in
the course notes explain the difference between ` + "`ReadTimeout`" + ` and
` + "`ReadHeaderTimeout`" + ` better than I can. A server without timeouts can be kept
busy by slow clients, which is why the linter warned me.

I also compared my solution with two other learners' posts: one used
` + "`http.TimeoutHandler`" + `, the other wrapped the mux in a small logging
middleware. Both are worth a look. #webdev

## Next steps

- [x] Write the handler tests with ` + "`httptest`" + `
- [x] Add a timeout to the server
- [ ] Read about graceful shutdown, see https://pkg.go.dev/net/http#Server.Shutdown
- [ ] Deploy it behind a reverse proxy

Thanks to Ada for the review! Picture of my terminal:

![Terminal showing the server logs](img/task3-terminal.png "Server logs")

#go101 #learninginpublic
`

// BenchmarkRender renders a realistic post of about 3 KB (headings, a Go
// code block, a table, lists, links, an image and a few hashtags).
func BenchmarkRender(b *testing.B) {
	b.SetBytes(int64(len(benchPost)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(benchPost); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchPostShape(t *testing.T) {
	r := render(t, benchPost)
	if n := len(benchPost); n < 2800 || n > 3600 {
		t.Errorf("benchPost is %d bytes, want about 3 KB", n)
	}
	want := []string{"go", "http", "testing", "webdev", "go101", "learninginpublic"}
	if !reflect.DeepEqual(r.Hashtags, want) {
		t.Errorf("Hashtags = %q, want %q", r.Hashtags, want)
	}
	if !strings.HasPrefix(r.Summary, "Task 3: An HTTP server in Go Today I finished task 3 of the Go 101 course.") ||
		!strings.HasSuffix(r.Summary, "…") {
		t.Errorf("Summary = %q", r.Summary)
	}
	for _, w := range []string{`<code class="language-go">`, "<table>", `<img src="img/task3-terminal.png"`,
		`href="https://pkg.go.dev/net/http#Server.Shutdown"`, "<del>"} {
		if !strings.Contains(r.HTML, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
}
