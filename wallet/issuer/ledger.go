package issuer

import (
	"context"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify/ledger"
)

// Record types (ledger.TypeAward, ledger.TypeRevocation).
const (
	RecordAward      = ledger.TypeAward
	RecordRevocation = ledger.TypeRevocation
)

// Ledger records awards and revocations in the issuer ledger (DESIGN.md,
// "The issuer ledger"). Append must be safe to call again with the same
// record after a failure: the ledger job retries an Append whose outcome
// was not noted on the award.
type Ledger interface {
	Append(ctx context.Context, r ledger.Record) error
}

// LedgerFunc adapts a function to Ledger.
type LedgerFunc func(ctx context.Context, r ledger.Record) error

// Append calls f.
func (f LedgerFunc) Append(ctx context.Context, r ledger.Record) error { return f(ctx, r) }

// LedgerRecordOf is the ledger record of an award ("award") or of its
// revocation ("revocation"). It carries no plain personal data: the
// recipient is the salted sha256$ identity.
func (s *Service) LedgerRecordOf(w Award, typ string) (ledger.Record, error) {
	d, err := ledger.Digest(w.Credential)
	if err != nil {
		return ledger.Record{}, err
	}
	r := ledger.Record{Type: typ, Credential: w.CredentialID, Digest: d, Achievement: s.AchievementURL(w.AchievementID),
		Recipient: w.RecipientHash, Time: w.IssuedAt.UTC().Format(time.RFC3339)}
	if typ == RecordRevocation {
		r.Time, r.Reason = w.RevokedAt.UTC().Format(time.RFC3339), w.Reason
	}
	return r, nil
}

// appendLedger hands the record to the ledger right after the commit and
// notes it on the award; on failure the ledger job retries later.
func (s *Service) appendLedger(ctx context.Context, w Award, typ string) {
	if err := s.toLedger(ctx, w, typ); err != nil {
		s.logger.Warn("issuer ledger append failed; the ledger job will retry", "award", w.ID, "type", typ, "err", err)
	}
}

func (s *Service) toLedger(ctx context.Context, w Award, typ string) error {
	l := s.getLedger()
	if l == nil {
		return nil
	}
	r, err := s.LedgerRecordOf(w, typ)
	if err != nil {
		return err
	}
	if err := l.Append(ctx, r); err != nil {
		return err
	}
	col := "ledger_award_at"
	if typ == RecordRevocation {
		col = "ledger_revocation_at"
	}
	_, err = s.db.W.ExecContext(ctx, "UPDATE issuer_awards SET "+col+" = ? WHERE id = ?", store.Now(), w.ID)
	return err
}
