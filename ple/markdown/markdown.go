// Package markdown turns the learner's posts (Markdown) into safe HTML for
// the journal: GitHub-flavoured Markdown (tables, strikethrough, task
// lists, bare-URL links) rendered with goldmark, inline #hashtags linked to
// their tag pages, and everything passed through sanitize.Post.
//
// Raw HTML in the source is never passed through: goldmark replaces it
// with an HTML comment, which the sanitiser then drops. Rendering is safe
// for concurrent use.
package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/cairn-pl/cairn/ple/sanitize"
)

// MaxSourceBytes is the largest Markdown source Render accepts (1 MiB).
const MaxSourceBytes = 1 << 20

// SummaryRunes is the longest Summary Render returns, ellipsis included.
const SummaryRunes = 280

// ErrTooLarge is returned by Render for sources over MaxSourceBytes.
var ErrTooLarge = errors.New("markdown: post is larger than 1 MiB")

// Rendered is one post rendered for display.
type Rendered struct {
	// HTML is the sanitised post body, for the h-entry's e-content. An
	// inline hashtag #Go appears as
	// #<a class="hashtag" rel="tag" href="/tags/go">Go</a>, the '#' outside
	// the link (see hashtagRenderer).
	HTML string
	// Summary is plain, unescaped text of at most SummaryRunes runes, cut
	// at a word boundary and ended with "…" when shortened; for feeds,
	// cards and p-summary. Templates must escape it. "" for an empty post.
	Summary string
	// Hashtags are the inline #hashtags, normalised with NormaliseTag,
	// without duplicates, in order of first appearance.
	Hashtags []string
}

// md is the shared converter. goldmark parsers and renderers hold no
// per-document state, so one instance serves all goroutines.
var md = goldmark.New(
	goldmark.WithExtensions(
		extension.NewLinkify(extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"})),
		// align="…" rather than style="text-align:…", which the sanitiser drops.
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
		extension.TaskList,
		hashtagExtension{},
	),
	goldmark.WithParserOptions(
		// Around goldmark's link reference (100) and table (200) transformers.
		parser.WithParagraphTransformers(
			util.Prioritized(linkRefBudget{}, 10),
			util.Prioritized(paragraphBudget{}, 250),
		),
	),
	// Defaults kept on purpose: no html.WithUnsafe (raw HTML is omitted),
	// no html.WithHardWraps, no parser.WithAutoHeadingID, no typographer
	// (it would turn "--flag" in prose into an en dash).
)

// Render converts Markdown source into sanitised HTML, a plain-text summary
// and the inline hashtags. It returns ErrTooLarge for sources over
// MaxSourceBytes and ErrTooComplex for pathological markup (see
// ErrTooComplex); other errors are internal failures and should not occur.
func Render(src string) (r Rendered, err error) {
	if len(src) > MaxSourceBytes {
		return Rendered{}, ErrTooLarge
	}
	defer func() {
		// goldmark has no known panics on arbitrary input (FuzzRender
		// checks this), but a post must never take the server down.
		if p := recover(); p != nil {
			r, err = Rendered{}, fmt.Errorf("markdown: render failed: %v", p)
		}
	}()

	src = strings.ToValidUTF8(src, "\uFFFD")
	src = strings.ReplaceAll(src, "\x00", "\uFFFD")
	src = strings.ReplaceAll(src, "\r\n", "\n")
	source := []byte(src)

	if err := checkLines(src); err != nil {
		return Rendered{}, err
	}
	pc := parser.NewContext()
	doc := md.Parser().Parse(text.NewReader(source), parser.WithContext(pc))
	if tooComplex(pc) {
		return Rendered{}, ErrTooComplex
	}
	var buf bytes.Buffer
	buf.Grow(len(source) + len(source)/4)
	if err := md.Renderer().Render(&buf, source, doc); err != nil {
		return Rendered{}, fmt.Errorf("markdown: render: %w", err)
	}
	out := sanitize.Post(buf.String())
	return Rendered{
		HTML:     out,
		Summary:  summarise(out, SummaryRunes),
		Hashtags: collectHashtags(doc),
	}, nil
}

// collectHashtags lists the normalised tags of the hashtag nodes left in
// the document (those in links were unwrapped by the transformer).
func collectHashtags(doc ast.Node) []string {
	var tags []string
	seen := map[string]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*Hashtag); ok && entering && !seen[h.Tag] {
			seen[h.Tag] = true
			tags = append(tags, h.Tag)
		}
		return ast.WalkContinue, nil
	})
	return tags
}

// blockTags are the elements whose boundaries separate words in the
// summary; inline elements (a, em, code, …) join their text as written.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "hr": true, "li": true, "ul": true, "ol": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"blockquote": true, "pre": true, "table": true, "thead": true, "tbody": true,
	"tr": true, "td": true, "th": true, "figure": true, "figcaption": true,
	"dl": true, "dt": true, "dd": true, "img": true, "input": true,
}

// plainText strips tags from sanitised HTML. It relies on the sanitiser's
// output form: text and attribute values have '<' and '>' escaped, so
// every '<' opens a tag that ends at the next '>'.
func plainText(h string) string {
	var b strings.Builder
	b.Grow(len(h))
	for len(h) > 0 {
		i := strings.IndexByte(h, '<')
		if i < 0 {
			b.WriteString(h)
			break
		}
		b.WriteString(h[:i])
		h = h[i+1:]
		j := strings.IndexByte(h, '>')
		if j < 0 {
			break
		}
		name := strings.TrimPrefix(h[:j], "/")
		if k := strings.IndexAny(name, " \t\n/"); k >= 0 {
			name = name[:k]
		}
		if blockTags[strings.ToLower(name)] {
			b.WriteByte(' ')
		}
		h = h[j+1:]
	}
	return html.UnescapeString(b.String())
}

// summarise returns the plain text of sanitised HTML with whitespace
// collapsed, shortened to at most max runes (ellipsis included) at a word
// boundary.
func summarise(h string, max int) string {
	s := strings.Join(strings.Fields(plainText(h)), " ")
	return truncateWords(s, max)
}

// truncateWords shortens s to at most max runes, ending it with "…". It
// cuts at the last space that fits; a single word longer than the limit
// (a URL, text without spaces) is cut hard.
func truncateWords(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max < 2 {
		return "…"
	}
	// Byte offset just past the first max-1 runes (room for the ellipsis).
	cut, n := 0, 0
	for i := range s {
		if n == max-1 {
			cut = i
			break
		}
		n++
	}
	head := s[:cut]
	if s[cut] != ' ' {
		if sp := strings.LastIndexByte(head, ' '); sp > 0 {
			head = head[:sp]
		}
	}
	head = strings.TrimRightFunc(head, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:-–—([{", r)
	})
	if head == "" {
		head = s[:cut]
	}
	return head + "…"
}
