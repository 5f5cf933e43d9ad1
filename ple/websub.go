package ple

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/netx"
)

// WebSub publishing: after a post is published, updated or deleted, the
// hub named in Settings is told which feeds changed (hub.mode=publish, the
// de facto ping of the W3C WebSub publisher side). Off while no hub is set.

// SettingWebSubHub is the settings key of the hub URL.
const SettingWebSubHub = "websub_hub"

const websubJob = "websub.publish"

type websubPayload struct {
	Hub  string   `json:"hub"`
	URLs []string `json:"urls"`
}

// Settings reads and writes the small owner settings table.
type Settings struct{ j *Journal }

// Settings gives access to the journal's settings.
func (j *Journal) Settings() Settings { return Settings{j} }

// Get returns a setting, "" when unset.
func (s Settings) Get(ctx context.Context, key string) (string, error) {
	var v string
	err := s.j.db.R.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}

// SetWebSubHub saves the hub URL ("" switches WebSub off).
func (s Settings) SetWebSubHub(ctx context.Context, hub string) error {
	hub = strings.TrimSpace(hub)
	if hub != "" {
		u, err := url.Parse(hub)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("the WebSub hub must be an absolute http(s) URL")
		}
	}
	if hub == "" {
		_, err := s.j.db.W.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", SettingWebSubHub)
		return err
	}
	_, err := s.j.db.W.ExecContext(ctx,
		"INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		SettingWebSubHub, hub)
	return err
}

// FeedURLs lists the absolute URLs of every feed a post appears in: the
// main feeds, its tags' feeds and, for the owner's tasks, the task feeds.
func (j *Journal) FeedURLs(p Post) []string {
	var paths []string
	add := func(prefix string) {
		for _, ext := range []string{"feed.xml", "feed.atom", "feed.json"} {
			paths = append(paths, prefix+ext)
		}
	}
	add("/")
	for _, t := range p.Tags {
		add("/tags/" + url.PathEscape(t) + "/")
	}
	if p.IsTask {
		add("/tasks/")
	}
	out := make([]string, len(paths))
	for i, path := range paths {
		out[i] = j.baseURL + path
	}
	return out
}

// EnableWebSub makes every post change ping the configured hub, and
// registers the job that does it through the outbound client.
func (j *Journal) EnableWebSub(client *netx.Client) {
	j.jobs.Register(websubJob, func(ctx context.Context, job jobs.Job) error {
		var p websubPayload
		if err := job.Decode(&p); err != nil {
			return err
		}
		return pingHub(ctx, client, p)
	})
	j.OnChange(func(ctx context.Context, tx *sql.Tx, e Event) error {
		var hub string
		err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", SettingWebSubHub).Scan(&hub)
		if err == sql.ErrNoRows || hub == "" {
			return nil
		}
		if err != nil {
			return err
		}
		urls := j.FeedURLs(e.Post)
		if e.Old.ID != 0 {
			urls = union(urls, j.FeedURLs(e.Old)) // removed tags' feeds changed too
		}
		_, err = j.jobs.EnqueueTx(ctx, tx, websubJob, websubPayload{Hub: hub, URLs: urls}, jobs.MaxAttempts(6))
		return err
	})
}

// pingHub sends one publish notification per feed URL. Hubs answer 204 (or
// any 2xx); a 4xx other than 429 will not improve with retries.
func pingHub(ctx context.Context, client *netx.Client, p websubPayload) error {
	for _, u := range p.URLs {
		form := url.Values{"hub.mode": {"publish"}, "hub.url": {u}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Hub, strings.NewReader(form.Encode()))
		if err != nil {
			return jobs.Permanent(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Fetch(req, netx.WithMaxBody(64<<10))
		if err != nil {
			return fmt.Errorf("WebSub hub %s: %w", p.Hub, err)
		}
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
		case resp.StatusCode == http.StatusTooManyRequests:
			return jobs.RetryAfter(retryAfter(resp.Header.Get("Retry-After")), fmt.Errorf("WebSub hub %s: 429", p.Hub))
		case resp.StatusCode >= 500:
			return fmt.Errorf("WebSub hub %s answered %d", p.Hub, resp.StatusCode)
		default:
			return jobs.Permanent(fmt.Errorf("WebSub hub %s refused %s with %d", p.Hub, u, resp.StatusCode))
		}
	}
	return nil
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), with a
// minute as the default and a day as the cap.
func retryAfter(v string) time.Duration {
	d := time.Minute
	if secs, err := time.ParseDuration(strings.TrimSpace(v) + "s"); err == nil && secs > 0 {
		d = secs
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return min(max(d, time.Second), 24*time.Hour)
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(a, b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
