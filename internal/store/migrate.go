package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one embedded schema step. Version is the number in its file
// name (0001_core.sql is version 1); versions are contiguous from 1.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// ErrSchemaTooNew is returned when the database was written by a newer
// Cairn: running an older binary on it could corrupt data it does not know.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// Migrations lists the embedded migrations in order. It panics on a gap or a
// badly named file: that is a build mistake, not a runtime condition.
func Migrations() []Migration {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		panic(err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			panic(fmt.Sprintf("store: migration file %q is not named NNNN_name.sql", name))
		}
		body, err := migrationFS.ReadFile(path.Join("migrations", name))
		if err != nil {
			panic(err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			panic(fmt.Sprintf("store: migration %s should be version %d", m.Name, i+1))
		}
	}
	return out
}

// LatestVersion is the schema version this binary writes.
func LatestVersion() int { return len(Migrations()) }

// Version reads PRAGMA user_version.
func (db *DB) Version(ctx context.Context) (int, error) {
	var v int
	err := db.W.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// Migrate applies every pending migration, each in its own transaction
// together with the user_version bump, so a failure leaves the database at
// the last complete version. Migrations are forward-only.
func (db *DB) Migrate(ctx context.Context) error {
	return db.MigrateTo(ctx, LatestVersion())
}

// MigrateTo migrates up to version target (tests use it to build databases
// of every earlier version).
func (db *DB) MigrateTo(ctx context.Context, target int) error {
	current, err := db.Version(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	latest := LatestVersion()
	if current > latest {
		return fmt.Errorf("%w: %s has schema version %d, this binary knows up to %d; run a newer cairn (or restore a backup)",
			ErrSchemaTooNew, db.Path, current, latest)
	}
	for _, m := range Migrations() {
		if m.Version <= current || m.Version > target {
			continue
		}
		if err := db.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) apply(ctx context.Context, m Migration) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	// PRAGMA takes no bind parameters; the version is an int we control.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version)); err != nil {
		return fmt.Errorf("migration %s: set version: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.Name, err)
	}
	return nil
}
