package webmention

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// realisticPage builds a blog page of about size bytes: a head with the
// usual links, navigation, an h-entry with author, date and a long e-content
// (paragraphs, links, lists, code), the in-reply-to link to target near the
// end, then comments and a footer.
func realisticPage(size int, target string) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Building an HTTP server in Go – Ada's notes</title><link rel="stylesheet" href="/css/site.css"><link rel="alternate" type="application/atom+xml" href="/feed.atom">
<link rel="webmention" href="https://them.example/webmention"><link rel="me" href="https://github.com/ada"><script src="/js/site.js" defer></script></head><body>
<header><nav><ul>`)
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, `<li><a href="/section/%d">Section %d</a></li>`, i, i)
	}
	b.WriteString(`</ul></nav></header><main><article class="h-entry">
<h1 class="p-name">Task 3: an HTTP server in Go</h1>
<a class="u-url u-uid" href="https://them.example/posts/task-3">permalink</a>
<time class="dt-published" datetime="2026-11-22T10:00:00+01:00">22 Nov 2026</time>
<a class="p-author h-card" href="https://them.example/"><img class="u-photo" src="/me.jpg" alt="">Ada</a>
<div class="e-content">`)
	for i := 0; b.Len() < size-3000; i++ {
		fmt.Fprintf(&b, `<h2 id="s%d">Step %d</h2><p>The handler reads the <em>request</em>, checks the <a href="https://pkg.go.dev/net/http#Request">method</a> and writes a response. We keep state in a <code>sync.Mutex</code>-guarded map and log with <a href="/notes/%d">slog</a>; see also <a href="https://go.dev/doc/">the docs</a>.</p>
<ul><li>Item one &amp; two</li><li>Item <strong>three</strong></li></ul><pre><code>func handler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "hello %%d", %d)
}</code></pre>`, i, i, i, i)
	}
	fmt.Fprintf(&b, `<p>Submitted in reply to <a class="u-in-reply-to" href="%s">Task 3 – Build an HTTP server</a>.</p></div>
<a class="p-category" href="/tags/go" rel="tag">go</a></article>
<section class="comments"><div class="h-cite"><a class="u-author h-card" href="https://bob.example/">Bob</a>: nice!</div></section></main>
<footer><p>© 2026 Ada</p></footer></body></html>`, target)
	return b.String()
}

func BenchmarkParseMention100KiB(b *testing.B) {
	const target = "https://course.example/go101/tasks/3"
	page := []byte(realisticPage(100<<10, target))
	src, _ := url.Parse("https://them.example/posts/task-3")
	m, err := ParseMention(page, "text/html; charset=utf-8", src, target)
	if err != nil || m.Type != TypeReply || m.Author.Name != "Ada" || m.Title == "" {
		b.Fatalf("fixture: %+v %v", m, err)
	}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ParseMention(page, "text/html; charset=utf-8", src, target); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseMention100KiBShortReply: the same 100 KiB page size, but the
// e-content is a 12 KiB reply followed by 85 KiB of comments and footer, so
// the sanitiser runs (long content is replaced by its excerpt unsanitised).
func BenchmarkParseMention100KiBShortReply(b *testing.B) {
	const target = "https://course.example/go101/tasks/3"
	post := realisticPage(12<<10, "https://example.com/not-here")
	post = post[:strings.Index(post, "<p>Submitted in reply to")]
	var pad strings.Builder
	for i := 0; pad.Len() < 85<<10; i++ {
		fmt.Fprintf(&pad, `<div class="h-cite"><a class="u-author h-card" href="https://reader%d.example/">Reader %d</a><p class="p-content">Comment %d: thanks, this helped with <a href="https://go.dev/blog/">the Go blog</a> too.</p></div>`, i, i, i)
	}
	page := []byte(post + `</div><section class="comments">` + pad.String() + `</section><p>In reply to <a class="u-in-reply-to" href="` + target + `">Task 3</a></p></article></main></body></html>`)
	src, _ := url.Parse("https://them.example/posts/task-3")
	m, err := ParseMention(page, "text/html; charset=utf-8", src, target)
	if err != nil || m.Type != TypeReply || !strings.Contains(m.Content, `rel="nofollow ugc"`) {
		b.Fatalf("fixture: %d bytes, %+v %v", len(page), m.Type, err)
	}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMention(page, "text/html", src, target); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseMention100KiBNoLink is the spam case: no link, refused by the
// tokenizer pass before any tree or microformats work.
func BenchmarkParseMention100KiBNoLink(b *testing.B) {
	page := []byte(realisticPage(100<<10, "https://course.example/other"))
	src, _ := url.Parse("https://them.example/posts/task-3")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMention(page, "text/html", src, "https://course.example/go101/tasks/3"); err != ErrNoLink {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindInHTML(b *testing.B) {
	base, _ := url.Parse("https://them.example/posts/task-3")
	for _, c := range []struct {
		name string
		page []byte
	}{
		{"head-30KiB", []byte(realisticPage(30<<10, "https://x.example/"))},
		{"none-30KiB", []byte(strings.Replace(realisticPage(30<<10, "https://x.example/"), `rel="webmention"`, `rel="pingback"`, 1))},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.page)))
			b.ReportAllocs()
			for b.Loop() {
				FindInHTML(c.page, base)
			}
		})
	}
}

func BenchmarkParseRequest(b *testing.B) {
	body := []byte("source=" + url.QueryEscape("https://them.example/posts/task-3") + "&target=" + url.QueryEscape("https://me.example/posts/hello#comments"))
	isOurs := func(u *url.URL) bool { return u.Host == "me.example" }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequest("application/x-www-form-urlencoded", body, isOurs); err != nil {
			b.Fatal(err)
		}
	}
}
