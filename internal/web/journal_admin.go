package web

import (
	"errors"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/ple/courses"
	"github.com/cairn-pl/cairn/ple/markdown"
)

// The owner's side of the journal: the list of posts and drafts, and the
// editor.

type editorData struct {
	ID        int64
	Title     string
	Content   string
	Tags      string
	InReplyTo string
	Draft     bool
	IsTask    bool
	Preview   template.HTML
	Error     string
	Task      *courses.Task
}

type postsData struct {
	Posts      []ple.Post
	Prev, Next string
}

func (s *Server) journalAdminRoutes(r fiber.Router) {
	r.Get("/posts", s.postsAdmin)
	r.Get("/posts/new", s.newPost)
	r.Post("/posts", s.savePost)
	r.Post("/posts/preview", s.previewPost)
	r.Get("/posts/:id/edit", s.editPost)
	r.Post("/posts/:id", s.savePost)
	r.Post("/posts/:id/delete", s.deletePost)
}

func (s *Server) postsAdmin(c *fiber.Ctx) error {
	offset, _, _ := pageOf(c, 0)
	posts, err := s.Journal.List(c.UserContext(), ple.Query{Drafts: true, Limit: postsPerPage + 1, Offset: offset})
	if err != nil {
		return err
	}
	d := postsData{}
	_, d.Prev, d.Next = pageOf(c, len(posts))
	if len(posts) > postsPerPage {
		posts = posts[:postsPerPage]
	}
	d.Posts = posts
	return s.show(c, fiber.StatusOK, "posts", "Posts", "/", d)
}

// newPost opens the editor, pre-filled when answering a task (?task=ID:
// in-reply-to is the task URL exactly, tags are the course's and the
// task's hashtags) or replying to a URL (?reply=URL).
func (s *Server) newPost(c *fiber.Ctx) error {
	d := editorData{InReplyTo: c.Query("reply")}
	if id, err := strconv.ParseInt(c.Query("task"), 10, 64); err == nil {
		t, err := s.Courses.Task(c.UserContext(), id)
		if err != nil {
			return err
		}
		d.Task = &t
		d.InReplyTo = t.URL
		d.Tags = joinTags(t.CourseHashtag, t.Hashtag)
	}
	return s.showEditor(c, fiber.StatusOK, d)
}

func (s *Server) editPost(c *fiber.Ctx) error {
	p, err := s.postByParam(c)
	if err != nil {
		return err
	}
	d := editorData{ID: p.ID, Title: p.Title, Content: p.Content, Tags: strings.Join(p.Tags, " "),
		InReplyTo: p.InReplyTo, Draft: p.Draft, IsTask: p.IsTask, Preview: template.HTML(p.HTML)}
	if p.TaskID != 0 {
		if t, err := s.Courses.Task(c.UserContext(), p.TaskID); err == nil {
			d.Task = &t
		}
	}
	return s.showEditor(c, fiber.StatusOK, d)
}

func (s *Server) showEditor(c *fiber.Ctx, status int, d editorData) error {
	title := "New post"
	if d.ID != 0 {
		title = "Edit post"
	}
	return s.show(c, status, "editor", title, "/", d)
}

func (s *Server) postByParam(c *fiber.Ctx) (ple.Post, error) {
	id, err := paramID(c)
	if err != nil {
		return ple.Post{}, err
	}
	p, err := s.Journal.Get(c.UserContext(), id)
	if err == nil && p.Deleted() {
		return p, fiber.NewError(fiber.StatusGone, "This post was deleted.")
	}
	return p, err
}

// editorForm reads the editor's fields; the button pressed says what to do.
func editorForm(c *fiber.Ctx) editorData {
	return editorData{
		Title:     c.FormValue("title"),
		Content:   c.FormValue("content"),
		Tags:      c.FormValue("tags"),
		InReplyTo: c.FormValue("in_reply_to"),
		IsTask:    c.FormValue("is_task") == "1",
		Draft:     c.FormValue("action") == "draft",
	}
}

// savePost handles every button of the editor: publish, save draft,
// preview and upload. Whatever goes wrong, the editor comes back with the
// text as typed and the reason, so nothing is lost.
func (s *Server) savePost(c *fiber.Ctx) error {
	d := editorForm(c)
	if idParam := c.Params("id"); idParam != "" {
		p, err := s.postByParam(c)
		if err != nil {
			return err
		}
		d.ID = p.ID
	}
	switch c.FormValue("action") {
	case "preview":
		return s.editorWithPreview(c, d, "")
	case "upload":
		return s.uploadIntoEditor(c, d)
	}
	draft := ple.Draft{Title: d.Title, Content: d.Content, Tags: markdown.ParseTags(d.Tags), InReplyTo: d.InReplyTo,
		Draft: d.Draft, IsTask: d.IsTask}
	var post ple.Post
	var err error
	if d.ID == 0 {
		post, err = s.Journal.Create(c.UserContext(), draft)
	} else {
		post, err = s.Journal.Update(c.UserContext(), d.ID, patchOf(draft))
	}
	var ve *ple.ValidationError
	if errors.As(err, &ve) {
		return s.editorWithPreview(c, d, ve.Msg)
	}
	if err != nil {
		return err
	}
	if post.Draft {
		s.setFlash(c, "ok", "Draft saved.")
		return c.Redirect("/admin/posts/"+strconv.FormatInt(post.ID, 10)+"/edit", fiber.StatusSeeOther)
	}
	s.setFlash(c, "ok", "Published.")
	return c.Redirect(post.Path(), fiber.StatusSeeOther)
}

func patchOf(d ple.Draft) ple.Patch {
	return ple.Patch{Title: &d.Title, Content: &d.Content, Tags: &d.Tags, InReplyTo: &d.InReplyTo, Draft: &d.Draft, IsTask: &d.IsTask}
}

func (s *Server) editorWithPreview(c *fiber.Ctx, d editorData, problem string) error {
	if r, err := markdown.Render(d.Content); err == nil {
		d.Preview = template.HTML(r.HTML)
	} else if problem == "" {
		problem = err.Error()
	}
	d.Error = problem
	status := fiber.StatusOK
	if problem != "" {
		status = fiber.StatusBadRequest
	}
	if d.ID != 0 {
		if p, err := s.Journal.Get(c.UserContext(), d.ID); err == nil {
			d.Draft = p.Draft
		}
	}
	return s.showEditor(c, status, d)
}

// uploadIntoEditor stores the chosen image in media/ and appends its
// Markdown to the text, then shows the editor again.
func (s *Server) uploadIntoEditor(c *fiber.Ctx, d editorData) error {
	fh, err := c.FormFile("image")
	if err != nil || fh.Size == 0 {
		return s.editorWithPreview(c, d, "Choose an image to upload first.")
	}
	path, err := s.saveImage(fh)
	var bad *inputError
	if errors.As(err, &bad) {
		return s.editorWithPreview(c, d, bad.msg)
	}
	if err != nil {
		return err
	}
	alt := strings.TrimSuffix(fh.Filename, fileExt(fh.Filename))
	d.Content = strings.TrimRight(d.Content, "\n") + "\n\n![" + markdownEscape(alt) + "](" + path + ")\n"
	return s.editorWithPreview(c, d, "")
}

// previewPost renders Markdown for the editor's live preview (cairn.js).
func (s *Server) previewPost(c *fiber.Ctx) error {
	r, err := markdown.Render(c.FormValue("content"))
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString(r.HTML)
}

func (s *Server) deletePost(c *fiber.Ctx) error {
	p, err := s.postByParam(c)
	if err != nil {
		return err
	}
	if err := s.Journal.Delete(c.UserContext(), p.ID); err != nil {
		return err
	}
	s.setFlash(c, "ok", "Post deleted; its address now answers “gone”.")
	return c.Redirect("/admin/posts", fiber.StatusSeeOther)
}

func joinTags(tags ...string) string {
	var out []string
	for _, t := range tags {
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, " ")
}

func fileExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

// markdownEscape keeps an image's alt text from closing the brackets.
func markdownEscape(s string) string {
	return strings.NewReplacer("[", "", "]", "", "\n", " ").Replace(s)
}
