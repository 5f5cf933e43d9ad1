package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/store"
	_ "modernc.org/sqlite"
)

func TestMigrationsAreContiguous(t *testing.T) {
	ms := store.Migrations()
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if m.Version != i+1 || strings.TrimSpace(m.SQL) == "" {
			t.Fatalf("migration %d: %+v", i, m.Name)
		}
	}
}

// openAt builds a database at schema version v with a raw connection, the
// way an older Cairn would have left it.
func openAt(t *testing.T, v int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), store.FileName)
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, m := range store.Migrations()[:v] {
		if _, err := raw.Exec(m.SQL); err != nil {
			t.Fatalf("apply %s: %v", m.Name, err)
		}
	}
	if _, err := raw.Exec("PRAGMA user_version = " + strconv.Itoa(v)); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMigrateFromEveryVersion upgrades a database of each earlier version to
// the latest and checks the data written at that version survives.
func TestMigrateFromEveryVersion(t *testing.T) {
	latest := store.LatestVersion()
	for v := 0; v <= latest; v++ {
		t.Run("from v"+strconv.Itoa(v), func(t *testing.T) {
			path := openAt(t, v)
			if v >= 1 {
				raw, _ := sql.Open("sqlite", "file:"+path)
				if _, err := raw.Exec("UPDATE owner SET name = 'Kept', password_hash = 'h'"); err != nil {
					t.Fatal(err)
				}
				raw.Close()
			}
			db, err := store.OpenFile(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got, err := db.Version(context.Background())
			if err != nil || got != latest {
				t.Fatalf("version %d, %v; want %d", got, err, latest)
			}
			var name, hash string
			if err := db.R.QueryRow("SELECT name, password_hash FROM owner WHERE id = 1").Scan(&name, &hash); err != nil {
				t.Fatal(err)
			}
			if v >= 1 && (name != "Kept" || hash != "h") {
				t.Fatalf("owner after migration: %q %q", name, hash)
			}
			// Every table of the latest schema is usable.
			for _, table := range []string{"owner", "sessions", "setup_tokens", "api_tokens", "owner_links", "identities", "jobs", "settings", "courses", "tasks", "posts", "post_tags", "mentions", "outgoing_mentions", "host_rules", "awards", "credentials", "credential_verdicts", "trusted_issuers", "ledger_blocks", "ledger_records"} {
				if _, err := db.R.Exec("SELECT count(*) FROM " + table); err != nil {
					t.Errorf("table %s: %v", table, err)
				}
			}
			for _, table := range []string{"issuer_profile", "issuer_achievements", "issuer_achievement_tasks",
				"issuer_status_lists", "issuer_awards"} {
				if _, err := db.R.Exec("SELECT count(*) FROM " + table); err != nil {
					t.Errorf("table %s: %v", table, err)
				}
			}
			// Issuer mode, submissions (0009_roster.sql).
			for _, table := range []string{"roster_learners", "roster_posts", "roster_submissions", "roster_awards"} {
				if _, err := db.R.Exec("SELECT count(*) FROM " + table); err != nil {
					t.Errorf("table %s: %v", table, err)
				}
			}
			// Skill profiles and share links (0010_profiles.sql).
			for _, table := range []string{"profiles", "profile_credentials", "profile_shares"} {
				if _, err := db.R.Exec("SELECT count(*) FROM " + table); err != nil {
					t.Errorf("table %s: %v", table, err)
				}
			}
			// EVM networks and ledger anchors (0011_evm.sql).
			for _, table := range []string{"evm_networks", "ledger_anchors"} {
				if _, err := db.R.Exec("SELECT count(*) FROM " + table); err != nil {
					t.Errorf("table %s: %v", table, err)
				}
			}
		})
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := openAt(t, store.LatestVersion())
	raw, _ := sql.Open("sqlite", "file:"+path)
	if _, err := raw.Exec("PRAGMA user_version = " + strconv.Itoa(store.LatestVersion()+1)); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err := store.OpenFile(context.Background(), path)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("err = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "newer cairn") {
		t.Errorf("message does not say what to do: %v", err)
	}
}

func TestFailedMigrationLeavesPreviousVersion(t *testing.T) {
	path := openAt(t, 1)
	raw, _ := sql.Open("sqlite", "file:"+path)
	// A table the next migration wants to create makes it fail half-way.
	if _, err := raw.Exec("CREATE TABLE jobs (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err := store.OpenFile(context.Background(), path)
	if err == nil {
		t.Fatal("migration over a conflicting table succeeded")
	}
	raw, _ = sql.Open("sqlite", "file:"+path)
	defer raw.Close()
	var v int
	raw.QueryRow("PRAGMA user_version").Scan(&v)
	if v != 1 {
		t.Fatalf("user_version %d after failed migration, want 1", v)
	}
	var n int
	raw.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'owner_links'").Scan(&n)
	if n != 0 {
		t.Fatal("a half-applied migration left tables behind")
	}
}
