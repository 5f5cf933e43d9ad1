package markdown

import (
	"net/url"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// TagPath is the path prefix of tag pages that hashtags link to.
const TagPath = "/tags/"

// KindHashtag is the goldmark node kind of an inline hashtag.
var KindHashtag = ast.NewNodeKind("Hashtag")

// Hashtag is an inline #hashtag in the goldmark AST.
type Hashtag struct {
	ast.BaseInline
	// Segment covers the whole "#body" in the source.
	Segment text.Segment
	// Body is the tag as written, without '#'.
	Body string
	// Tag is Body normalised with NormaliseTag.
	Tag string
}

// Kind implements ast.Node.
func (n *Hashtag) Kind() ast.NodeKind { return KindHashtag }

// Dump implements ast.Node.
func (n *Hashtag) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Body": n.Body, "Tag": n.Tag}, nil)
}

// hashtagExtension adds the hashtag inline parser, the transformer that
// drops hashtags inside links and images, and the hashtag renderer.
type hashtagExtension struct{}

func (hashtagExtension) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(
		parser.WithInlineParsers(util.Prioritized(hashtagParser{}, 900)),
		parser.WithASTTransformers(util.Prioritized(hashtagUnwrapper{}, 900)),
	)
	m.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(hashtagRenderer{}, 900)))
}

// hashtagParser recognises "#body" where the '#' starts the block's text
// or a line, or follows whitespace, an opening bracket or quote, an
// emphasis or strikethrough marker, '|', '>' or one of ",;!?"; and body
// starts with a letter or digit, continues with letters, digits, combining
// marks, '-' and '_' (trailing '-' and '_' excluded, so "_#go_" is
// emphasis around a tag) and holds at least one letter.
//
// Code spans, code blocks, autolinks, raw HTML and link destinations never
// reach inline parsers for '#'; the ATX heading marker is block syntax.
// Link text does, and hashtagUnwrapper turns those back into text.
type hashtagParser struct{}

func (hashtagParser) Trigger() []byte { return []byte{'#'} }

func (hashtagParser) Parse(_ ast.Node, block text.Reader, _ parser.Context) ast.Node {
	// PrecendingCharacter is '\n' at the start of the block's text; at the
	// start of a later line it is the newline or the container's prefix
	// ('>' or indentation). (LineOffset would be clearer but is O(line).)
	if !tagMayFollow(block.PrecendingCharacter()) {
		return nil
	}
	line, seg := block.PeekLine()
	if len(line) < 2 || line[0] != '#' {
		return nil
	}
	body, ok := scanTagBody(line[1:])
	if !ok {
		return nil
	}
	tag := NormaliseTag(string(body))
	if tag == "" {
		return nil
	}
	block.Advance(1 + len(body))
	return &Hashtag{
		Segment: text.NewSegment(seg.Start, seg.Start+1+len(body)),
		Body:    string(body),
		Tag:     tag,
	}
}

// tagMayFollow reports whether a hashtag may start right after r. Letters,
// digits and '&' (entities like &#39;) are excluded, as are '/', '#', '='
// and friends, so URL fragments and paths like "page#section",
// "x.example/#frag" or "?a=1#b" that were not linkified are not tags.
func tagMayFollow(r rune) bool {
	if unicode.IsSpace(r) {
		return true
	}
	switch r {
	case '(', '[', '{', '"', '\'', '*', '_', '~', '|', '>', ',', ';', '!', '?':
		return true
	}
	return unicode.In(r, unicode.Ps, unicode.Pi, unicode.Pf)
}

// isTagRune reports whether r may appear in a tag body (and so in a
// normalised tag).
func isTagRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '-' || r == '_'
}

// scanTagBody returns the longest tag body at the start of b.
func scanTagBody(b []byte) ([]byte, bool) {
	first, _ := utf8.DecodeRune(b)
	if !unicode.IsLetter(first) && !unicode.IsDigit(first) {
		return nil, false
	}
	end, hasLetter := 0, false
	for end < len(b) {
		r, size := utf8.DecodeRune(b[end:])
		if r == utf8.RuneError && size <= 1 || !isTagRune(r) {
			break
		}
		hasLetter = hasLetter || unicode.IsLetter(r)
		end += size
	}
	for end > 0 && (b[end-1] == '-' || b[end-1] == '_') {
		end--
	}
	return b[:end], hasLetter && end > 0
}

// hashtagUnwrapper turns hashtags inside link text and image alt text back
// into plain text (a link goes where its author pointed it), then rejoins
// text that the '#' trigger split: goldmark ends a text node wherever an
// inline parser is tried, and an entity such as "&#39;" cut into "&" and
// "#39;" would render as "&amp;#39;".
type hashtagUnwrapper struct{}

func (hashtagUnwrapper) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	defer mergeHashText(doc, reader.Source())
	var inLinks []*Hashtag
	depth := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.Link, *ast.Image, *ast.AutoLink:
			if entering {
				depth++
			} else {
				depth--
			}
		case *Hashtag:
			if entering && depth > 0 {
				inLinks = append(inLinks, n)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, h := range inLinks {
		h.Parent().ReplaceChild(h.Parent(), h, ast.NewTextSegment(h.Segment))
	}
}

// mergeHashText joins each text node that starts with '#' to the text
// node right before it when they are contiguous in the source.
func mergeHashText(doc ast.Node, source []byte) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if _, ok := n.(*ast.CodeSpan); ok {
			return ast.WalkSkipChildren, nil
		}
		for c := n.FirstChild(); c != nil; {
			t, ok := c.(*ast.Text)
			next, ok2 := c.NextSibling().(*ast.Text)
			if ok && ok2 && t.Segment.Stop > 0 && !t.SoftLineBreak() && !t.HardLineBreak() &&
				next.Segment.Start < len(source) && source[next.Segment.Start] == '#' &&
				t.Merge(next, source) {
				n.RemoveChild(n, next)
				continue // t may merge with the following node too
			}
			c = c.NextSibling()
		}
		return ast.WalkContinue, nil
	})
}

// hashtagRenderer writes a hashtag as #<a class="hashtag" rel="tag"
// href="/tags/{tag}">{body}</a>. The '#' stays outside the anchor so that
// the anchor text is the tag itself, should it ever carry p-category
// (see the microformats notes in shared/research/indieweb.md, C.2).
type hashtagRenderer struct{}

func (hashtagRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(KindHashtag, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		h := n.(*Hashtag)
		_, _ = w.WriteString(`#<a class="hashtag" rel="tag" href="`)
		_, _ = w.Write(util.EscapeHTML([]byte(TagHref(h.Tag))))
		_, _ = w.WriteString(`">`)
		_, _ = w.Write(util.EscapeHTML([]byte(h.Body)))
		_, _ = w.WriteString(`</a>`)
		return ast.WalkSkipChildren, nil
	})
}

// TagHref is the relative link to a normalised tag's page, "/tags/{tag}"
// with the tag path-escaped.
func TagHref(tag string) string {
	return TagPath + url.PathEscape(tag)
}
