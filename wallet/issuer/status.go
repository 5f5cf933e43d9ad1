package issuer

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/verify/sign"
)

// StatusListSize is the number of entries of each status list: 16 KiB of
// bits, the Bitstring Status List minimum, so one credential's index says
// little about whom it was issued to.
const StatusListSize = 16 << 10 * 8

// ensureStatusList returns the newest status list, creating the first.
func ensureStatusList(ctx context.Context, tx *sql.Tx, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM issuer_status_lists ORDER BY id DESC LIMIT 1").Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return newStatusList(ctx, tx, now)
	}
	return id, err
}

func newStatusList(ctx context.Context, tx *sql.Tx, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, "INSERT INTO issuer_status_lists (purpose, size, bits, updated_at) VALUES ('revocation', ?, ?, ?)",
		StatusListSize, make([]byte, StatusListSize/8), store.Millis(now))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// allocateIndex picks a random unused index of the newest list (a new list
// when it is three quarters full, so random picks stay cheap).
func allocateIndex(ctx context.Context, tx *sql.Tx, now time.Time) (int64, int, error) {
	list, err := ensureStatusList(ctx, tx, now)
	if err != nil {
		return 0, 0, err
	}
	var used, size int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM issuer_awards WHERE status_list = l.id), l.size
		FROM issuer_status_lists l WHERE l.id = ?`, list).Scan(&used, &size); err != nil {
		return 0, 0, err
	}
	if used >= size*3/4 {
		if list, err = newStatusList(ctx, tx, now); err != nil {
			return 0, 0, err
		}
	}
	for range 1000 {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return 0, 0, err
		}
		idx := int(binary.BigEndian.Uint32(b[:]) % uint32(size))
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM issuer_awards WHERE status_list = ? AND status_index = ?", list, idx).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return list, idx, nil
		}
		if err != nil {
			return 0, 0, err
		}
	}
	return 0, 0, errors.New("issuer: no free status list index")
}

// setBit sets index of list (bit 0 is the most significant bit of byte 0).
func setBit(ctx context.Context, tx *sql.Tx, list int64, index int) error {
	var bits []byte
	if err := tx.QueryRowContext(ctx, "SELECT bits FROM issuer_status_lists WHERE id = ?", list).Scan(&bits); err != nil {
		return store.MapErr(err)
	}
	if index < 0 || index/8 >= len(bits) {
		return errors.New("issuer: status index out of range")
	}
	bits[index/8] |= 0x80 >> (index % 8)
	_, err := tx.ExecContext(ctx, "UPDATE issuer_status_lists SET bits = ? WHERE id = ?", bits, list)
	return err
}

// signStatusList signs the list's BitstringStatusListCredential as it
// stands and caches it.
func (s *Service) signStatusList(ctx context.Context, tx *sql.Tx, list int64, now time.Time) error {
	var bits []byte
	var purpose string
	if err := tx.QueryRowContext(ctx, "SELECT bits, purpose FROM issuer_status_lists WHERE id = ?", list).Scan(&bits, &purpose); err != nil {
		return store.MapErr(err)
	}
	vm, key, err := s.current()
	if err != nil {
		return err
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(bits); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	u := s.StatusListURL(list)
	doc := map[string]any{
		"@context":  []any{ContextVC2},
		"id":        u,
		"type":      []any{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer":    s.did,
		"validFrom": now.UTC().Format(time.RFC3339),
		"credentialSubject": map[string]any{"id": u + "#list", "type": "BitstringStatusList",
			"statusPurpose": purpose, "encodedList": "u" + b64url(z.Bytes())},
	}
	signed, err := sign.AddProof(jsonShaped(doc), key, sign.Options{VerificationMethod: vm, Created: now})
	if err != nil {
		return err
	}
	b, err := json.Marshal(signed)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE issuer_status_lists SET credential = ?, updated_at = ? WHERE id = ?", b, store.Millis(now), list)
	return err
}

// StatusListCredential is the signed status list credential of list,
// signed now when no signed copy is cached yet.
func (s *Service) StatusListCredential(ctx context.Context, list int64) ([]byte, error) {
	if _, err := s.enabledProfile(ctx); err != nil {
		return nil, err
	}
	var cred []byte
	err := s.db.R.QueryRowContext(ctx, "SELECT credential FROM issuer_status_lists WHERE id = ?", list).Scan(&cred)
	if err != nil {
		return nil, store.MapErr(err)
	}
	if len(cred) > 0 {
		return cred, nil
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT credential FROM issuer_status_lists WHERE id = ?", list).Scan(&cred); err != nil {
			return store.MapErr(err)
		}
		if len(cred) > 0 {
			return nil
		}
		if err := s.signStatusList(ctx, tx, list, s.now().UTC().Truncate(time.Second)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT credential FROM issuer_status_lists WHERE id = ?", list).Scan(&cred)
	})
	return cred, err
}
