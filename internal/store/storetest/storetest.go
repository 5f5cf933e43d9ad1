// Package storetest gives tests a real, migrated SQLite store in a temp dir.
// Real files rather than :memory: because the writer and the reader pool
// must see the same database.
package storetest

import (
	"context"
	"testing"

	"github.com/cairn-pl/cairn/internal/store"
)

// New opens a fresh store in t.TempDir() and closes it when the test ends.
func New(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return db
}
