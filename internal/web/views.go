package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"
)

//go:embed templates
var templateFS embed.FS

// views holds one parsed template set per page: the layout, every partial
// and the page itself. Parsing each page separately lets every page define
// its own "title" and "content" blocks (miniflux's engine does the same).
type views struct {
	pages map[string]*template.Template
}

// loadViews parses every page at startup, so a broken template stops the
// server from starting instead of failing a visitor later.
func loadViews(assets *assets) (*views, error) {
	funcs := template.FuncMap{
		"asset":        assets.URL,
		"rfc3339":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"date":         func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
		"displayURL":   displayURL,
		"mediaURL":     func(s string) string { return s },
		"exactURL":     exactURL,
		"truncate":     truncate,
		"ago":          ago,
		"verdictClass": verdictClass,
		"imageURL":     imageURL,
		"humanDate":    humanDate,
		"shortHash":    shortHash,
		"blockTime":    blockTime,
		"sub1":         func(i int64) int64 { return i - 1 },
	}
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout and partials: %w", err)
	}
	pageFiles, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, file := range pageFiles {
		name := strings.TrimSuffix(path.Base(file), ".html")
		t, err := template.Must(base.Clone()).ParseFS(templateFS, file)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("page %s defines no \"content\" block", name)
		}
		v.pages[name] = t
	}
	return v, nil
}

// render executes page into a buffer first, so a template error never
// leaves a half-written page behind.
func (v *views) render(page string, data any) ([]byte, error) {
	t, ok := v.pages[page]
	if !ok {
		return nil, fmt.Errorf("no page template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, fmt.Errorf("render %s: %w", page, err)
	}
	return buf.Bytes(), nil
}

// displayURL shortens a URL for link text: host and path, no scheme.
func displayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return strings.TrimSuffix(u.Host+u.EscapedPath(), "/")
}

// exactURL lets an http(s) URL through html/template untouched, so a task
// URL reaches the page (and the u-in-reply-to parsers read) byte for byte.
// Anything else becomes "#": the URL is attribute-escaped either way, but
// only http(s) may be trusted as a link.
func exactURL(raw string) template.URL {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "#"
	}
	return template.URL(raw)
}

// truncate shortens s to at most n runes at a word boundary.
func truncate(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// ago says how long ago t was, coarsely.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// imageURL lets through the image sources the Content-Security-Policy
// allows (https and data: images); anything else would only be blocked by
// the browser, so it is not shown at all.
func imageURL(raw string) template.URL {
	lower := strings.ToLower(strings.TrimSpace(raw))
	switch {
	case strings.HasPrefix(lower, "https://"),
		strings.HasPrefix(lower, "data:image/png;"), strings.HasPrefix(lower, "data:image/svg+xml;"),
		strings.HasPrefix(lower, "data:image/jpeg;"), strings.HasPrefix(lower, "data:image/gif;"):
		return template.URL(raw)
	}
	return ""
}

// humanDate shows an RFC 3339 (or date-only) string from a credential as
// "2 Jan 2026", and anything else as it is.
func humanDate(s string) string {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format("2 Jan 2006")
		}
	}
	return s
}
