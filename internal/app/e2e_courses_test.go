package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cairn-pl/cairn/internal/config"
)

// TestE2ECourseAnswer follows a course (a loopback site serving an Atom
// feed) through the real Courses page, opens a task, answers it with
// "Answer this task", and checks the answer names the task; with phone
// screenshots of the course and task pages and no console problems.
func TestE2ECourseAnswer(t *testing.T) {
	execPath := findChromium(t)
	course := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Web Basics</title><id>%[1]s/</id><updated>2026-11-20T09:00:00Z</updated>
<link rel="alternate" href="%[1]s/"/><category term="web101"/>
<entry><title>Task 1: Your first page</title><id>%[1]s/tasks/1</id><link rel="alternate" href="%[1]s/tasks/1?lang=en&amp;v=2"/>
<published>2026-11-20T09:00:00Z</published><updated>2026-11-20T09:00:00Z</updated>
<summary type="html">Write an &lt;b&gt;HTML&lt;/b&gt; page about yourself.</summary></entry></feed>`, "http://"+r.Host)
	}))
	defer course.Close()

	s := newOwnerSession(t, execPath, func(c *config.Config) { c.AllowPrivateNetwork = true })
	base := s.srv.BaseURL
	s.do("follow the course",
		chromedp.Navigate(base+"/admin/courses"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/courses"] input[name="url"]`), course.URL+"/feed.atom"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/courses"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.tasks li.task`)),
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
	)
	if got := s.text("main h1"); got != "Web Basics" {
		t.Errorf("course page heading %q", got)
	}
	s.shot("course-phone")
	s.do("open the task", chromedp.Click(chromedp.CSS(`ul.tasks li.task a`)), chromedp.WaitVisible(chromedp.CSS(`.task-description`)))
	if got := s.text(".task-description b"); got != "HTML" {
		t.Errorf("task description %q", got)
	}
	s.shot("task-phone")
	s.do("answer it",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Click(chromedp.CSS(`a[href^="/admin/posts/new?task="]`)),
		chromedp.WaitVisible(chromedp.CSS(`form#editor`)),
	)
	replyTo, err := chromedp.Run(s.ctx, chromedp.Value(chromedp.CSS(`input[name="in_reply_to"]`)))
	if err != nil || replyTo != course.URL+"/tasks/1?lang=en&v=2" {
		t.Fatalf("in_reply_to prefilled with %q (%v)", replyTo, err)
	}
	s.do("write and publish",
		chromedp.SendKeys(chromedp.CSS(`input[name="title"]`), "About me"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="content"]`), "My first page is up."),
		chromedp.Click(chromedp.CSS(`button[value="publish"]`)),
		chromedp.WaitVisible(chromedp.CSS(`article.h-entry .u-in-reply-to`)),
	)
	if got := s.text("article.h-entry .u-in-reply-to"); got != "Task 1: Your first page" {
		t.Errorf("reply context %q", got)
	}
	href, err := chromedp.Run(s.ctx, chromedp.AttributeValue(chromedp.CSS(`article.h-entry .u-in-reply-to`), "href"))
	if err != nil || href.Value != course.URL+"/tasks/1?lang=en&v=2" {
		t.Errorf("u-in-reply-to href %q (%v)", href.Value, err)
	}
	s.do("mentions page", chromedp.Navigate(base+"/admin/mentions"), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	s.finish()
}
