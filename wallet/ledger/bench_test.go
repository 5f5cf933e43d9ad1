package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/wallet/ledger"
)

// BenchmarkSealBlock seals one block of 5 records at difficulty 4 (read,
// mine, sign, commit); records/s = 5 / (ns/op).
func BenchmarkSealBlock(b *testing.B) {
	ctx := context.Background()
	l, _, _ := newLedger(b, ledger.Options{BlockSize: 5, Difficulty: 4, Now: time.Now})
	n := 0
	for b.Loop() {
		b.StopTimer()
		for i := 0; i < 5; i++ {
			if err := l.Append(ctx, record(b, n)); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.StartTimer()
		if s, err := l.SealDue(ctx, time.Now()); err != nil || s != 1 {
			b.Fatalf("sealed %d, %v", s, err)
		}
	}
	b.ReportMetric(float64(5*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkAppend appends one record in its own transaction.
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	l, _, _ := newLedger(b, ledger.Options{BlockSize: 5, Now: time.Now})
	n := 0
	for b.Loop() {
		if err := l.Append(ctx, record(b, n)); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
