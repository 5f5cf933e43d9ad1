package roster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple/feedpoll"
)

// taskIndex answers "which task is this URL?" and "which task carries this
// hashtag?" for one matching run.
type taskIndex struct {
	exact   map[string]Task // task URL as published
	loose   map[string]Task // issuer-origin tasks by their tolerant key
	byTag   map[string]Task // hashtags carried by exactly one task
	base    *url.URL
	ordered []Task
}

func (s *Service) loadTasks(ctx context.Context) (*taskIndex, error) {
	if s.tasks == nil {
		return &taskIndex{base: s.base}, nil
	}
	list, err := s.tasks.Tasks(ctx)
	if err != nil {
		return nil, fmt.Errorf("roster: load tasks: %w", err)
	}
	ix := &taskIndex{exact: map[string]Task{}, loose: map[string]Task{}, byTag: map[string]Task{}, base: s.base}
	tagCount := map[string]int{}
	for _, t := range list {
		if t.URL == "" {
			continue
		}
		ix.ordered = append(ix.ordered, t)
		ix.exact[t.URL] = t
		if k, ok := ix.looseKey(t.URL); ok {
			ix.loose[k] = t
		}
		if t.Hashtag != "" {
			tagCount[t.Hashtag]++
			ix.byTag[t.Hashtag] = t
		}
	}
	// A hashtag on several tasks is a course tag, not a task's: it cannot
	// say which task a post answers.
	for tag, n := range tagCount {
		if n > 1 {
			delete(ix.byTag, tag)
		}
	}
	return ix, nil
}

// looseKey is the comparison key of a URL on the issuer's own origin:
// http and https alike, a trailing slash ignored. URLs elsewhere have none
// and are compared exactly.
func (ix *taskIndex) looseKey(raw string) (string, bool) {
	if ix.base == nil || ix.base.Host == "" {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Host, ix.base.Host) {
		return "", false
	}
	if sc := strings.ToLower(u.Scheme); sc != "http" && sc != "https" {
		return "", false
	}
	k := strings.ToLower(u.Host) + strings.TrimSuffix(u.EscapedPath(), "/")
	if u.RawQuery != "" || u.ForceQuery {
		k += "?" + u.RawQuery
	}
	if u.Fragment != "" {
		k += "#" + u.EscapedFragment()
	}
	return k, true
}

// byURL returns the task a URL names.
func (ix *taskIndex) byURL(raw string) (Task, bool) {
	if t, ok := ix.exact[raw]; ok {
		return t, true
	}
	if k, ok := ix.looseKey(raw); ok {
		t, ok := ix.loose[k]
		return t, ok
	}
	return Task{}, false
}

type match struct {
	task Task
	by   string
}

// matchOne applies the rule: tasks named by in-reply-to; else tasks whose
// hashtag the post carries.
func (ix *taskIndex) matchOne(inReplyTo, tags []string) []match {
	var out []match
	seen := map[string]bool{}
	for _, r := range inReplyTo {
		if t, ok := ix.byURL(r); ok && !seen[t.URL] {
			seen[t.URL] = true
			out = append(out, match{t, ByInReplyTo})
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, tag := range tags {
		if t, ok := ix.byTag[tag]; ok && !seen[t.URL] {
			seen[t.URL] = true
			out = append(out, match{t, ByHashtag})
		}
	}
	return out
}

// matchPosts matches a learner's harvested posts (learnerID 0: everyone's)
// against the current tasks. Posts whose page is still to be read wait.
// Existing submissions are kept as they are (a dismissed one stays
// dismissed), so running it again adds only what is new: a task published
// after the post was harvested, say.
func (s *Service) matchPosts(ctx context.Context, learnerID int64) error {
	ix, err := s.loadTasks(ctx)
	if err != nil {
		return err
	}
	if len(ix.ordered) == 0 {
		return nil
	}
	q := `SELECT p.id, p.learner_id, p.url, p.title, p.excerpt, coalesce(p.published_at, 0), p.in_reply_to, p.tags,
		l.name, l.site_url FROM roster_posts p JOIN roster_learners l ON l.id = p.learner_id
		WHERE p.page_state != 'pending' AND p.url != ''`
	var args []any
	if learnerID != 0 {
		q += ` AND p.learner_id = ?`
		args = append(args, learnerID)
	}
	q += ` ORDER BY p.id DESC LIMIT 5000`
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return store.MapErr(err)
	}
	type cand struct {
		postID, learnerID   int64
		url, title, excerpt string
		published           int64
		name, site          string
		matches             []match
	}
	var cands []cand
	for rows.Next() {
		var c cand
		var replies, tags string
		if err := rows.Scan(&c.postID, &c.learnerID, &c.url, &c.title, &c.excerpt, &c.published, &replies, &tags,
			&c.name, &c.site); err != nil {
			rows.Close()
			return store.MapErr(err)
		}
		if c.matches = ix.matchOne(splitLines(replies), splitLines(tags)); len(c.matches) > 0 {
			cands = append(cands, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.MapErr(err)
	}
	if len(cands) == 0 {
		return nil
	}
	now := store.Millis(s.now())
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO roster_submissions (task_url, task_title, post_url, post_title, excerpt,
			learner_id, learner_name, learner_url, roster_post_id, matched_by, published_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (post_url, task_url) DO NOTHING`)
		if err != nil {
			return store.MapErr(err)
		}
		defer st.Close()
		for _, c := range cands {
			for _, m := range c.matches {
				var pub any
				if c.published != 0 {
					pub = c.published
				}
				if _, err := st.ExecContext(ctx, m.task.URL, m.task.Title, c.url, c.title, c.excerpt, c.learnerID,
					c.name, c.site, c.postID, m.by, pub, now, now); err != nil {
					return store.MapErr(err)
				}
			}
		}
		return nil
	})
}

// SyncMentions turns received Webmentions whose target is a task page into
// submissions: verified ones (pending or approved) that are replies or
// mentions, with the source as the post and the mention's author as the
// learner (who need not be on the roster). It returns how many were added.
// It reads the mentions table, so it needs no hook in ple/mentions; the
// sweeper calls it every SyncInterval.
func (s *Service) SyncMentions(ctx context.Context) (int, error) {
	ix, err := s.loadTasks(ctx)
	if err != nil {
		return 0, err
	}
	if len(ix.ordered) == 0 {
		return 0, nil
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT m.id, m.source, m.target, m.url, m.title, m.content_text, m.author_name,
		m.author_url, coalesce(m.published_at, 0) FROM mentions m
		WHERE m.status IN ('pending', 'approved') AND m.verified_at IS NOT NULL AND m.type IN ('reply', 'mention', '')
		AND NOT EXISTS (SELECT 1 FROM roster_submissions r WHERE r.mention_id = m.id)
		ORDER BY m.id`)
	if err != nil {
		return 0, store.MapErr(err)
	}
	type cand struct {
		id                                   int64
		source, task, taskTitle, title, text string
		name, authorURL                      string
		published                            int64
	}
	var cands []cand
	for rows.Next() {
		var c cand
		var target, permalink string
		if err := rows.Scan(&c.id, &c.source, &target, &permalink, &c.title, &c.text, &c.name, &c.authorURL, &c.published); err != nil {
			rows.Close()
			return 0, store.MapErr(err)
		}
		t, ok := ix.byURL(target)
		if !ok {
			continue
		}
		c.task, c.taskTitle = t.URL, t.Title
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, store.MapErr(err)
	}
	if len(cands) == 0 {
		return 0, nil
	}
	learners, err := s.List(ctx)
	if err != nil {
		return 0, err
	}
	added := 0
	now := store.Millis(s.now())
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, c := range cands {
			var learnerID any
			name, site := c.name, c.authorURL
			for _, l := range learners {
				if sameOrigin(l.SiteURL, c.source) || sameOrigin(l.FeedURL, c.source) {
					learnerID = l.ID
					if name == "" {
						name = l.DisplayName()
					}
					if site == "" {
						site = l.SiteURL
					}
					break
				}
			}
			if name == "" {
				name = feedpoll.HostOf(c.source)
			}
			var pub any
			if c.published != 0 {
				pub = c.published
			}
			// The same post harvested from the learner's feed is the same
			// submission: note the mention on it.
			res, err := tx.ExecContext(ctx, `INSERT INTO roster_submissions (task_url, task_title, post_url, post_title, excerpt,
				learner_id, learner_name, learner_url, mention_id, matched_by, published_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'webmention', ?, ?, ?)
				ON CONFLICT (post_url, task_url) DO UPDATE SET mention_id = excluded.mention_id`,
				c.task, c.taskTitle, c.source, plain(c.title, maxTitle), cut(c.text, maxExcerpt), learnerID, plain(name, maxTitle),
				site, c.id, pub, now, now)
			if err != nil {
				return store.MapErr(err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				added++
			}
		}
		return nil
	})
	return added, err
}

func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host != "" && strings.EqualFold(ua.Host, ub.Host) &&
		strings.EqualFold(ua.Scheme, ub.Scheme)
}

// Submission is one post in the review queue.
type Submission struct {
	ID          int64
	TaskURL     string
	TaskTitle   string
	PostURL     string
	PostTitle   string
	Excerpt     string // plain text
	LearnerID   int64  // 0 for a learner known only by Webmention
	LearnerName string
	LearnerURL  string
	MatchedBy   string
	State       string
	AwardURL    string
	PublishedAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// When is the post's date, else when it reached the queue.
func (s Submission) When() time.Time {
	if !s.PublishedAt.IsZero() {
		return s.PublishedAt
	}
	return s.CreatedAt
}

// Filter selects submissions; empty fields select all.
type Filter struct {
	TaskURL string
	State   string
	Limit   int // default 100, at most 1000
}

const submissionColumns = `id, task_url, task_title, post_url, post_title, excerpt, coalesce(learner_id, 0), learner_name,
	learner_url, matched_by, state, award_url, coalesce(published_at, 0), created_at, updated_at`

func scanSubmission(sc scanner) (Submission, error) {
	var x Submission
	var pub, created, updated int64
	err := sc.Scan(&x.ID, &x.TaskURL, &x.TaskTitle, &x.PostURL, &x.PostTitle, &x.Excerpt, &x.LearnerID, &x.LearnerName,
		&x.LearnerURL, &x.MatchedBy, &x.State, &x.AwardURL, &pub, &created, &updated)
	if err != nil {
		return x, store.MapErr(err)
	}
	x.PublishedAt, x.CreatedAt, x.UpdatedAt = optTime(pub), store.Time(created), store.Time(updated)
	return x, nil
}

// Submissions lists the review queue, newest first.
func (s *Service) Submissions(ctx context.Context, f Filter) ([]Submission, error) {
	where := []string{"1"}
	var args []any
	if f.TaskURL != "" {
		where = append(where, "task_url = ?")
		args = append(args, f.TaskURL)
	}
	if f.State != "" {
		where = append(where, "state = ?")
		args = append(args, f.State)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, min(limit, 1000))
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+submissionColumns+` FROM roster_submissions WHERE `+
		strings.Join(where, " AND ")+` ORDER BY coalesce(published_at, created_at) DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	out := []Submission{}
	for rows.Next() {
		x, err := scanSubmission(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, store.MapErr(rows.Err())
}

// Submission returns one, or store.ErrNotFound.
func (s *Service) Submission(ctx context.Context, id int64) (Submission, error) {
	return scanSubmission(s.db.R.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM roster_submissions WHERE id = ?`, id))
}

// TaskCounts lists the task URLs that have submissions with their titles,
// for the queue's filter.
func (s *Service) TaskCounts(ctx context.Context) ([]Task, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT task_url, max(task_title) FROM roster_submissions
		GROUP BY task_url ORDER BY max(created_at) DESC`)
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var t Task
		if err := rows.Scan(&t.URL, &t.Title); err != nil {
			return nil, store.MapErr(err)
		}
		out = append(out, t)
	}
	return out, store.MapErr(rows.Err())
}

// Dismiss takes a submission out of the queue (it is not a valid answer).
// An awarded submission cannot be dismissed: revoke the award instead.
func (s *Service) Dismiss(ctx context.Context, id int64) error {
	res, err := s.db.W.ExecContext(ctx, `UPDATE roster_submissions SET state = 'dismissed', updated_at = ?
		WHERE id = ? AND state = 'new'`, store.Millis(s.now()), id)
	if err != nil {
		return store.MapErr(err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	x, err := s.Submission(ctx, id)
	if err != nil {
		return err
	}
	if x.State == StateAwarded {
		return invalid("this submission was awarded; revoke the award instead of dismissing it")
	}
	return nil
}

// MarkAwarded records an award made for a submission.
func (s *Service) MarkAwarded(ctx context.Context, id int64, achievementID, awardURL string) error {
	now := store.Millis(s.now())
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE roster_submissions SET state = 'awarded', award_url = ?, updated_at = ?
			WHERE id = ?`, awardURL, now, id)
		if err != nil {
			return store.MapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO roster_awards (submission_id, achievement_id, award_url, created_at)
			VALUES (?, ?, ?, ?)`, id, achievementID, awardURL, now)
		return store.MapErr(err)
	})
}

// AwardResult is the outcome of awarding one submission.
type AwardResult struct {
	Submission int64
	AwardURL   string
	Err        error
}

// ErrIssuerOff means no Awarder is wired: issuer mode is off.
var ErrIssuerOff = errors.New("issuer mode is off: switch it on in Settings to award")

// Award issues achievementID for each submission through a (one award per
// submission: evidence = the post, subject = the learner's site) and marks
// each awarded. One failure does not stop the others; each result says.
func (s *Service) Award(ctx context.Context, a Awarder, ids []int64, achievementID string, amount *float64) ([]AwardResult, error) {
	if a == nil {
		return nil, ErrIssuerOff
	}
	if strings.TrimSpace(achievementID) == "" {
		return nil, invalid("choose an achievement to award")
	}
	if len(ids) == 0 {
		return nil, invalid("choose at least one submission")
	}
	var out []AwardResult
	for _, id := range ids {
		r := AwardResult{Submission: id}
		x, err := s.Submission(ctx, id)
		if err == nil && x.State == StateDismissed {
			err = invalid("submission " + fmt.Sprint(id) + " was dismissed")
		}
		if err == nil {
			subject := x.LearnerURL
			if subject == "" {
				if u, perr := url.Parse(x.PostURL); perr == nil {
					subject = u.Scheme + "://" + u.Host + "/"
				}
			}
			r.AwardURL, err = a.Award(ctx, achievementID, x.PostURL, subject, amount)
		}
		if err == nil {
			err = s.MarkAwarded(ctx, id, achievementID, r.AwardURL)
		}
		r.Err = err
		out = append(out, r)
	}
	return out, nil
}

// Rematch matches every harvested post against the current tasks and
// syncs Webmentions (after a task is published or its hashtag changes).
func (s *Service) Rematch(ctx context.Context) error {
	if err := s.matchPosts(ctx, 0); err != nil {
		return err
	}
	_, err := s.SyncMentions(ctx)
	return err
}
