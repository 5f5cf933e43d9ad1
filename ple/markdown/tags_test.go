package markdown

import (
	"reflect"
	"strings"
	"testing"
)

func TestNormaliseTag(t *testing.T) {
	tests := []struct{ in, want string }{
		{"go", "go"},
		{"#Go", "go"},
		{"  #Go101  ", "go101"},
		{"##go", "go"},
		{"# go", "go"},
		{"Go-Lang_x", "go-lang_x"},
		{"c++", "c"},
		{"go lang", "golang"},
		{"ÜBER", "über"},
		{"u\u0308ber", "über"}, // decomposed input is composed
		{"Straße", "straße"},
		{"日本語", "日本語"},
		{"Ἀθῆναι", "ἀθῆναι"},
		{"123", "123"},
		{"#", ""},
		{"", ""},
		{"   ", ""},
		{"---", ""},
		{"_-_", ""},
		{"!?.", ""},
		{"\u0301", ""}, // a lone mark is not a tag
		{strings.Repeat("a", 70), strings.Repeat("a", 64)},
		{strings.Repeat("é", 70), strings.Repeat("é", 64)},
		{strings.Repeat("-", 64) + "a", ""}, // cut before the letter
	}
	for _, tc := range tests {
		if got := NormaliseTag(tc.in); got != tc.want {
			t.Errorf("NormaliseTag(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := NormaliseTag(tc.want); got != tc.want {
			t.Errorf("NormaliseTag not stable on %q: %q", tc.want, got)
		}
	}
}

func TestParseTags(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"go, #Go101 web", []string{"go", "go101", "web"}},
		{"", nil},
		{" , ,# ", nil},
		{"go,go, GO #go", []string{"go"}},
		{"learning-in-public,\tnotes\nweek_1", []string{"learning-in-public", "notes", "week_1"}},
		{"Über，日本語、学習", []string{"über", "日本語", "学習"}},
		{"c++, c#", []string{"c"}},
	}
	for _, tc := range tests {
		if got := ParseTags(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseTags(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSlugify(t *testing.T) {
	long := "A very long title about learning Go and building an HTTP server with tests and more words"
	tests := []struct{ in, want string }{
		{"Task 3: An HTTP server in Go!", "task-3-an-http-server-in-go"},
		{"Café au lait", "cafe-au-lait"},
		{"Straße & Übermut", "strasse-ubermut"},
		{"Æsir Œuvre Øre Łódź Þing", "aesir-oeuvre-ore-lodz-thing"},
		{"Ça va? Très bien — merci", "ca-va-tres-bien-merci"},
		{"Ada's notes", "adas-notes"},
		{"Ada’s notes", "adas-notes"},
		{"  --Hello--World--  ", "hello-world"},
		{"C++ & C#", "c-c"},
		{"2026-11-22 week 47", "2026-11-22-week-47"},
		{"日本語 101", "101"},
		{"Привет мир", ""},
		{"!!!", ""},
		{"", ""},
		{"😀 emoji 😀", "emoji"},
		{long, "a-very-long-title-about-learning-go-and-building-an-http-server-with-tests-and"},
		{strings.Repeat("x", 100), strings.Repeat("x", 80)},
		{strings.Repeat("ab-", 26) + "abc", strings.Repeat("ab-", 25) + "ab"}, // "abc" would be cut mid-word
	}
	for _, tc := range tests {
		got := Slugify(tc.in)
		if got != tc.want {
			t.Errorf("Slugify(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if len(got) > MaxSlugBytes || strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") || strings.Contains(got, "--") {
			t.Errorf("Slugify(%q) = %q is malformed", tc.in, got)
		}
		if Slugify(got) != got {
			t.Errorf("Slugify not stable on %q", got)
		}
	}
}
