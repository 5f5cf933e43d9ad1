package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/jobs"
)

func TestFailedJobsPageAndRetry(t *testing.T) {
	ts := newSite(t).withPassword()
	ctx := context.Background()
	fail := true
	ts.jobs.Register("test.flaky", func(ctx context.Context, j jobs.Job) error {
		if fail {
			return jobs.Permanent(errors.New("remote said no"))
		}
		return nil
	})
	id, err := ts.jobs.Enqueue(ctx, "test.flaky", map[string]string{"secret": "hidden-payload"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.jobs.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	b := ts.browser()
	b.login()
	page := b.get("/admin/jobs").mustStatus(t, http.StatusOK).mustContain(t, "test.flaky", "remote said no", "failed: 1")
	if strings.Contains(page.body, "hidden-payload") {
		t.Fatal("job payload shown on the owner page")
	}
	b.get("/admin/settings").mustContain(t, "1 failed")

	fail = false
	csrf := b.csrf("/admin/jobs")
	b.post("/admin/jobs/"+strconv.FormatInt(id, 10)+"/retry", url.Values{"csrf": {csrf}}).mustStatus(t, http.StatusSeeOther)
	if n, _ := ts.jobs.RunOnce(ctx); n != 1 {
		t.Fatalf("retried job ran %d times", n)
	}
	b.get("/admin/jobs").mustContain(t, "No failed jobs.")
	b.post("/admin/jobs/999/retry", url.Values{"csrf": {csrf}}).mustStatus(t, http.StatusNotFound)
}
