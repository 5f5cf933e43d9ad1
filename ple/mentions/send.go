package mentions

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/ple"
	"github.com/cairn-pl/cairn/webmention"
)

type sendPayload struct {
	PostID int64  `json:"post_id"`
	Target string `json:"target"`
}

// sendDelay lets a publish-then-quick-edit coalesce into one send per
// target instead of two within the receivers' 30-second window.
const sendDelay = 2 * time.Second

// queueSends runs inside the journal's saving transaction. It records
// every link of the post's h-entry (content and in-reply-to) as a target
// and queues a send to it, and to every target sent before (S10, S13: a
// removed link and a deleted post are re-sent too).
func (s *Service) queueSends(ctx context.Context, tx *sql.Tx, e ple.Event) error {
	targets := s.targets(e.Post)
	if e.Kind == ple.Deleted {
		targets = nil // a tombstone links nowhere; re-send to what was sent
	}
	rows, err := tx.QueryContext(ctx, "SELECT target FROM outgoing_mentions WHERE post_id = ?", e.Post.ID)
	if err != nil {
		return err
	}
	var previous []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		previous = append(previous, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := store.Now()
	for _, t := range union(targets, previous) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outgoing_mentions (post_id, target, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (post_id, target) DO UPDATE SET status = 'queued', updated_at = excluded.updated_at`,
			e.Post.ID, t, now); err != nil {
			return err
		}
		if _, err := s.jobs.EnqueueTx(ctx, tx, JobSend, sendPayload{PostID: e.Post.ID, Target: t},
			jobs.After(sendDelay), jobs.MaxAttempts(8)); err != nil {
			return err
		}
	}
	return nil
}

// targets are the links a post's h-entry makes to other sites: its
// in-reply-to and every link in its content, as written. Links to this
// site are left out: it does not mention itself.
func (s *Service) targets(p ple.Post) []string {
	var out []string
	if p.InReplyTo != "" {
		out = append(out, p.InReplyTo)
	}
	for _, l := range webmention.LinksIn(p.HTML, s.base.ResolveReference(mustURL(p.Path()))) {
		out = append(out, l)
	}
	var external []string
	for _, t := range union(out, nil) {
		if hostOf(t) != strings.ToLower(s.base.Host) {
			external = append(external, t)
		}
	}
	return external
}

// sendJob discovers the target's endpoint afresh (endpoints may be
// one-time URLs) and posts source and target. Network errors and 5xx are
// retried with backoff, 429 after its Retry-After, other 4xx never.
func (s *Service) sendJob(ctx context.Context, job jobs.Job) error {
	var p sendPayload
	if err := job.Decode(&p); err != nil {
		return err
	}
	post, err := s.journal.Get(ctx, p.PostID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	source := s.base.ResolveReference(mustURL(post.Path())).String()
	res, err := webmention.SendMention(ctx, s.net, source, p.Target)
	if err != nil {
		retry, after := webmention.Retryable(err)
		status := 0
		var se *webmention.SendError
		if errors.As(err, &se) {
			status = se.Status
		}
		s.record(ctx, p, "failed", "", status, err.Error())
		switch {
		case retry && after > 0:
			return jobs.RetryAfter(after, err)
		case retry:
			return err
		}
		return jobs.Permanent(err)
	}
	if res.Outcome == webmention.NoEndpoint {
		s.record(ctx, p, "no-endpoint", "", 0, "")
		return nil
	}
	s.record(ctx, p, "sent", res.Endpoint, res.Status, "")
	return nil
}

func (s *Service) record(ctx context.Context, p sendPayload, status, endpoint string, httpStatus int, reason string) {
	var sent any
	if status == "sent" {
		sent = store.Now()
	}
	_, err := s.db.W.ExecContext(ctx, `UPDATE outgoing_mentions SET status = ?, endpoint = ?, http_status = ?, error = ?,
		sent_at = coalesce(?, sent_at), updated_at = ? WHERE post_id = ? AND target = ?`,
		status, endpoint, httpStatus, reason, sent, store.Now(), p.PostID, p.Target)
	if err != nil {
		s.logger.Error("record sent webmention", "post", p.PostID, "err", err)
	}
}
