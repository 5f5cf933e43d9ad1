package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database to file with VACUUM INTO.
// It runs on its own connection and works while the server is serving: WAL
// lets it read a snapshot beside the writer. The target must not exist, so a
// backup never overwrites anything.
func (db *DB) Backup(ctx context.Context, file string) error {
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", abs)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO only reads this database (a snapshot, thanks to WAL), but
	// the reader pool is query_only, which SQLite applies to VACUUM too; so
	// it runs on the writer connection, holding it for the copy's duration.
	if _, err := db.W.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		return fmt.Errorf("backup to %s: %w", abs, err)
	}
	return os.Chmod(abs, 0o600)
}

// Optimize runs the periodic maintenance SQLite recommends for long-lived
// connections and truncates the WAL.
func (db *DB) Optimize(ctx context.Context) error {
	if _, err := db.W.ExecContext(ctx, "PRAGMA optimize"); err != nil {
		return err
	}
	_, err := db.W.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}
