package mentions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/webmention"
)

// verifyJob fetches a mention's source and decides what it is. A source
// that is gone or no longer links removes the mention; a network problem
// is retried with the queue's backoff.
func (s *Service) verifyJob(ctx context.Context, job jobs.Job) error {
	defer s.changed()
	var p verifyPayload
	if err := job.Decode(&p); err != nil {
		return err
	}
	var source, target, status string
	err := s.db.R.QueryRowContext(ctx, "SELECT source, target, status FROM mentions WHERE id = ?", p.ID).Scan(&source, &target, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted by the owner meanwhile
	}
	if err != nil {
		return err
	}
	rule, err := s.HostRule(ctx, hostOf(source))
	if err != nil {
		return err
	}
	if rule == "blocked" {
		return s.setStatus(ctx, p.ID, StatusBlocked, "")
	}
	m, err := webmention.Verify(ctx, s.net, source, target)
	if err != nil {
		return s.verifyFailed(ctx, p.ID, status, err)
	}
	next := StatusPending
	if rule == "trusted" || status == StatusApproved {
		next = StatusApproved
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE mentions SET status = ?, type = ?, author_name = ?, author_url = ?,
			author_photo = ?, title = ?, content_html = ?, content_text = ?, url = ?, published_at = ?, error = '',
			verified_at = ?, updated_at = ? WHERE id = ?`,
			next, m.Type, m.Author.Name, m.Author.URL, m.Author.Photo, m.Title, m.Content, m.Text, m.URL,
			nullTime(m.Published), store.Now(), store.Now(), p.ID)
		if err != nil {
			return err
		}
		if m.Type == webmention.TypeAward && rule == "trusted" {
			return s.fileAward(ctx, tx, p.ID, m)
		}
		return nil
	})
}

// verifyFailed records why a source did not verify. Gone or unlinked means
// deleted (or rejected, if it never verified); retryable problems go back
// to the queue; anything else is a rejection with its reason.
func (s *Service) verifyFailed(ctx context.Context, id int64, status string, err error) error {
	if retry, after := webmention.Retryable(err); retry {
		if after > 0 {
			return jobs.RetryAfter(after, err)
		}
		return err
	}
	gone := errors.Is(err, webmention.ErrSourceGone) || errors.Is(err, webmention.ErrNoLink)
	verified := status == StatusPending || status == StatusApproved || status == StatusDeleted
	if verified && !gone {
		// A source that verified before and now fails otherwise (a 404, a
		// wrong type) may be a passing fault: keep the mention, note why.
		_, werr := s.db.W.ExecContext(ctx, "UPDATE mentions SET error = ?, updated_at = ? WHERE id = ?", err.Error(), store.Now(), id)
		return werr
	}
	next := StatusRejected
	if gone && verified {
		next = StatusDeleted
	}
	if serr := s.setStatus(ctx, id, next, err.Error()); serr != nil {
		return serr
	}
	if next == StatusDeleted {
		// What the source no longer says is not kept or shown.
		_, cerr := s.db.W.ExecContext(ctx, "UPDATE mentions SET content_html = '', content_text = '', title = '' WHERE id = ?", id)
		return cerr
	}
	return nil
}

func (s *Service) setStatus(ctx context.Context, id int64, status, reason string) error {
	_, err := s.db.W.ExecContext(ctx, "UPDATE mentions SET status = ?, error = ?, updated_at = ? WHERE id = ?",
		status, reason, store.Now(), id)
	return err
}

// fileAward puts a trusted issuer's award in the inbox and moves the task
// the evidence post answers to "awarded".
func (s *Service) fileAward(ctx context.Context, tx *sql.Tx, mentionID int64, m webmention.Mention) error {
	a := m.Award
	var postID, taskID any
	if id, ok := s.postFor(ctx, a.Evidence).(int64); ok {
		postID = id
		if p, err := s.journal.Get(ctx, id); err == nil && p.TaskID != 0 {
			taskID = p.TaskID
			if err := s.courses.MarkAwardedTx(ctx, tx, p.TaskID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("mark task awarded: %w", err)
			}
		}
	}
	now := store.Now()
	_, err := tx.ExecContext(ctx, `INSERT INTO awards (mention_id, source, issuer_name, issuer_url, badge_name, badge_url,
		badge_image, evidence, credential_url, post_id, task_id, received_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source) DO UPDATE SET issuer_name = excluded.issuer_name, issuer_url = excluded.issuer_url,
			badge_name = excluded.badge_name, badge_url = excluded.badge_url, badge_image = excluded.badge_image,
			evidence = excluded.evidence, credential_url = excluded.credential_url, post_id = excluded.post_id,
			task_id = excluded.task_id, updated_at = excluded.updated_at`,
		mentionID, m.Source, m.Author.Name, m.Author.URL, a.BadgeName, a.BadgeURL, a.BadgeImage, a.Evidence, a.Credential,
		postID, taskID, now, now)
	return err
}

// Reverify queues a fresh verification of a mention (the owner's button).
func (s *Service) Reverify(ctx context.Context, id int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM mentions WHERE id = ?", id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		_, err := s.jobs.EnqueueTx(ctx, tx, JobVerify, verifyPayload{ID: id}, jobs.MaxAttempts(6))
		return err
	})
}
