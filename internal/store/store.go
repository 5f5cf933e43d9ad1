// Package store owns Cairn's one SQLite database: opening it with the right
// pragmas, migrating it, transactions, error mapping and maintenance.
//
// SQLite allows one writer at a time. Rather than let concurrent writers
// fight over the lock (and see SQLITE_BUSY mid-transaction), every write goes
// through W, a pool of exactly one connection whose transactions take the
// write lock at BEGIN (_txlock=immediate). Reads go through R, a read-only
// pool that WAL lets run beside the writer.
//
// Times are stored as INTEGER unix milliseconds (UTC) everywhere; see
// migrations/0001_core.sql.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, so CGO_ENABLED=0 builds)
)

// FileName is the database file inside the data dir.
const FileName = "cairn.db"

// DB is the store: a single-connection writer and a read-only reader pool on
// one SQLite file.
type DB struct {
	W    *sql.DB // writer: exactly one connection, immediate transactions
	R    *sql.DB // readers: read-only, several connections
	Path string
}

// Open creates dir when needed, opens dir/cairn.db, migrates it to the
// latest schema and opens the reader pool. It refuses a database whose
// schema is newer than this binary knows (ErrSchemaTooNew).
func Open(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	return OpenFile(ctx, path)
}

// OpenFile is Open for an explicit database path.
func OpenFile(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", writerDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{W: w, Path: abs}
	// The writer must exist and switch the file to WAL before read-only
	// connections open: a mode=ro connection cannot enable WAL itself.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", abs, err)
	}
	if err := db.Migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", readerDSN(abs))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open readers on %s: %w", abs, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.R = r
	return db, nil
}

// writerDSN lists busy_timeout first so that every later pragma already
// waits for a lock instead of failing at once.
func writerDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_txlock", "immediate")
	return (&url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}).String()
}

// readerDSN omits journal_mode: WAL persists in the file, and a read-only
// connection may not change it.
func readerDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "query_only(1)")
	q.Add("mode", "ro")
	q.Add("_txlock", "deferred")
	return (&url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}).String()
}

// Tx runs fn inside one write transaction, committing when fn returns nil
// and rolling back otherwise.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return MapErr(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return MapErr(tx.Commit())
}

// Close checkpoints the WAL into the main file and closes both pools, so a
// stopped instance leaves one self-contained cairn.db behind.
func (db *DB) Close() error {
	var errs []error
	if db.R != nil {
		errs = append(errs, db.R.Close())
	}
	if db.W != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.W.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			errs = append(errs, fmt.Errorf("checkpoint: %w", err))
		}
		errs = append(errs, db.W.Close())
	}
	return errors.Join(errs...)
}

// Now is the store's clock in its storage unit, unix milliseconds.
func Now() int64 { return time.Now().UnixMilli() }

// Millis converts a time to the storage unit.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// Time converts the storage unit back to a UTC time.
func Time(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
