package webmention

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

const (
	clsSource = "https://course.example/awards/7"
	clsTarget = "https://learner.example/posts/task-3"
)

// awardPost is DESIGN's "Badge award post" markup; drop removes one piece.
func awardPost(drop string) string {
	parts := map[string]string{
		"reply":      `<p class="e-content">Awarded to Ada for <a class="u-in-reply-to" href="` + clsTarget + `">Task 3</a>.</p>`,
		"category":   `<a class="p-category" href="https://course.example/tags/badge" rel="tag">badge</a>`,
		"badge":      `<div class="p-x-badge h-cite"><a class="u-url p-name" href="/badges/go-basics">Go Basics</a><img class="u-photo" src="/badges/go-basics.png" alt="Go Basics badge"><p class="p-x-criteria">Tasks 1–3</p></div>`,
		"badgephoto": "",
		"recipient":  `<a class="p-x-recipient h-card" href="https://learner.example/">Ada</a>`,
		"evidence":   `<a class="u-x-evidence" href="` + clsTarget + `"></a>`,
		"credential": `<link class="u-x-credential" href="/badges/go-basics/a/123.json">`,
	}
	if drop == "badgephoto" {
		parts["badge"] = `<div class="p-x-badge h-cite"><a class="u-url p-name" href="/badges/go-basics">Go Basics</a></div>`
	}
	if drop == "reply" {
		parts["reply"] = `<p class="e-content">Awarded for <a href="` + clsTarget + `">Task 3</a>.</p>`
	}
	if drop != "reply" {
		delete(parts, drop)
	}
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><title>Award</title></head><body><article class="h-entry">
<h1 class="p-name">Badge awarded: Go Basics</h1>
<span class="p-author h-card"><a class="u-url p-name" href="https://course.example/">Go 101 course</a><img class="u-photo" src="/logo.png" alt=""></span>
<time class="dt-published" datetime="2026-11-23T09:00:00Z">23 Nov</time>`)
	for _, k := range []string{"reply", "category", "badge", "recipient", "evidence", "credential"} {
		b.WriteString(parts[k])
		b.WriteString("\n")
	}
	b.WriteString(`</article></body></html>`)
	return b.String()
}

func parseHTMLMention(t *testing.T, doc, target string) Mention {
	t.Helper()
	m, err := ParseMention([]byte(doc), "text/html; charset=utf-8", mustURL(t, clsSource), target)
	if err != nil {
		t.Fatalf("ParseMention: %v\n%s", err, doc)
	}
	return m
}

func TestClassifyTypes(t *testing.T) {
	entry := func(inner string) string {
		return `<div class="h-entry"><a class="p-author h-card" href="https://them.example/">Them</a>` + inner + `</div>`
	}
	link := `<a href="` + clsTarget + `">the post</a>`
	cases := []struct {
		name, doc, target, want string
	}{
		{"reply", entry(`<a class="u-in-reply-to" href="` + clsTarget + `">re</a><p class="e-content">Nice</p>`), clsTarget, TypeReply},
		{"reply via h-cite", entry(`<div class="u-in-reply-to h-cite"><a class="u-url p-name" href="` + clsTarget + `">Task 3</a></div><p class="e-content">Nice</p>`), clsTarget, TypeReply},
		{"reply, target with fragment", entry(`<a class="u-in-reply-to" href="` + clsTarget + `#c1">re</a>`), clsTarget + "#c1", TypeReply},
		{"reply, in-reply-to without the fragment", entry(`<a class="u-in-reply-to" href="` + clsTarget + `">re</a>` + `<a href="` + clsTarget + `#c1">c</a>`), clsTarget + "#c1", TypeReply},
		{"like", entry(`<a class="u-like-of" href="` + clsTarget + `">liked</a>`), clsTarget, TypeLike},
		{"repost", entry(`<a class="u-repost-of" href="` + clsTarget + `">reposted</a>`), clsTarget, TypeRepost},
		{"bookmark", entry(`<a class="u-bookmark-of" href="` + clsTarget + `">saved</a>`), clsTarget, TypeBookmark},
		{"reply to another post linking ours", entry(`<a class="u-in-reply-to" href="https://else.example/p">re</a><p class="e-content">see ` + link + `</p>`), clsTarget, TypeMention},
		{"like of another post", entry(`<a class="u-like-of" href="https://else.example/p">liked</a>` + link), clsTarget, TypeMention},
		{"mention", entry(`<p class="e-content">I read ` + link + `</p>`), clsTarget, TypeMention},
		{"h-feed page: no primary entry", `<div class="h-feed"><div class="h-entry"><a class="u-in-reply-to" href="` + clsTarget + `">re</a></div></div>`, clsTarget, TypeMention},
		{"no microformats", `<p>` + link + `</p>`, clsTarget, TypeMention},
		{"award", awardPost(""), clsTarget, TypeAward},
		{"award without category", awardPost("category"), clsTarget, TypeReply},
		{"award without x-badge", awardPost("badge"), clsTarget, TypeReply},
		{"award badge without photo", awardPost("badgephoto"), clsTarget, TypeReply},
		{"award without evidence", awardPost("evidence"), clsTarget, TypeReply},
		{"award without credential", awardPost("credential"), clsTarget, TypeReply},
		{"award without recipient (optional)", awardPost("recipient"), clsTarget, TypeAward},
		{"award markup, not a reply to the target", awardPost("reply"), clsTarget, TypeMention},
	}
	for _, c := range cases {
		m := parseHTMLMention(t, c.doc, c.target)
		if m.Type != c.want {
			t.Errorf("%s: type %q, want %q", c.name, m.Type, c.want)
		}
		if (m.Award != nil) != (c.want == TypeAward) {
			t.Errorf("%s: Award %+v with type %s", c.name, m.Award, m.Type)
		}
	}
}

func TestClassifyAwardFields(t *testing.T) {
	m := parseHTMLMention(t, awardPost(""), clsTarget)
	want := Award{
		BadgeName:     "Go Basics",
		BadgeURL:      "https://course.example/badges/go-basics",
		BadgeImage:    "https://course.example/badges/go-basics.png",
		Evidence:      clsTarget,
		Credential:    "https://course.example/badges/go-basics/a/123.json",
		Recipient:     "https://learner.example/",
		RecipientName: "Ada",
	}
	if m.Award == nil || *m.Award != want {
		t.Fatalf("Award = %+v\nwant %+v", m.Award, want)
	}
	if m.Author != (Author{Name: "Go 101 course", URL: "https://course.example/", Photo: "https://course.example/logo.png"}) {
		t.Errorf("Author = %+v", m.Author)
	}
	if m.Title != "Badge awarded: Go Basics" || m.Text != "Awarded to Ada for Task 3." {
		t.Errorf("Title %q, Text %q", m.Title, m.Text)
	}
	if !m.Published.Equal(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("Published %v", m.Published)
	}
	if !strings.Contains(m.Content, `<a href="`+clsTarget+`" rel="nofollow ugc">Task 3</a>`) {
		t.Errorf("Content %q", m.Content)
	}
}

func TestClassifyDetails(t *testing.T) {
	rhc := `<div class="h-card"><a class="u-url u-uid p-name" href="/">Them Site</a><img class="u-photo" src="/me.jpg"></div>`
	src := "https://course.example/"
	cases := []struct {
		name, doc string
		check     func(Mention) bool
	}{
		{"author as URL filled from the representative h-card", rhc + `<div class="h-entry"><a class="u-author" href="/">me</a><a class="u-in-reply-to" href="` + clsTarget + `">re</a></div>`,
			func(m Mention) bool {
				return m.Author == Author{Name: "Them Site", URL: src, Photo: src + "me.jpg"} && m.Type == TypeReply
			}},
		{"author name only", `<div class="h-entry"><span class="p-author">Bob</span><a class="u-in-reply-to" href="` + clsTarget + `">re</a></div>`,
			func(m Mention) bool { return m.Author == Author{Name: "Bob"} }},
		{"no author: representative h-card", rhc + `<div class="h-entry"><a class="u-in-reply-to" href="` + clsTarget + `">re</a></div>`,
			func(m Mention) bool { return m.Author.Name == "Them Site" && m.Author.URL == src }},
		{"feed page: representative h-card", rhc + `<div class="h-feed"><div class="h-entry"><a href="` + clsTarget + `">x</a></div></div>`,
			func(m Mention) bool { return m.Type == TypeMention && m.Author.Name == "Them Site" }},
		{"rel=me card", `<div class="h-card"><a class="u-url p-name" href="https://them.example/">Rel Me</a></div><a rel="me" href="https://them.example/">me</a><a href="` + clsTarget + `">x</a>`,
			func(m Mention) bool { return m.Author.Name == "Rel Me" }},
		{"primary entry is the one whose url is the source", `<div class="h-entry"><a class="u-url" href="/other">o</a><a class="u-like-of" href="` + clsTarget + `">l</a></div>` +
			`<div class="h-entry"><a class="u-url" href="/">this</a><a class="u-in-reply-to" href="` + clsTarget + `">r</a></div>`,
			func(m Mention) bool { return m.Type == TypeReply && m.URL == src }},
		{"first entry otherwise", `<div class="h-entry"><a class="u-like-of" href="` + clsTarget + `">l</a></div><div class="h-entry"><a class="u-in-reply-to" href="` + clsTarget + `">r</a></div>`,
			func(m Mention) bool { return m.Type == TypeLike }},
		{"no content: implied name is the text, not a title", `<div class="h-entry"><a class="u-like-of" href="` + clsTarget + `">Bob liked Task 3</a></div>`,
			func(m Mention) bool { return m.Title == "" && m.Text == "Bob liked Task 3" && m.Content == "" }},
		{"name equal to content is no title", `<div class="h-entry"><p class="p-name e-content">Just a note <a href="` + clsTarget + `">x</a></p></div>`,
			func(m Mention) bool { return m.Title == "" && m.Text == "Just a note x" }},
		{"summary when no content", `<div class="h-entry"><h1 class="p-name">Title</h1><p class="p-summary">Short <a href="` + clsTarget + `">x</a></p></div>`,
			func(m Mention) bool {
				return m.Title == "Title" && m.Text == "Short x" && m.Content == "<p>Short x</p>"
			}},
		{"published without zone", `<div class="h-entry"><time class="dt-published" datetime="2026-01-02 03:04">t</time><a href="` + clsTarget + `">x</a></div>`,
			func(m Mention) bool { return m.Published.Equal(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)) }},
		{"bad published", `<div class="h-entry"><time class="dt-published" datetime="yesterday">t</time><a href="` + clsTarget + `">x</a></div>`,
			func(m Mention) bool { return m.Published.IsZero() }},
		{"long text cut to 500 runes", `<div class="h-entry"><p class="e-content"><a href="` + clsTarget + `">x</a>` + strings.Repeat("word ", 300) + `</p></div>`,
			func(m Mention) bool {
				r := []rune(m.Text)
				return len(r) == MaxTextRunes && strings.HasSuffix(m.Text, "…")
			}},
		{"relative URLs made absolute", `<div class="h-entry"><a class="u-url" href="/p/1">p</a><div class="p-author h-card"><a class="u-url p-name" href="/ada">Ada</a><img class="u-photo" src="ada.png"></div><a href="` + clsTarget + `">x</a></div>`,
			func(m Mention) bool {
				return m.URL == src+"p/1" && m.Author.URL == src+"ada" && m.Author.Photo == src+"ada.png"
			}},
	}
	for _, c := range cases {
		m, err := ParseMention([]byte(c.doc), "text/html", mustURL(t, src), clsTarget)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !c.check(m) {
			t.Errorf("%s: %+v", c.name, m)
		}
	}
}

// XSS payloads in every field a mention carries must come out inert.
func TestMentionXSS(t *testing.T) {
	doc := `<!doctype html><div class="h-entry">
<h1 class="p-name">&lt;script&gt;alert(1)&lt;/script&gt;<script>alert(2)</script>Title <img src=x onerror=alert(3)></h1>
<div class="p-author h-card"><a class="u-url p-name" href="javascript:alert(4)">&lt;img src=x onerror=alert(5)&gt;Eve</a>
  <img class="u-photo" src="javascript:alert(6)"></div>
<a class="u-url" href="data:text/html,<script>alert(7)</script>">perma</a>
<a class="u-in-reply-to" href="` + clsTarget + `">re</a>
<div class="e-content">
  <p style="background:url(javascript:alert(8))" onclick="alert(9)">Hello <b>world</b></p>
  <script>alert(10)</script><style>body{display:none}</style>
  <a href="javascript:alert(11)">js link</a> <a href="JaVaScRiPt:alert(12)">js2</a>
  <a href=" javascript:alert(13)">js3</a> <a href="vbscript:x">vb</a> <a href="mailto:a@b.example">mail</a>
  <a href="/rel" rel="me" id="clobber" name="clobber" target="_top">relative</a>
  <a href="https://ok.example/" rel="dofollow">ok</a>
  <img src="https://tracker.example/pixel.gif" onerror="alert(14)" alt="a picture">
  <iframe src="https://evil.example/"></iframe><svg onload="alert(15)"><circle/></svg>
  <form action="https://evil.example/"><input name="x"></form>
  <math><mtext><table><mglyph><style><img src=x onerror=alert(16)></style></mglyph></table></mtext></math>
  <object data="x"></object><embed src="x"><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">
  &lt;script&gt;alert(17)&lt;/script&gt;
</div></div>`
	m := parseHTMLMention(t, doc, clsTarget)
	if m.Type != TypeReply {
		t.Errorf("type %q", m.Type)
	}
	lower := strings.ToLower(m.Content)
	for _, bad := range []string{"<script", "<style", "onerror", "onclick", "onload", "javascript:", "vbscript:", "mailto:",
		"style=", "<iframe", "<svg", "<form", "<input", "<img", "<object", "<embed", "<base", "<meta", "<math", "tracker.example",
		"id=", "name=", "target=", "dofollow", `rel="me"`} {
		if strings.Contains(lower, bad) {
			t.Errorf("Content contains %q:\n%s", bad, m.Content)
		}
	}
	// Escaped text stays escaped text; every link is http(s) with rel="nofollow ugc".
	if !strings.Contains(m.Content, "&lt;script&gt;alert(17)&lt;/script&gt;") || !strings.Contains(m.Content, "a picture") {
		t.Errorf("Content lost its text:\n%s", m.Content)
	}
	z := html.NewTokenizer(strings.NewReader(m.Content))
	links := 0
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		if tok.Type != html.StartTagToken || tok.Data != "a" {
			continue
		}
		links++
		var href, rel string
		for _, a := range tok.Attr {
			switch a.Key {
			case "href":
				href = a.Val
			case "rel":
				rel = a.Val
			}
		}
		if href != "" && (!strings.HasPrefix(href, "https://") && !strings.HasPrefix(href, "http://") || rel != "nofollow ugc") {
			t.Errorf("link %q rel %q", href, rel)
		}
	}
	if links == 0 {
		t.Errorf("no links kept:\n%s", m.Content)
	}
	tag := regexp.MustCompile(`<[a-zA-Z/!]`)
	for name, v := range map[string]string{"Title": m.Title, "Text": m.Text, "Author.Name": m.Author.Name} {
		if tag.MatchString(v) || strings.ContainsAny(v, "\x00") {
			t.Errorf("%s holds markup: %q", name, v)
		}
	}
	// The literal "&lt;script&gt;" text is dropped with its content; an img
	// in a p-* property reads as its alt, else its src (mf2 parsing).
	if m.Title != "Title https://course.example/awards/x" {
		t.Errorf("Title %q", m.Title)
	}
	for name, v := range map[string]string{"Author.URL": m.Author.URL, "Author.Photo": m.Author.Photo, "URL": m.URL} {
		if v != "" {
			t.Errorf("%s = %q, want empty (not http(s))", name, v)
		}
	}
}

func TestPlainText(t *testing.T) {
	cases := map[string]string{
		"  a \n\t b  ":                "a b",
		"<b>bold</b> and <i>it":       "bold and it",
		"a < b > c":                   "a < b > c",
		"x\u202Ey\u200Fz\x00\x07w":    "xyzw",
		"bad \xff utf8":               "bad \uFFFD utf8",
		"<script>alert(1)</script>ok": "ok",
		"<!-- c -->text":              "text",
		strings.Repeat("é", 10):       "éééé…",
		strings.Repeat("ab ", 2):      "ab ab",
		"abcd e":                      "abcd…",
	}
	for in, want := range cases {
		max := 100
		if strings.HasPrefix(in, "é") || in == "abcd e" {
			max = 5
		}
		if got := plainText(in, max); got != want {
			t.Errorf("plainText(%q, %d) = %q, want %q", in, max, got, want)
		}
	}
	if got := sanitizeContent(strings.Repeat("<p>long</p>", MaxContentBytes/8), "the excerpt"); got != "<p>the excerpt</p>" {
		t.Errorf("oversize content → %q", got)
	}
}
