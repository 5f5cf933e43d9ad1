package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/cairn-pl/cairn/internal/jobs"
	"github.com/cairn-pl/cairn/internal/store/storetest"
)

// BenchmarkEnqueue measures enqueueing alone, and enqueue plus the claim,
// run (a no-op handler) and delete that completes a job.
func BenchmarkEnqueue(b *testing.B) {
	for _, withRun := range []bool{false, true} {
		name := "enqueue"
		if withRun {
			name = "enqueue+claim+delete"
		}
		b.Run(name, func(b *testing.B) {
			q := jobs.New(storetest.New(b), jobs.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			q.Register("noop", func(context.Context, jobs.Job) error { return nil })
			ctx := context.Background()
			payload := map[string]string{"source": "https://me.example/a", "target": "https://you.example/b"}
			for b.Loop() {
				if _, err := q.Enqueue(ctx, "noop", payload); err != nil {
					b.Fatal(err)
				}
				if withRun {
					if n, err := q.RunOnce(ctx); err != nil || n != 1 {
						b.Fatalf("RunOnce = %d, %v", n, err)
					}
				}
			}
		})
	}
}
