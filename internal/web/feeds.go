package web

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/feed"
	"github.com/cairn-pl/cairn/ple/sanitize"
)

// Feeds out: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the journal, of each
// tag and of the owner's tasks. Each is built once per content version and
// served with ETag and Last-Modified, answering 304 to readers that have
// it already.

// feedItems is how many posts a feed carries.
const feedItems = 50

// feedLink is an autodiscovery <link> and a visible "follow" link.
type feedLink struct {
	Type, Title, Href, Label string
}

// feedFormats maps each file name to its writer and MIME type.
var feedFormats = []struct {
	file, label, mime, linkType string
	write                       func(io.Writer, feed.Feed) error
}{
	{"feed.xml", "RSS", feed.MIMERSS, "application/rss+xml", feed.WriteRSS},
	{"feed.atom", "Atom", feed.MIMEAtom, "application/atom+xml", feed.WriteAtom},
	{"feed.json", "JSON Feed", feed.MIMEJSON, "application/feed+json", feed.WriteJSON},
}

// feedLinks lists the three feeds under prefix ("/", "/tags/go/").
func (s *Server) feedLinks(prefix, title string) []feedLink {
	out := make([]feedLink, len(feedFormats))
	for i, f := range feedFormats {
		out[i] = feedLink{Type: f.linkType, Title: title + " (" + f.label + ")", Href: s.Config.BaseURL + prefix + f.file, Label: f.label}
	}
	return out
}

func (s *Server) feedRoutes(app *fiber.App) {
	for _, f := range feedFormats {
		app.Get("/"+f.file, s.serveFeed(f.file, func(*fiber.Ctx) (ple.Query, string, string) {
			return ple.Query{}, "/", ""
		}))
		app.Get("/tags/:tag/"+f.file, s.serveFeed(f.file, func(c *fiber.Ctx) (ple.Query, string, string) {
			tag := c.Params("tag")
			return ple.Query{Tag: tag}, "/tags/" + url.PathEscape(tag) + "/", "#" + tag
		}))
		app.Get("/tasks/"+f.file, s.serveFeed(f.file, func(*fiber.Ctx) (ple.Query, string, string) {
			return ple.Query{TasksOnly: true}, "/tasks/", "Tasks"
		}))
	}
}

// serveFeed answers one feed. scope gives the posts, the feeds' path
// prefix and a title suffix.
func (s *Server) serveFeed(file string, scope func(*fiber.Ctx) (ple.Query, string, string)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		q, prefix, what := scope(c)
		p, err := s.cache.load("feed "+prefix+file, s.contentVersion(), func() (cachedPage, error) {
			return s.buildFeed(c, file, q, prefix, what)
		})
		if err != nil {
			return err
		}
		return s.sendFeed(c, p)
	}
}

func (s *Server) buildFeed(c *fiber.Ctx, file string, q ple.Query, prefix, what string) (cachedPage, error) {
	owner, err := s.ownerProfile(c.UserContext())
	if err != nil {
		return cachedPage{}, err
	}
	q.Limit = feedItems
	posts, err := s.Journal.List(c.UserContext(), q)
	if err != nil {
		return cachedPage{}, err
	}
	name := owner.Name
	if name == "" {
		name = s.host
	}
	f := feed.Feed{
		Title:       name,
		Description: owner.Bio,
		Language:    "en",
		HomeURL:     s.Config.BaseURL + strings.TrimSuffix(prefix, "/"),
		SelfURL:     s.Config.BaseURL + prefix + file,
		Author:      feed.Person{Name: name, URL: s.Config.BaseURL + "/", Photo: absoluteURL(s.Config.BaseURL, owner.Photo)},
		TagBaseURL:  s.Config.BaseURL + "/tags/",
	}
	if prefix == "/" {
		f.HomeURL = s.Config.BaseURL + "/"
	}
	if what != "" {
		f.Title = name + ": " + what
	}
	hub, err := s.Journal.Settings().Get(c.UserContext(), ple.SettingWebSubHub)
	if err != nil {
		return cachedPage{}, err
	}
	links := []string{"<" + f.SelfURL + `>; rel="self"`}
	if hub != "" {
		f.HubURLs = []string{hub}
		links = append(links, "<"+hub+`>; rel="hub"`)
	}
	base, _ := url.Parse(s.Config.BaseURL + "/")
	var newest time.Time
	for _, p := range posts {
		f.Entries = append(f.Entries, feed.Entry{
			ID: s.Config.BaseURL + p.Path(), URL: s.Config.BaseURL + p.Path(), Title: p.Title, Summary: p.Summary,
			ContentHTML: sanitize.Absolutise(p.HTML, base), Published: p.PublishedAt, Updated: p.UpdatedAt,
			Tags: p.Tags, InReplyTo: p.InReplyTo,
		})
		if p.UpdatedAt.After(newest) {
			newest = p.UpdatedAt
		}
	}
	if newest.IsZero() {
		newest = time.Unix(0, 0)
	}
	f.Updated = newest
	var buf bytes.Buffer
	for _, ff := range feedFormats {
		if ff.file == file {
			if err := ff.write(&buf, f); err != nil {
				return cachedPage{}, err
			}
			return cachedPage{body: buf.Bytes(), ctype: ff.mime, etag: etagOf(buf.Bytes()), status: fiber.StatusOK,
				modTime: newest.UTC().Truncate(time.Second), link: strings.Join(links, ", ")}, nil
		}
	}
	return cachedPage{}, fiber.ErrNotFound
}

// sendFeed writes a feed with its validators. If-None-Match wins over
// If-Modified-Since, as RFC 9110 says.
func (s *Server) sendFeed(c *fiber.Ctx, p cachedPage) error {
	c.Set(fiber.HeaderContentType, p.ctype)
	c.Set(fiber.HeaderETag, p.etag)
	c.Set(fiber.HeaderLastModified, p.modTime.UTC().Format(http.TimeFormat))
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	c.Set("Cross-Origin-Resource-Policy", "cross-origin")
	c.Set(fiber.HeaderLink, p.link)
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" {
		if etagMatches(inm, p.etag) || etagMatches(inm, gzipETag(p.etag)) {
			return c.SendStatus(fiber.StatusNotModified)
		}
	} else if ims, err := http.ParseTime(c.Get(fiber.HeaderIfModifiedSince)); err == nil && !p.modTime.After(ims) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return sendCachedBody(c, p)
}

// etagMatches reads an If-None-Match list ("*", weak tags included).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func absoluteURL(base, ref string) string {
	if ref == "" || strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		return ref
	}
	return base + ref
}
