// Package ledger is the write side of the issuer ledger (format
// cairn-ledger/1, DESIGN.md "The issuer ledger"): it appends award and
// revocation records, seals them into mined and signed blocks, and answers
// the public /ledger, /ledger/blocks and /ledger/proof documents. The
// formats, hashing and verification live in verify/ledger.
//
// Wiring (internal/app, internal/web):
//
//	l, err := ledger.New(db, signer, ledger.Options{BlockSize: cfg.LedgerBlockSize,
//	        SealAfter: cfg.LedgerSealAfter, Difficulty: cfg.LedgerDifficulty})
//	l.RegisterJobs(a.Jobs)     // before the workers start
//	l.Schedule(ctx)            // at serve start: one sweeper stays queued
//	// GET /ledger              → l.Document(ctx)
//	// GET /ledger/blocks       → l.Blocks(ctx, from, limit)   (limit capped at MaxPage)
//	// GET /ledger/blocks/{i}   → l.Block(ctx, i)              (ErrNotFound → 404)
//	// GET /ledger/proof        → l.Proof(ctx, credentialID)   (errors.Is(err, ErrNotFound) → 404)
//	// awarding / revoking      → l.AppendTx(ctx, tx, rec) inside the award's transaction
//
// Sealing: a block is sealed when BlockSize records wait or the oldest has
// waited SealAfter. SealDue reads the pending records, mines outside any
// transaction, and commits only if the head and the records are still as
// read (otherwise it starts over), so it is safe to call from several
// goroutines or processes, never loses or reorders a record, and sealing
// twice seals nothing twice.
package ledger

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store"
	vl "github.com/cairn-pl/cairn/verify/ledger"
)

// Signer signs blocks: the issuer's DID, the verification method id of its
// Ed25519 key, and Ed25519 signing (issuer mode provides it).
type Signer interface {
	KeyID() string
	Sign(msg []byte) []byte
	Issuer() string
}

// Ed25519Signer is a Signer over a private key in memory.
type Ed25519Signer struct {
	DID, VM string
	Key     ed25519.PrivateKey
}

func (s Ed25519Signer) KeyID() string          { return s.VM }
func (s Ed25519Signer) Issuer() string         { return s.DID }
func (s Ed25519Signer) Sign(msg []byte) []byte { return ed25519.Sign(s.Key, msg) }

// Options are the ledger settings (--ledger-block-size, --ledger-seal-after,
// --ledger-difficulty). Zero values take the defaults.
type Options struct {
	BlockSize  int           // records per block; default 5
	SealAfter  time.Duration // the longest a record waits; default 10 minutes
	Difficulty int           // leading zero hex digits; default 4
	Now        func() time.Time
}

// Defaults.
const (
	DefaultBlockSize = 5
	DefaultSealAfter = 10 * time.Minute
	// MaxPage caps Blocks' limit.
	MaxPage = 100
)

// ErrNotFound is the not-found family: errors.Is(err, ErrNotFound) holds
// for ErrPending and ErrNoRecord, and for a missing block. It is
// store.ErrNotFound, so handlers that map that to 404 need nothing new.
var ErrNotFound = store.ErrNotFound

// NotFoundError says why Proof found nothing.
type NotFoundError struct {
	Credential string
	Pending    bool // recorded, but its block is not sealed yet
}

func (e *NotFoundError) Error() string {
	if e.Pending {
		return fmt.Sprintf("ledger: the record of %s is pending (not sealed yet)", e.Credential)
	}
	return fmt.Sprintf("ledger: no record of %s", e.Credential)
}

func (e *NotFoundError) Is(target error) bool { return target == store.ErrNotFound }

// ErrPending is matched by errors.Is for a pending record.
var ErrPending = errors.New("ledger: record pending")

// Ledger is the issuer's ledger service.
type Ledger struct {
	db     *store.DB
	signer Signer
	opt    Options
	mu     sync.Mutex // serialises sealing in this process
	queue  *jobs.Queue
	// anchors gives the /ledger document's anchors (SetAnchors); nil: none.
	anchors func(context.Context) ([]json.RawMessage, error)
}

// New returns the ledger over db.
func New(db *store.DB, signer Signer, opts Options) (*Ledger, error) {
	if signer == nil {
		return nil, errors.New("ledger: no signer")
	}
	if opts.BlockSize <= 0 {
		opts.BlockSize = DefaultBlockSize
	}
	if opts.SealAfter <= 0 {
		opts.SealAfter = DefaultSealAfter
	}
	if opts.Difficulty == 0 {
		opts.Difficulty = vl.DefaultDifficulty
	}
	if opts.Difficulty < 0 || opts.Difficulty > vl.MaxMineDifficulty {
		return nil, fmt.Errorf("ledger: difficulty %d outside [0, %d]", opts.Difficulty, vl.MaxMineDifficulty)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Ledger{db: db, signer: signer, opt: opts}, nil
}

var (
	digestRe    = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	recipientRe = regexp.MustCompile(`^sha256\$[0-9a-f]{64}$`)
)

func (l *Ledger) check(r *vl.Record) error {
	if r.Type != vl.TypeAward && r.Type != vl.TypeRevocation {
		return fmt.Errorf("ledger: record type %q is not award or revocation", r.Type)
	}
	if r.Credential == "" {
		return errors.New("ledger: record without a credential id")
	}
	if !digestRe.MatchString(r.Digest) {
		return fmt.Errorf("ledger: digest %q is not sha256:HEX", r.Digest)
	}
	if r.Recipient != "" && !recipientRe.MatchString(r.Recipient) {
		return errors.New("ledger: recipient must be a salted sha256$HEX hash, never plain personal data")
	}
	if r.Time == "" {
		r.Time = l.opt.Now().UTC().Format(time.RFC3339)
	} else if _, err := time.Parse(time.RFC3339, r.Time); err != nil {
		return fmt.Errorf("ledger: time %q is not RFC 3339", r.Time)
	}
	return nil
}

// Append stores rec as pending, in its own transaction; it returns once
// the record is stored. A record of the same type for the same credential
// with the same digest is already there: Append does nothing (retries are
// safe); with another digest it fails with store.ErrConflict.
func (l *Ledger) Append(ctx context.Context, rec vl.Record) error {
	return l.db.Tx(ctx, func(tx *sql.Tx) error { return l.AppendTx(ctx, tx, rec) })
}

// AppendTx is Append inside the caller's write transaction (the award or
// revocation that the record is about), so the record exists iff it
// commits. When the pending records fill a block, it queues a seal job.
func (l *Ledger) AppendTx(ctx context.Context, tx *sql.Tx, rec vl.Record) error {
	if err := l.check(&rec); err != nil {
		return err
	}
	body, err := rec.Canonical()
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO ledger_records (type, credential, digest, body, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (credential, type) DO NOTHING`,
		rec.Type, rec.Credential, rec.Digest, string(body), store.Millis(l.opt.Now()))
	if err != nil {
		return store.MapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var digest string
		if err := tx.QueryRowContext(ctx, `SELECT digest FROM ledger_records WHERE credential = ? AND type = ?`,
			rec.Credential, rec.Type).Scan(&digest); err != nil {
			return store.MapErr(err)
		}
		if digest != rec.Digest {
			return fmt.Errorf("%w: the ledger already has an %s record of %s with another digest", store.ErrConflict, rec.Type, rec.Credential)
		}
		return nil
	}
	if l.queue != nil {
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ledger_records WHERE block_index IS NULL`).Scan(&pending); err != nil {
			return store.MapErr(err)
		}
		if pending%l.opt.BlockSize == 0 {
			if _, err := l.queue.EnqueueTx(ctx, tx, JobSealNow, struct{}{}, jobs.MaxAttempts(3)); err != nil {
				return err
			}
		}
	}
	return nil
}

type pendingRow struct {
	id      int64
	body    string
	created int64
}

// SealDue seals every block that is due at now: full blocks of BlockSize
// records first, then the rest when the oldest has waited SealAfter. It
// returns how many blocks it sealed.
func (l *Ledger) SealDue(ctx context.Context, now time.Time) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sealed := 0
	for attempts := 0; attempts < 100; {
		ok, err := l.sealOne(ctx, now)
		switch {
		case errors.Is(err, errRace):
			attempts++
			continue
		case err != nil:
			return sealed, err
		case !ok:
			return sealed, nil
		}
		sealed++
	}
	return sealed, errors.New("ledger: sealing kept racing another sealer")
}

// errRace means the head or the pending records changed while mining.
var errRace = errors.New("ledger: changed while sealing")

func (l *Ledger) sealOne(ctx context.Context, now time.Time) (bool, error) {
	rows, err := l.db.R.QueryContext(ctx, `SELECT id, body, created_at FROM ledger_records
		WHERE block_index IS NULL ORDER BY id LIMIT ?`, l.opt.BlockSize)
	if err != nil {
		return false, store.MapErr(err)
	}
	var pend []pendingRow
	for rows.Next() {
		var p pendingRow
		if err := rows.Scan(&p.id, &p.body, &p.created); err != nil {
			rows.Close()
			return false, err
		}
		pend = append(pend, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	if len(pend) == 0 {
		return false, nil
	}
	if len(pend) < l.opt.BlockSize && now.Sub(store.Time(pend[0].created)) < l.opt.SealAfter {
		return false, nil
	}
	head, err := l.head(ctx, l.db.R)
	if err != nil {
		return false, err
	}
	b := vl.Block{Index: 0, PreviousHash: vl.GenesisPreviousHash, Timestamp: now.UTC().Format(time.RFC3339)}
	if head != nil {
		b.Index, b.PreviousHash = head.Index+1, head.Hash
	}
	b.Records = make([]vl.Record, len(pend))
	for i, p := range pend {
		if err := json.Unmarshal([]byte(p.body), &b.Records[i]); err != nil {
			return false, fmt.Errorf("ledger: stored record %d: %w", p.id, err)
		}
	}
	root, _, err := vl.RecordsRoot(b.Records)
	if err != nil {
		return false, err
	}
	b.MerkleRoot = root.String()
	if err := vl.MineContext(ctx, &b, l.opt.Difficulty); err != nil {
		return false, err
	}
	if err := vl.SignBlock(&b, l.signer.KeyID(), l.signer.Sign); err != nil {
		return false, err
	}
	err = l.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := l.head(ctx, tx)
		if err != nil {
			return err
		}
		if (cur == nil) != (head == nil) || (cur != nil && cur.Hash != head.Hash) {
			return errRace
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_blocks (block_index, hash, previous_hash, merkle_root,
			timestamp, difficulty, proof, signature, key_id, record_count, sealed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			b.Index, b.Hash, b.PreviousHash, b.MerkleRoot, b.Timestamp, b.Difficulty, int64(b.Proof), b.Signature, b.Key,
			len(b.Records), store.Millis(l.opt.Now())); err != nil {
			if errors.Is(store.MapErr(err), store.ErrConflict) {
				return errRace
			}
			return store.MapErr(err)
		}
		for i, p := range pend {
			res, err := tx.ExecContext(ctx, `UPDATE ledger_records SET block_index = ?, position = ?
				WHERE id = ? AND block_index IS NULL`, b.Index, i, p.id)
			if err != nil {
				return store.MapErr(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errRace
			}
		}
		// Nothing older may still be pending: records are sealed in id order.
		var older int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM ledger_records WHERE block_index IS NULL AND id < ?`,
			pend[len(pend)-1].id).Scan(&older); err != nil {
			return store.MapErr(err)
		}
		if older > 0 {
			return errRace
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return true, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (l *Ledger) head(ctx context.Context, q querier) (*vl.Head, error) {
	var h vl.Head
	err := q.QueryRowContext(ctx, `SELECT block_index, hash, signature FROM ledger_blocks ORDER BY block_index DESC LIMIT 1`).
		Scan(&h.Index, &h.Hash, &h.Signature)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, store.MapErr(err)
	}
	return &h, nil
}

// Head is the last sealed block, or nil before the first.
func (l *Ledger) Head(ctx context.Context) (*vl.Head, error) { return l.head(ctx, l.db.R) }

// Pending counts the records waiting for a block.
func (l *Ledger) Pending(ctx context.Context) (int, error) {
	var n int
	err := l.db.R.QueryRowContext(ctx, `SELECT count(*) FROM ledger_records WHERE block_index IS NULL`).Scan(&n)
	return n, store.MapErr(err)
}

// Blocks lists up to limit blocks (at most MaxPage) from index from, with
// their records in order.
func (l *Ledger) Blocks(ctx context.Context, from int64, limit int) ([]vl.Block, error) {
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	return l.blocks(ctx, from, limit, true)
}

// Block is one block with its records; ErrNotFound when it does not exist.
func (l *Ledger) Block(ctx context.Context, index int64) (*vl.Block, error) {
	bs, err := l.blocks(ctx, index, 1, true)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, fmt.Errorf("ledger: block %d: %w", index, store.ErrNotFound)
	}
	return &bs[0], nil
}

func (l *Ledger) blocks(ctx context.Context, from int64, limit int, withRecords bool) ([]vl.Block, error) {
	if from < 0 {
		from = 0
	}
	rows, err := l.db.R.QueryContext(ctx, `SELECT block_index, hash, previous_hash, merkle_root, timestamp,
		difficulty, proof, signature, key_id FROM ledger_blocks WHERE block_index >= ? ORDER BY block_index LIMIT ?`, from, limit)
	if err != nil {
		return nil, store.MapErr(err)
	}
	var out []vl.Block
	for rows.Next() {
		var b vl.Block
		var proof int64
		if err := rows.Scan(&b.Index, &b.Hash, &b.PreviousHash, &b.MerkleRoot, &b.Timestamp, &b.Difficulty, &proof, &b.Signature, &b.Key); err != nil {
			rows.Close()
			return nil, err
		}
		b.Proof = uint64(proof)
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !withRecords || len(out) == 0 {
		return out, nil
	}
	rrows, err := l.db.R.QueryContext(ctx, `SELECT block_index, body FROM ledger_records
		WHERE block_index BETWEEN ? AND ? ORDER BY block_index, position`, out[0].Index, out[len(out)-1].Index)
	if err != nil {
		return nil, store.MapErr(err)
	}
	defer rrows.Close()
	first := out[0].Index
	for rrows.Next() {
		var bi int64
		var body string
		if err := rrows.Scan(&bi, &body); err != nil {
			return nil, err
		}
		var r vl.Record
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			return nil, fmt.Errorf("ledger: stored record of block %d: %w", bi, err)
		}
		b := &out[bi-first]
		b.Records = append(b.Records, r)
	}
	return out, rrows.Err()
}

// Proof is the /ledger/proof answer for the award record of credentialID
// (the revocation's when the credential has only that). A record still
// pending, or none, is a *NotFoundError (errors.Is ErrNotFound; ErrPending
// too when pending).
func (l *Ledger) Proof(ctx context.Context, credentialID string) (*vl.Proof, error) {
	var bi sql.NullInt64
	var pos sql.NullInt64
	err := l.db.R.QueryRowContext(ctx, `SELECT block_index, position FROM ledger_records WHERE credential = ?
		ORDER BY type = 'award' DESC LIMIT 1`, credentialID).Scan(&bi, &pos)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{Credential: credentialID}
	}
	if err != nil {
		return nil, store.MapErr(err)
	}
	if !bi.Valid {
		return nil, pendingError{&NotFoundError{Credential: credentialID, Pending: true}}
	}
	b, err := l.Block(ctx, bi.Int64)
	if err != nil {
		return nil, err
	}
	_, leaves, err := vl.RecordsRoot(b.Records)
	if err != nil {
		return nil, err
	}
	i := int(pos.Int64)
	path, err := vl.AuditPath(leaves, i)
	if err != nil {
		return nil, err
	}
	return &vl.Proof{Record: b.Records[i], LeafIndex: i, TreeSize: len(leaves), AuditPath: vl.PathStrings(path), Block: b.Header()}, nil
}

// pendingError is a NotFoundError that also matches ErrPending.
type pendingError struct{ *NotFoundError }

func (e pendingError) Is(target error) bool {
	return target == ErrPending || target == store.ErrNotFound
}
func (e pendingError) Unwrap() error { return e.NotFoundError }

// Document is the /ledger answer.
func (l *Ledger) Document(ctx context.Context) (*vl.Document, error) {
	head, err := l.Head(ctx)
	if err != nil {
		return nil, err
	}
	n, err := l.Pending(ctx)
	if err != nil {
		return nil, err
	}
	anchors, err := l.anchorList(ctx)
	if err != nil {
		return nil, err
	}
	return &vl.Document{Format: vl.Format, Issuer: l.signer.Issuer(), Key: l.signer.KeyID(), Head: head,
		Pending: n, Anchors: anchors}, nil
}

// Export is the whole ledger (the document and every block), what
// `cairn ledger verify FILE` reads. Blocks are read up to the head the
// document names, so blocks sealed meanwhile do not make it inconsistent.
func (l *Ledger) Export(ctx context.Context) (*vl.Export, error) {
	doc, err := l.Document(ctx)
	if err != nil {
		return nil, err
	}
	e := &vl.Export{Document: *doc, Blocks: []vl.Block{}}
	if doc.Head == nil {
		return e, nil
	}
	for from := int64(0); from <= doc.Head.Index; {
		bs, err := l.blocks(ctx, from, 1000, true)
		if err != nil {
			return nil, err
		}
		if len(bs) == 0 {
			break
		}
		for _, b := range bs {
			if b.Index > doc.Head.Index {
				return e, nil
			}
			e.Blocks = append(e.Blocks, b)
		}
		from = bs[len(bs)-1].Index + 1
	}
	return e, nil
}
