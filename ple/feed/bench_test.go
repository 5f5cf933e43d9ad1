package feed

import (
	"fmt"
	"io"
	"testing"
	"time"
)

// benchFeed is a feed of n realistic posts: about 2 KB of HTML each (with
// a code block and a CDATA-closing sequence in the code), three tags, and
// every third one answering a task.
func benchFeed(n int) Feed {
	const para = `<p>This week I worked through the <a href="https://course.example/go101/week-3">concurrency unit</a> and ` +
		`finally understood why a goroutine blocked on a send leaks: nothing ever reads from the channel, so the ` +
		`runtime cannot collect it. The fix was to pass a <code>context.Context</code> and select on <code>ctx.Done()</code>.</p>` + "\n"
	const code = `<pre><code class="language-go">select {
case out &lt;- v:
case &lt;-ctx.Done():
	return ctx.Err() // a[b[i]]&gt;0 is fine here: ]]&gt;
}
</code></pre>` + "\n"
	const quote = `<blockquote><p>Do not communicate by sharing memory; instead, share memory by communicating.</p></blockquote>` + "\n"
	const list = `<ul><li>Read: <em>The Go Memory Model</em> (again, slowly)</li><li>Try: a worker pool with ` +
		`<a href="https://pkg.go.dev/golang.org/x/sync/errgroup">errgroup</a></li><li>Ask: is 🧵 the right emoji for a goroutine?</li></ul>` + "\n"
	body := "<h2>What I did</h2>\n" + para + code + quote + para + list + "<h2>Next</h2>\n" + para + para + `<p><img src="https://ada.example/media/leak-graph.png" alt="Goroutine count over time, flat after the fix"></p>` + "\n"
	f := sampleFeed()
	f.Entries = make([]Entry, n)
	for i := range f.Entries {
		u := fmt.Sprintf("https://ada.example/posts/2026-03-%02d-week-%d-notes-on-goroutine-leaks", i%28+1, i)
		e := Entry{
			ID: u, URL: u,
			Title:       fmt.Sprintf("Week %d: goroutine leaks and how contexts stop them", i),
			Summary:     "Why a goroutine blocked on a send leaks, and how a context with a deadline fixes it.",
			ContentHTML: body,
			Published:   t0.Add(-time.Duration(i) * 24 * time.Hour),
			Updated:     t0.Add(-time.Duration(i)*24*time.Hour + time.Hour),
			Tags:        []string{"go101", "concurrency", "week" + fmt.Sprint(i)},
		}
		if i%3 == 0 {
			e.InReplyTo = fmt.Sprintf("https://course.example/go101/tasks/%d?cohort=2026&lang=en", i)
		}
		if i%5 == 4 {
			e.Title = "" // an untitled note now and then
		}
		f.Entries[i] = e
	}
	return f
}

func benchWriter(b *testing.B, write func(io.Writer, Feed) error) {
	f := benchFeed(50)
	if n := len(f.Entries[0].ContentHTML); n < 1800 || n > 2400 {
		b.Fatalf("unrealistic bench content: %d bytes", n)
	}
	var cw countWriter
	if err := write(&cw, f); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(cw))
	b.ReportAllocs()
	for b.Loop() {
		if err := write(io.Discard, f); err != nil {
			b.Fatal(err)
		}
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func BenchmarkRSS50(b *testing.B)  { benchWriter(b, WriteRSS) }
func BenchmarkAtom50(b *testing.B) { benchWriter(b, WriteAtom) }
func BenchmarkJSON50(b *testing.B) { benchWriter(b, WriteJSON) }
