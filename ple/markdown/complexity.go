package markdown

import (
	"errors"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// ErrTooComplex is returned by Render for sources that goldmark would take
// too long on: containers nested more than MaxNesting deep on one line, or
// paragraphs, headings or table rows so long and dense with markup
// characters that parsing them is superlinear.
var ErrTooComplex = errors.New("markdown: post is too complex to render " +
	"(blocks nested too deeply, or a very long paragraph dense with markup; " +
	"split it into paragraphs or put code and logs in fenced code blocks)")

// MaxNesting is the deepest nesting of block quotes and list items that one
// line may open.
const MaxNesting = 32

// complexityBudget bounds the sum, over lines and again over paragraphs, of
// length × markup characters. In goldmark v1.8.7 several inline constructs
// make each opener rescan the rest of its block (runs of "[](", "[a](<",
// backslash-backtick-backtick and "a*_a", and link reference definitions),
// so that product is the shape of its worst case. Measured at about 0.35 ns
// a unit, 1e9 keeps those cases to a few hundred milliseconds. Realistic
// posts use well under 1% of it; only long paragraphs make it grow.
const complexityBudget = 1_000_000_000

// isOpener reports whether c can open an inline construct that makes
// goldmark look ahead for its closer.
func isOpener(c byte) bool {
	switch c {
	case '[', '(', '<', '`', '*', '_', '~', '\\':
		return true
	}
	return false
}

// checkLines rejects nesting deeper than MaxNesting on a line and a total
// line cost (length × openers) over the budget. Lines are checked one by
// one because headings and table rows are parsed line by line; paragraphs
// are checked as a whole by paragraphBudget. Fenced code is not told apart:
// ordinary code lines cost little, and a guard that agrees with goldmark
// on where fences are would be harder to trust.
func checkLines(src string) error {
	var total int64
	for len(src) > 0 {
		line := src
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = ""
		}
		if nesting(line) > MaxNesting {
			return ErrTooComplex
		}
		openers := int64(0)
		for i := 0; i < len(line); i++ {
			if isOpener(line[i]) {
				openers++
			}
		}
		total += int64(len(line)) * openers
		if total > complexityBudget {
			return ErrTooComplex
		}
	}
	return nil
}

// nesting counts the block-quote markers and list-item markers that open
// the line (">", "-", "*", "+", "1." or "1)" followed by a space). A line of
// only '-', '*', '_' and spaces is a thematic break, not nested lists.
func nesting(line string) int {
	breakChars := true
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '-', '*', '_', ' ', '\t', '\r':
		default:
			breakChars = false
		}
		if !breakChars {
			break
		}
	}
	if breakChars {
		return 0
	}
	depth, i := 0, 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			break
		}
		switch c := line[i]; {
		case c == '>':
			depth++
			i++
			continue
		case c == '-' || c == '*' || c == '+':
			if i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t') {
				depth++
				i += 2
				continue
			}
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 10 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j+1 < len(line) && (line[j] == '.' || line[j] == ')') && (line[j+1] == ' ' || line[j+1] == '\t') {
				depth++
				i = j + 2
				continue
			}
		}
		break
	}
	return depth
}

var complexityKey = parser.NewContextKey()

type budgetState struct {
	spent    int64
	exceeded bool
}

// charge adds cost to the document's budget and reports whether it is
// spent; once it is, every later paragraph is refused too.
func charge(pc parser.Context, cost int64) bool {
	st, _ := pc.Get(complexityKey).(*budgetState)
	if st == nil {
		st = &budgetState{}
		pc.Set(complexityKey, st)
	}
	st.spent += cost
	if st.spent > complexityBudget {
		st.exceeded = true
	}
	return st.exceeded
}

// refuse drops a paragraph so that nothing more is parsed in it; Render
// then returns ErrTooComplex.
func refuse(node *ast.Paragraph) {
	node.Parent().RemoveChild(node.Parent(), node)
}

// linkRefBudget runs before goldmark's link reference definition
// transformer, which costs about (definitions) × (lines) per paragraph: it
// charges (lines starting with '[') × (lines). Tables pass untouched.
type linkRefBudget struct{}

func (linkRefBudget) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	source := reader.Source()
	lines := node.Lines()
	var starts int64
	for i := 0; i < lines.Len(); i++ {
		v := segmentValue(lines.At(i), source)
		k := 0
		for k < len(v) && k < 4 && (v[k] == ' ' || v[k] == '\t') {
			k++
		}
		if k < len(v) && v[k] == '[' {
			starts++
		}
	}
	if charge(pc, starts*int64(lines.Len())) {
		refuse(node)
	}
}

// paragraphBudget runs after the table transformer, so it sees paragraphs
// whose inline content goldmark is about to parse (table cells were
// charged line by line in checkLines), and charges length × openers.
type paragraphBudget struct{}

func (paragraphBudget) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	source := reader.Source()
	lines := node.Lines()
	var size, openers int64
	for i := 0; i < lines.Len(); i++ {
		v := segmentValue(lines.At(i), source)
		for _, c := range v {
			if isOpener(c) {
				openers++
			}
		}
		size += int64(len(v))
	}
	if charge(pc, size*openers) {
		refuse(node)
	}
}

func segmentValue(seg text.Segment, source []byte) []byte {
	if seg.Start < 0 || seg.Stop > len(source) || seg.Start > seg.Stop {
		return nil
	}
	return source[seg.Start:seg.Stop]
}

// tooComplex reports whether paragraphBudget ran out during a parse.
func tooComplex(pc parser.Context) bool {
	st, _ := pc.Get(complexityKey).(*budgetState)
	return st != nil && st.exceeded
}
