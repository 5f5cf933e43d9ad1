package wallet

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cairn-pl/cairn/verify"
)

// ledgerHeadKey prefixes the settings rows that remember, per issuer, the
// head of its ledger the wallet last verified against: a later chain that
// no longer contains it was rewritten, and the ledger check says "fork".
const ledgerHeadKey = "wallet.ledger_head:"

// ledgerHeads loads the remembered heads by issuer.
func (s *Service) ledgerHeads(ctx context.Context) (map[string]verify.LedgerHead, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT key, value FROM settings WHERE key LIKE ? ESCAPE '\\'",
		strings.ReplaceAll(ledgerHeadKey, "_", `\_`)+"%")
	if err != nil {
		return nil, fmt.Errorf("load ledger heads: %w", err)
	}
	defer rows.Close()
	heads := map[string]verify.LedgerHead{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		var h verify.LedgerHead
		if json.Unmarshal([]byte(v), &h) != nil {
			continue // an unreadable row only loses fork detection for one issuer
		}
		h.Issuer = strings.TrimPrefix(k, ledgerHeadKey)
		heads[h.Issuer] = h
	}
	return heads, rows.Err()
}

// rememberLedgerHead stores the head a passing ledger check saw, moving
// only forward (an older head seen through a cache never replaces a newer
// one).
func rememberLedgerHead(ctx context.Context, tx *sql.Tx, rep verify.Report) error {
	h := rep.Ledger
	if h == nil || h.Issuer == "" {
		return nil
	}
	if c, ok := rep.Check(verify.CheckLedger); !ok || c.Status != verify.StatusPass {
		return nil
	}
	var old string
	err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", ledgerHeadKey+h.Issuer).Scan(&old)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	var prev verify.LedgerHead
	if old != "" && json.Unmarshal([]byte(old), &prev) == nil && prev.Index > h.Index {
		return nil
	}
	b, err := json.Marshal(verify.LedgerHead{Index: h.Index, Hash: h.Hash})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		ledgerHeadKey+h.Issuer, string(b))
	return err
}
