package wallet

import (
	"context"
	"database/sql"

	"github.com/cairn-pl/cairn/verify"
)

// ReverifyShared is Reverify with a cache shared between verifications
// (nil: none): the employer's page of a skill profile re-verifies each of
// its credentials live with one verify.Cache, so every issuer's documents
// and status lists are fetched once for all of them. The fresh report is
// saved like Reverify's.
func (s *Service) ReverifyShared(ctx context.Context, id int64, cache *verify.Cache) (verify.Report, error) {
	data, _, err := s.Original(ctx, id)
	if err != nil {
		return verify.Report{}, err
	}
	v, err := s.newVerifier(ctx, cache)
	if err != nil {
		return verify.Report{}, err
	}
	rep := v.verify(ctx, data)
	err = s.db.Tx(ctx, func(tx *sql.Tx) error { return s.saveReport(ctx, tx, id, rep) })
	return rep, err
}
