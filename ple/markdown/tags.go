package markdown

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxTagRunes is the longest normalised tag.
const MaxTagRunes = 64

// MaxSlugBytes is the longest slug Slugify returns.
const MaxSlugBytes = 80

// NormaliseTag returns the canonical form of a tag: leading '#'s and
// surrounding space removed, lower-cased (Unicode-aware) and composed
// (NFC), keeping only letters, digits, combining marks, '-' and '_', at most
// MaxTagRunes runes. It returns "" when no letter or digit is left.
// NormaliseTag(NormaliseTag(s)) == NormaliseTag(s).
func NormaliseTag(s string) string {
	s = strings.TrimLeft(strings.TrimSpace(s), "#")
	s = strings.Map(func(r rune) rune {
		if isTagRune(r) {
			return r
		}
		return -1
	}, strings.ToLower(s))
	// Compose after filtering (removing a character can bring a base and a
	// mark together) and filter again after composing.
	s = norm.NFC.String(s)
	s = strings.Map(func(r rune) rune {
		if isTagRune(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
	var b strings.Builder
	n, alnum := 0, false
	for _, r := range s {
		if n == MaxTagRunes {
			break
		}
		b.WriteRune(r)
		alnum = alnum || unicode.IsLetter(r) || unicode.IsDigit(r)
		n++
	}
	if !alnum {
		return ""
	}
	return b.String()
}

// ParseTags reads a tag field as typed by the learner ("go, #Go101 web"):
// it splits on commas and whitespace, normalises each part and drops
// empty parts and duplicates, keeping first-seen order.
func ParseTags(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || unicode.IsSpace(r)
	})
	var tags []string
	seen := map[string]bool{}
	for _, p := range parts {
		if t := NormaliseTag(p); t != "" && !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	return tags
}

// foldSpecial spells letters that do not decompose into an ASCII base
// letter plus marks.
var foldSpecial = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d",
	'ð': "d", 'þ': "th", 'ı': "i", 'ħ': "h", 'ŋ': "n", 'ĸ': "k", 'ŀ': "l",
}

// Slugify makes a URL slug from a title: lower-case ASCII letters and
// digits separated by single '-'. Latin accents are folded (é→e, ü→u,
// ß→ss, æ→ae), apostrophes are dropped ("Ada's" → "adas") and everything
// else separates words. Slugs longer than MaxSlugBytes are cut at a '-'.
// It returns "" when nothing usable is left (e.g. a title in a non-Latin
// script); callers then use a date-based slug.
func Slugify(title string) string {
	var b strings.Builder
	sep := false
	emit := func(s string) {
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteString(s)
	}
	for _, r := range norm.NFD.String(strings.ToLower(title)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			emit(string(r))
		case foldSpecial[r] != "":
			emit(foldSpecial[r])
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’', r == 'ʼ':
			// accents (decomposed) and apostrophes vanish
		default:
			sep = true
		}
		if b.Len() > MaxSlugBytes {
			break
		}
	}
	s := b.String()
	if len(s) > MaxSlugBytes {
		cut := s[:MaxSlugBytes]
		if s[MaxSlugBytes] != '-' {
			if i := strings.LastIndexByte(cut, '-'); i > 0 {
				cut = cut[:i]
			}
		}
		s = strings.TrimRight(cut, "-")
	}
	return s
}
