package feedpoll

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"iter"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
)

const (
	// MaxItemKey caps a stored dedupe key (ItemKey); a longer one is
	// stored as its hash.
	MaxItemKey = 2048
	// maxTag caps a hashtag, in bytes.
	maxTag = 64
)

// ErrParserPanic marks a panic inside gofeed that Parse recovered; fuzz
// tests look for it, since such a feed is only called broken.
var ErrParserPanic = errors.New("feed parser panic")

// Parse reads a feed document with gofeed.Parser.Parse (never ParseURL,
// which would bypass internal/netx). Errors are written for people;
// errors.Is finds ErrNotFeed or ErrBrokenFeed in them.
func Parse(body []byte) (f *gofeed.Feed, err error) {
	defer func() {
		// gofeed is a large parser of hostile input. A panic in it must
		// mark one feed broken, not take the poller down.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%w: the feed could not be read (%w: %v)", ErrBrokenFeed, ErrParserPanic, r)
		}
	}()
	f, err = gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, readableParseError(err)
	}
	return f, nil
}

// readableParseError turns gofeed's errors into a message for the course
// or roster page.
func readableParseError(err error) error {
	var xse *xml.SyntaxError
	var jse *json.SyntaxError
	var jte *json.UnmarshalTypeError
	switch {
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected):
		return ErrNotFeed
	case errors.As(err, &xse):
		return fmt.Errorf("%w: the feed's XML is broken (line %d: %s)", ErrBrokenFeed, xse.Line, xse.Msg)
	case errors.As(err, &jse):
		return fmt.Errorf("%w: the JSON feed is broken (at byte %d: %s)", ErrBrokenFeed, jse.Offset, jse.Error())
	case errors.As(err, &jte):
		return fmt.Errorf("%w: the JSON feed has a %s where a %s belongs (%s)", ErrBrokenFeed, jte.Value, jte.Type, jte.Field)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: the feed ends too early", ErrBrokenFeed)
	}
	return fmt.Errorf("%w: the feed could not be read (%v)", ErrBrokenFeed, err)
}

// ItemKey is the key that recognises an item across fetches: its GUID
// (Atom id, JSON Feed id), else its link, else "sha256:" + the hash of
// fingerprint joined by newlines (what the caller deems identifying, e.g.
// title and date). A key too long to index or not valid UTF-8 is stored
// as its hash.
func ItemKey(it *gofeed.Item, fingerprint ...string) string {
	key := strings.TrimSpace(it.GUID)
	if key == "" {
		key = strings.TrimSpace(it.Link)
	}
	if key == "" {
		key = hashKey(strings.Join(fingerprint, "\n"))
	}
	if len(key) > MaxItemKey || !utf8.ValidString(key) {
		key = hashKey(key)
	}
	return key
}

func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Published is when an item was published, else last updated (in UTC),
// else the zero time.
func Published(it *gofeed.Item) time.Time {
	switch {
	case it.PublishedParsed != nil:
		return it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil:
		return it.UpdatedParsed.UTC()
	}
	return time.Time{}
}

// Content is an item's full content, else its description (RSS feeds put
// the body in either).
func Content(it *gofeed.Item) string {
	if strings.TrimSpace(it.Content) == "" {
		return it.Description
	}
	return it.Content
}

// NormalizeTag turns a category or "#tag" into Cairn's hashtag form:
// lower-case, without '#', only letters, digits, '-' and '_', with at least
// one letter (so "#1" in "issue #1" is not a tag), at most 64 bytes. It
// returns "" when s is not a valid tag.
func NormalizeTag(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	s = strings.ToLower(s)
	if s == "" || len(s) > maxTag {
		return ""
	}
	letter := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r), r == '-', r == '_':
		default:
			return ""
		}
	}
	if !letter {
		return ""
	}
	return s
}

// hashtagRe finds "#tag" at the start of the text or after a space or an
// opening bracket or quote, so URL fragments ("page#part") and entities
// are not read as tags.
var hashtagRe = regexp.MustCompile(`(?:^|[\s(\[{"'])#([\p{L}\p{N}_-]+)`)

// Hashtags yields the valid #tags of plain text, normalised, in order,
// looking at no more than the first scan "#" words (a bound on hostile
// text). A tag may come more than once.
func Hashtags(text string, scan int) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, m := range hashtagRe.FindAllStringSubmatch(text, scan) {
			if t := NormalizeTag(strings.TrimRight(m[1], "-_")); t != "" && !yield(t) {
				return
			}
		}
	}
}
