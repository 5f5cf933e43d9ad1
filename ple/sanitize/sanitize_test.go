package sanitize_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/ple/sanitize"
)

func TestPostDropsScriptKeepsFormatting(t *testing.T) {
	in := `<h2>Title</h2><p onclick="x()">Hi <a href="javascript:alert(1)">bad</a> <a href="https://ok.example/">ok</a>` +
		`<script>alert(1)</script><img src="/media/a.png" alt="Screenshot: logs &amp; errors" onerror="x()"></p><pre><code class="language-go">x</code></pre>` +
		`<a class="hashtag" rel="tag" href="/tags/go">#go</a>`
	out := sanitize.Post(in)
	for _, bad := range []string{"script", "onclick", "onerror", "javascript:"} {
		if strings.Contains(out, bad) {
			t.Errorf("kept %q: %s", bad, out)
		}
	}
	for _, good := range []string{"<h2>Title</h2>", `href="https://ok.example/"`, `src="/media/a.png"`, `class="language-go"`,
		`class="hashtag"`, `rel="tag"`, `alt="Screenshot: logs &amp; errors"`} {
		if !strings.Contains(out, good) {
			t.Errorf("lost %q: %s", good, out)
		}
	}
}

func TestExternalResolvesAndRestricts(t *testing.T) {
	base, _ := url.Parse("https://course.example/go101/feed.xml")
	out := sanitize.External(`<p>Read <a href="tasks/3">task 3</a> <img src='/img/x.png'> <a href=rel/y>y</a> <a href="data:text/html,x">d</a>`+
		`<iframe src="https://evil.example"></iframe><style>p{}</style></p>`, base)
	for _, want := range []string{`href="https://course.example/go101/tasks/3"`, `src="https://course.example/img/x.png"`, `href="https://course.example/go101/rel/y"`, "nofollow"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q: %s", want, out)
		}
	}
	for _, bad := range []string{"data:", "iframe", "style"} {
		if strings.Contains(out, bad) {
			t.Errorf("kept %q: %s", bad, out)
		}
	}
	if got := sanitize.Text(`<b>Task</b> &amp; <script>x</script>one`); got != "Task & one" {
		t.Errorf("Text = %q", got)
	}
}
