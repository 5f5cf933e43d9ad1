package verify

import (
	"context"
	"testing"
)

func BenchmarkVerifyOB2Signed(b *testing.B) {
	f, jws := signedWorld(b, "RS256", testRSAKey(b), nil)
	in := []byte(jws)
	o := Options{Fetcher: f, Now: fixedNow, Recipients: []string{email}}
	if r := Verify(context.Background(), in, o); r.Verdict != VerdictValid {
		b.Fatalf("verdict %s: %s", r.Verdict, dump(r))
	}
	f.quiet = true
	b.ReportAllocs()
	for b.Loop() {
		Verify(context.Background(), in, o)
	}
}

func BenchmarkVerifyOB2Hosted(b *testing.B) {
	f, in := hostedWorld(b)
	o := Options{Fetcher: f, Now: fixedNow, Recipients: []string{email}}
	if r := Verify(context.Background(), in, o); r.Verdict != VerdictValid {
		b.Fatalf("verdict %s: %s", r.Verdict, dump(r))
	}
	f.quiet = true
	b.ReportAllocs()
	for b.Loop() {
		Verify(context.Background(), in, o)
	}
}
