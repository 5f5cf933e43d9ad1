package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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

	srv := startCairn(t, func(c *config.Config) { c.AllowPrivateNetwork = true })
	base := srv.BaseURL
	shots := os.Getenv("CAIRN_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	ctx, closeBrowser := newBrowser(t, ctx, execPath)
	defer closeBrowser()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	console := collectConsole(ctx)
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
	}

	const password = "a course-taking password"
	do("set the password",
		chromedp.Navigate(srv.setupLink(t)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.SendKeys(chromedp.CSS(`input[name="confirm"]`), password),
		chromedp.Click(chromedp.CSS(`form[action^="/setup/"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/settings/profile"]`)),
	)
	do("follow the course",
		chromedp.Navigate(base+"/admin/courses"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/courses"] input[name="url"]`), course.URL+"/feed.atom"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/courses"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.tasks li.task`)),
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
	)
	if got := text("main h1"); got != "Web Basics" {
		t.Errorf("course page heading %q", got)
	}
	shot("course-phone")
	do("open the task", chromedp.Click(chromedp.CSS(`ul.tasks li.task a`)), chromedp.WaitVisible(chromedp.CSS(`.task-description`)))
	if got := text(".task-description b"); got != "HTML" {
		t.Errorf("task description %q", got)
	}
	shot("task-phone")
	do("answer it",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Click(chromedp.CSS(`a[href^="/admin/posts/new?task="]`)),
		chromedp.WaitVisible(chromedp.CSS(`form#editor`)),
	)
	replyTo, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name="in_reply_to"]`)))
	if err != nil || replyTo != course.URL+"/tasks/1?lang=en&v=2" {
		t.Fatalf("in_reply_to prefilled with %q (%v)", replyTo, err)
	}
	do("write and publish",
		chromedp.SendKeys(chromedp.CSS(`input[name="title"]`), "About me"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="content"]`), "My first page is up."),
		chromedp.Click(chromedp.CSS(`button[value="publish"]`)),
		chromedp.WaitVisible(chromedp.CSS(`article.h-entry .u-in-reply-to`)),
	)
	if got := text("article.h-entry .u-in-reply-to"); got != "Task 1: Your first page" {
		t.Errorf("reply context %q", got)
	}
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`article.h-entry .u-in-reply-to`), "href"))
	if err != nil || href.Value != course.URL+"/tasks/1?lang=en&v=2" {
		t.Errorf("u-in-reply-to href %q (%v)", href.Value, err)
	}
	do("mentions page", chromedp.Navigate(base+"/admin/mentions"), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	console.sync(ctx, t)
	if bad := console.problems(); len(bad) > 0 {
		t.Errorf("console problems:\n  %s", strings.Join(bad, "\n  "))
	}
	closeBrowser()
}
