package issuer

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/webmention"
)

// RegisterJobs registers the Webmention and ledger jobs on q.
func (s *Service) RegisterJobs(q *jobs.Queue) {
	q.Register(JobWebmention, s.mentionJob)
	q.Register(JobLedger, s.ledgerJob)
}

// mentionJob sends a Webmention from the award page to the evidence post.
// It discovers the endpoint afresh each time. Network errors and 5xx are
// retried with backoff, 429 after its Retry-After, other 4xx never.
func (s *Service) mentionJob(ctx context.Context, job jobs.Job) error {
	var p awardPayload
	if err := job.Decode(&p); err != nil {
		return jobs.Permanent(err)
	}
	w, err := s.GetAward(ctx, p.Award)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if w.Evidence == "" {
		return nil
	}
	if s.net == nil {
		return jobs.Permanent(errors.New("issuer: no outbound client"))
	}
	res, err := webmention.SendMention(ctx, s.net, s.AwardURL(w.ID), w.Evidence)
	if err != nil {
		s.noteMention(ctx, w.ID, "failed", err.Error())
		retry, after := webmention.Retryable(err)
		switch {
		case retry && after > 0:
			return jobs.RetryAfter(after, err)
		case retry:
			return err
		}
		return jobs.Permanent(err)
	}
	if res.Outcome == webmention.NoEndpoint {
		s.noteMention(ctx, w.ID, "no-endpoint", "")
		return nil
	}
	s.noteMention(ctx, w.ID, "sent", "")
	return nil
}

func (s *Service) noteMention(ctx context.Context, id, status, msg string) {
	var at any
	if status == "sent" {
		at = store.Now()
	}
	if _, err := s.db.W.ExecContext(ctx, `UPDATE issuer_awards SET mention_status = ?, mention_error = ?,
		mention_at = coalesce(?, mention_at) WHERE id = ?`, status, msg, at, id); err != nil {
		s.logger.Error("note award webmention", "award", id, "err", err)
	}
}

// ledgerJob appends an award's (or revocation's) record when the attempt
// right after the award did not reach the ledger.
func (s *Service) ledgerJob(ctx context.Context, job jobs.Job) error {
	var p awardPayload
	if err := job.Decode(&p); err != nil {
		return jobs.Permanent(err)
	}
	if s.getLedger() == nil {
		return nil
	}
	col := "ledger_award_at"
	if p.Type == RecordRevocation {
		col = "ledger_revocation_at"
	} else if p.Type != RecordAward {
		return jobs.Permanent(errors.New("issuer: unknown ledger record type " + p.Type))
	}
	var done sql.NullInt64
	if err := s.db.R.QueryRowContext(ctx, "SELECT "+col+" FROM issuer_awards WHERE id = ?", p.Award).Scan(&done); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	if done.Valid {
		return nil
	}
	w, err := s.GetAward(ctx, p.Award)
	if err != nil {
		return err
	}
	return s.toLedger(ctx, w, p.Type)
}
