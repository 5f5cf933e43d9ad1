package jobs

import (
	"testing"
	"time"
)

func TestBackoffMath(t *testing.T) {
	base, limit := 30*time.Second, 6*time.Hour
	cases := []struct {
		n    int
		want time.Duration
	}{
		{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute},
		{9, 256 * 30 * time.Second}, {10, 512 * 30 * time.Second}, {11, limit}, {1000, limit},
	}
	for _, c := range cases {
		if got := backoff(c.n, base, limit, 0); got != c.want {
			t.Errorf("backoff(%d) = %v, want %v", c.n, got, c.want)
		}
	}
	if got := backoff(1, base, limit, 0.999999); got < 24*time.Second || got >= 30*time.Second {
		t.Errorf("jittered backoff(1) = %v, want in [24s, 30s)", got)
	}
}
