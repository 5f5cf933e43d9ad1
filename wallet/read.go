package wallet

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify"
)

// columns are what List and Get read; scan matches them.
var columns = `id, credential_id, digest, original_type, source_url, format, name, description, image,
	issuer_id, issuer_name, issuer_url, recipient, issued, expires, summary_json, verdict, verified_at,
	imported_at, updated_at, report_json, ` + changedAtSQL("credentials.id")

type scanner interface{ Scan(dest ...any) error }

func scan(row scanner) (Credential, error) {
	var c Credential
	var summary, report string
	var verified sql.NullInt64
	var imported, updated int64
	var changed sql.NullInt64
	err := row.Scan(&c.ID, &c.CredentialID, &c.Digest, &c.OriginalType, &c.SourceURL, &c.Format, &c.Name,
		&c.Description, &c.Image, &c.IssuerID, &c.IssuerName, &c.IssuerURL, &c.Recipient, &c.Issued, &c.Expires,
		&summary, &c.Verdict, &verified, &imported, &updated, &report, &changed)
	if err != nil {
		return c, store.MapErr(err)
	}
	// A summary or report that does not decode only loses display detail;
	// the credential itself (its original bytes) is intact.
	_ = json.Unmarshal([]byte(summary), &c.Summary)
	if report != "" {
		var r verify.Report
		if json.Unmarshal([]byte(report), &r) == nil {
			c.Report = &r
		}
	}
	if verified.Valid {
		c.VerifiedAt = store.Time(verified.Int64)
	}
	c.ImportedAt, c.UpdatedAt = store.Time(imported), store.Time(updated)
	if changed.Valid {
		c.ChangedAt = store.Time(changed.Int64)
	}
	return c, nil
}

// List returns every credential with its latest report, newest first.
func (s *Service) List(ctx context.Context) ([]Credential, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+columns+" FROM credentials ORDER BY imported_at DESC, id DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Credential
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Get returns one credential with its latest report (store.ErrNotFound
// when there is none with that id).
func (s *Service) Get(ctx context.Context, id int64) (Credential, error) {
	return scan(s.db.R.QueryRowContext(ctx, "SELECT "+columns+" FROM credentials WHERE id = ?", id))
}

// VerdictChange is one entry of a credential's verdict history.
type VerdictChange struct {
	Verdict string
	At      time.Time
}

// History returns the verdict changes of a credential, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]VerdictChange, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT verdict, at FROM credential_verdicts WHERE credential = ? ORDER BY at, id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VerdictChange
	for rows.Next() {
		var v VerdictChange
		var at int64
		if err := rows.Scan(&v.Verdict, &at); err != nil {
			return nil, err
		}
		v.At = store.Time(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// contentTypes are the media types of the original types.
var contentTypes = map[string]string{
	TypePNG:  "image/png",
	TypeSVG:  "image/svg+xml",
	TypeJSON: "application/json",
	TypeJWS:  "application/jwt",
	TypeURL:  "text/uri-list",
}

// Original returns the credential's bytes exactly as imported and their
// content type.
func (s *Service) Original(ctx context.Context, id int64) ([]byte, string, error) {
	var data []byte
	var typ string
	err := s.db.R.QueryRowContext(ctx, "SELECT original, original_type FROM credentials WHERE id = ?", id).Scan(&data, &typ)
	if err != nil {
		return nil, "", store.MapErr(err)
	}
	return data, contentTypes[typ], nil
}

// Reverify verifies a stored credential again from its original bytes and
// saves the fresh report (a history row when the verdict changed). It
// shares no cache with other verifications: every document and status
// list is fetched afresh ("Verify again"). Batches use ReverifyAll.
func (s *Service) Reverify(ctx context.Context, id int64) (verify.Report, error) {
	data, _, err := s.Original(ctx, id)
	if err != nil {
		return verify.Report{}, err
	}
	rep, err := s.verify(ctx, data)
	if err != nil {
		return rep, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error { return s.saveReport(ctx, tx, id, rep) })
	return rep, err
}

// Delete removes a credential and its history.
func (s *Service) Delete(ctx context.Context, id int64) error {
	res, err := s.db.W.ExecContext(ctx, "DELETE FROM credentials WHERE id = ?", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}
