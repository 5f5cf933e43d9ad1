package store_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/cairn-pl/cairn/internal/store"
	"github.com/cairn-pl/cairn/internal/store/storetest"
)

// BenchmarkWrite is one small write transaction through the writer: the
// unit cost of every save.
func BenchmarkWrite(b *testing.B) {
	db := storetest.New(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE owner SET bio = ?, updated_at = ? WHERE id = 1", "bio", store.Now())
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead is one indexed point read through the reader pool.
func BenchmarkRead(b *testing.B) {
	db := storetest.New(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var name string
		if err := db.R.QueryRowContext(ctx, "SELECT name FROM owner WHERE id = 1").Scan(&name); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadParallel shows the reader pool serving readers beside each
// other.
func BenchmarkReadParallel(b *testing.B) {
	db := storetest.New(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var name string
			if err := db.R.QueryRowContext(ctx, "SELECT name FROM owner WHERE id = 1").Scan(&name); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
