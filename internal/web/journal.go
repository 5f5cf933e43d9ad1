package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/mentions"
)

// The public journal: home, post pages, tag pages and the owner's tasks,
// each an h-feed or an h-entry, served to visitors from the page cache.

const postsPerPage = 20

// postView is a post as the templates show it.
type postView struct {
	ID        int64
	URL       string // absolute permalink
	Slug      string
	Title     string
	HTML      template.HTML // sanitised when saved
	Summary   string
	InReplyTo string
	TaskTitle string
	Published time.Time
	Updated   time.Time
	Edited    bool
	Draft     bool
	Tags      []string
}

// entryView is what the "entry" partial receives.
type entryView struct {
	P        postView
	Author   account.Owner
	BaseURL  string
	Host     string
	Full     bool // the post's own page (h1 title) rather than a list
	Comments []mentionView
}

type feedPageData struct {
	Heading, Intro, Empty, URL string
	Entries                    []entryView
	Tags                       []ple.TagCount
	Prev, Next                 string
}

type postPageData struct {
	Entry    entryView
	Outgoing []mentions.Outgoing
}

type gonePageData struct {
	URL       string
	DeletedAt time.Time
}

func (s *Server) journalRoutes(app *fiber.App) {
	app.Get("/", s.home)
	app.Get("/posts/:slug", s.postPage)
	app.Get("/tags/:tag", s.tagPage)
	app.Get("/tasks", s.tasksPage)
}

func (s *Server) view(p ple.Post) postView {
	v := postView{ID: p.ID, URL: s.Config.BaseURL + p.Path(), Slug: p.Slug, Title: p.Title,
		HTML: template.HTML(p.HTML), Summary: p.Summary, InReplyTo: p.InReplyTo,
		Published: p.PublishedAt, Updated: p.UpdatedAt, Draft: p.Draft, Tags: p.Tags}
	if v.Published.IsZero() {
		v.Published = p.CreatedAt
	}
	v.Edited = v.Updated.Sub(v.Published) > time.Minute
	return v
}

func (s *Server) entries(c *fiber.Ctx, posts []ple.Post, owner account.Owner) []entryView {
	out := make([]entryView, len(posts))
	for i, p := range posts {
		v := s.view(p)
		if p.TaskID != 0 && s.Courses != nil {
			if t, err := s.Courses.Task(c.UserContext(), p.TaskID); err == nil {
				v.TaskTitle = t.Title
			}
		}
		out[i] = entryView{P: v, Author: owner, BaseURL: s.Config.BaseURL, Host: s.host}
	}
	return out
}

// page reads ?page=N (1-based) and returns the offset and the links of
// the neighbouring pages.
func pageOf(c *fiber.Ctx, got int) (offset int, prev, next string) {
	n, _ := strconv.Atoi(c.Query("page"))
	n = max(n, 1)
	if n > 1 {
		prev = c.Path() + "?page=" + strconv.Itoa(n-1)
		if n == 2 {
			prev = c.Path()
		}
	}
	if got > postsPerPage {
		next = c.Path() + "?page=" + strconv.Itoa(n+1)
	}
	return (n - 1) * postsPerPage, prev, next
}

// listPage renders an h-feed of published posts.
func (s *Server) listPage(c *fiber.Ctx, tmpl, title string, q ple.Query, d feedPageData, feeds []feedLink) error {
	return s.cached(c, func() ([]byte, int, error) {
		offset, _, _ := pageOf(c, 0)
		q.Limit, q.Offset = postsPerPage+1, offset
		posts, err := s.Journal.List(c.UserContext(), q)
		if err != nil {
			return nil, 0, err
		}
		_, d.Prev, d.Next = pageOf(c, len(posts))
		if len(posts) > postsPerPage {
			posts = posts[:postsPerPage]
		}
		p, err := s.newPage(c, title, "/", nil)
		if err != nil {
			return nil, 0, err
		}
		if feeds != nil {
			// A tag or task page names its own feeds only, so a reader
			// pasting its URL follows that page, not the whole journal.
			p.Feeds = feeds
		}
		d.Entries = s.entries(c, posts, p.Owner)
		if tmpl == "home" && offset == 0 {
			if d.Tags, err = s.Journal.Tags(c.UserContext(), 30); err != nil {
				return nil, 0, err
			}
		}
		p.Data = d
		b, err := s.views.render(tmpl, p)
		return b, fiber.StatusOK, err
	})
}

func (s *Server) home(c *fiber.Ctx) error {
	return s.listPage(c, "home", "Journal", ple.Query{}, feedPageData{URL: s.Config.BaseURL + "/"}, nil)
}

func (s *Server) tagPage(c *fiber.Ctx) error {
	tag := c.Params("tag")
	if tag == "" || len(tag) > 64 {
		return fiber.ErrNotFound
	}
	d := feedPageData{Heading: "#" + tag, URL: s.Config.BaseURL + "/tags/" + url.PathEscape(tag),
		Empty: "Nothing is tagged #" + tag + " yet."}
	return s.listPage(c, "feed", "#"+tag, ple.Query{Tag: tag}, d, s.feedLinks("/tags/"+url.PathEscape(tag)+"/", "#"+tag))
}

func (s *Server) tasksPage(c *fiber.Ctx) error {
	d := feedPageData{Heading: "Tasks", URL: s.Config.BaseURL + "/tasks",
		Intro: "Tasks I set. Answer one with a post that replies to it; follow this page to get new ones.",
		Empty: "No tasks published yet."}
	return s.listPage(c, "feed", "Tasks", ple.Query{TasksOnly: true}, d, s.feedLinks("/tasks/", "Tasks"))
}

// postPage shows one post as an h-entry; drafts only to the owner; a
// deleted post answers 410 Gone with a tombstone.
func (s *Server) postPage(c *fiber.Ctx) error {
	return s.cached(c, func() ([]byte, int, error) {
		post, err := s.Journal.BySlug(c.UserContext(), c.Params("slug"))
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, fiber.ErrNotFound
		}
		if err != nil {
			return nil, 0, err
		}
		_, owner := sessionOf(c)
		if post.Deleted() {
			p, err := s.newPage(c, "Deleted", "", gonePageData{URL: s.Config.BaseURL + post.Path(), DeletedAt: post.DeletedAt})
			if err != nil {
				return nil, 0, err
			}
			b, err := s.views.render("gone", p)
			return b, fiber.StatusGone, err
		}
		if !post.Published() && !owner {
			return nil, 0, fiber.ErrNotFound
		}
		p, err := s.newPage(c, postTitle(post), "/", nil)
		if err != nil {
			return nil, 0, err
		}
		e := s.entries(c, []ple.Post{post}, p.Owner)[0]
		e.Full = true
		d := postPageData{Entry: e}
		if s.Mentions != nil {
			ms, err := s.Mentions.ForPost(c.UserContext(), post.ID)
			if err != nil {
				return nil, 0, err
			}
			for _, m := range ms {
				d.Entry.Comments = append(d.Entry.Comments, mentionView{Mention: m, Content: template.HTML(m.ContentHTML)})
			}
			if owner {
				if d.Outgoing, err = s.Mentions.OutgoingFor(c.UserContext(), post.ID); err != nil {
					return nil, 0, err
				}
			}
		}
		p.Data = d
		b, err := s.views.render("post", p)
		return b, fiber.StatusOK, err
	})
}

func postTitle(p ple.Post) string {
	if p.Title != "" {
		return p.Title
	}
	return truncate(p.Summary, 60)
}

// cached serves a public page from the page cache to visitors; the owner
// (whose pages carry forms and drafts) always gets a fresh rendering.
func (s *Server) cached(c *fiber.Ctx, build func() ([]byte, int, error)) error {
	_, owner := sessionOf(c)
	if owner || c.Cookies(flashCookie) != "" {
		b, status, err := build()
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "private, no-store")
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Status(status).Send(b)
	}
	// The key ignores any query parameter but the page number, so made-up
	// query strings cannot flush the cache.
	p, err := s.cache.load("page "+c.Path()+"?page="+c.Query("page"), s.contentVersion(), func() (cachedPage, error) {
		b, status, err := build()
		if err != nil {
			return cachedPage{}, err
		}
		return cachedPage{body: b, ctype: fiber.MIMETextHTMLCharsetUTF8, etag: etagOf(b), status: status}, nil
	})
	if err != nil {
		return err
	}
	return s.sendCached(c, p)
}

// sendCached writes a cached page with its ETag, answering 304 when the
// client already has it.
func (s *Server) sendCached(c *fiber.Ctx, p cachedPage) error {
	c.Set(fiber.HeaderContentType, p.ctype)
	c.Set(fiber.HeaderETag, p.etag)
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && (etagMatches(inm, p.etag) || etagMatches(inm, gzipETag(p.etag))) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return sendCachedBody(c, p)
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:10]) + `"`
}
