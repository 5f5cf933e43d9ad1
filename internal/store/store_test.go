package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/store/storetest"
)

func TestOpenCreatesDataDirAndUsesWAL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
	pragmas := map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"busy_timeout": "10000",
	}
	for name, want := range pragmas {
		var got string
		if err := db.W.QueryRow("PRAGMA " + name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("writer PRAGMA %s = %q, want %q", name, got, want)
		}
	}
	var fk string
	if err := db.R.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != "1" {
		t.Errorf("reader foreign_keys = %q, %v", fk, err)
	}
	if st := db.W.Stats(); st.MaxOpenConnections != 1 {
		t.Errorf("writer pool allows %d connections, want 1", st.MaxOpenConnections)
	}
}

func TestReaderPoolIsReadOnly(t *testing.T) {
	db := storetest.New(t)
	_, err := db.R.Exec("UPDATE owner SET name = 'x'")
	if err == nil {
		t.Fatal("reader pool accepted a write")
	}
}

func TestWritesAreVisibleToReaders(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec("UPDATE owner SET name = ?", "Ada")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := db.R.QueryRow("SELECT name FROM owner WHERE id = 1").Scan(&name); err != nil || name != "Ada" {
		t.Fatalf("reader saw %q, %v", name, err)
	}
}

func TestTxRollsBackOnError(t *testing.T) {
	db := storetest.New(t)
	boom := errors.New("boom")
	err := db.Tx(context.Background(), func(tx *sql.Tx) error {
		if _, err := tx.Exec("UPDATE owner SET name = 'lost'"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	var name string
	db.R.QueryRow("SELECT name FROM owner").Scan(&name)
	if name == "lost" {
		t.Fatal("rolled-back write is visible")
	}
}

func TestConcurrentWritersDoNotFail(t *testing.T) {
	db := storetest.New(t)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Tx(context.Background(), func(tx *sql.Tx) error {
				_, err := tx.Exec("INSERT INTO identities (value, created_at) VALUES (?, ?)",
					"mailto:u"+string(rune('a'+i%26))+strings.Repeat("x", i)+"@example.org", store.Now())
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	db.R.QueryRow("SELECT count(*) FROM identities").Scan(&n)
	if n != 40 {
		t.Fatalf("%d rows, want 40", n)
	}
}

func TestMapErr(t *testing.T) {
	db := storetest.New(t)
	insert := func() error {
		_, err := db.W.Exec("INSERT INTO identities (value, created_at) VALUES ('mailto:a@b.example', 0)")
		return store.MapErr(err)
	}
	if err := insert(); err != nil {
		t.Fatal(err)
	}
	if err := insert(); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate insert: %v, want ErrConflict", err)
	}
	err := store.MapErr(db.R.QueryRow("SELECT id FROM identities WHERE value = 'none'").Scan(new(int)))
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing row: %v, want ErrNotFound", err)
	}
}

func TestBackupWhileWriting(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	if _, err := db.W.Exec("UPDATE owner SET name = 'Backed Up'"); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, target); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, target); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second backup to the same file: %v", err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}
	restored, err := store.OpenFile(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var name string
	restored.R.QueryRow("SELECT name FROM owner").Scan(&name)
	if name != "Backed Up" {
		t.Fatalf("restored name %q", name)
	}
}
