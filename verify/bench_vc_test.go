package verify_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/cairn-pl/cairn/internal/testissuer"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/sign"
)

// warmOptions verify against the loopback issuer with a shared cache, as
// the wallet does, so DID documents and status lists are fetched once.
func warmOptions(is *testissuer.VC) verify.Options {
	o := is.Options()
	o.Cache = verify.NewCache(time.Hour)
	return o
}

func BenchmarkVerifyVCDataIntegrity(b *testing.B) {
	for _, suite := range []string{sign.RDFC, sign.JCS} {
		b.Run(suite, func(b *testing.B) {
			is := newVCIssuer(b)
			in := mustJSON(is.Sign(is.Credential(3), suite))
			o := warmOptions(is)
			if r := verify.Verify(context.Background(), in, o); r.Verdict != verify.VerdictValid {
				b.Fatalf("verdict %s: %s", r.Verdict, dump(r))
			}
			b.ReportAllocs()
			for b.Loop() {
				verify.Verify(context.Background(), in, o)
			}
		})
	}
}

// BenchmarkVerifyVCDataIntegrityCold verifies a credential as if never
// seen before: the processed contexts, the DID document and the status
// lists stay cached (as once a wallet has met its issuers), but the
// document is canonicalised and schema-checked from scratch each time.
func BenchmarkVerifyVCDataIntegrityCold(b *testing.B) {
	is := newVCIssuer(b)
	in := is.SignJSON(is.Credential(3), sign.RDFC)
	o := warmOptions(is)
	if r := verify.Verify(context.Background(), in, o); r.Verdict != verify.VerdictValid {
		b.Fatalf("verdict %s", r.Verdict)
	}
	b.ReportAllocs()
	for b.Loop() {
		verify.ForgetResults()
		verify.Verify(context.Background(), in, o)
	}
}

func BenchmarkVerifyVCJWT(b *testing.B) {
	is := newVCIssuer(b)
	doc := is.Credential(3)
	delete(doc, "credentialStatus")
	in := []byte(is.JWT(doc, is.Key, is.VM))
	o := warmOptions(is)
	if r := verify.Verify(context.Background(), in, o); r.Verdict != verify.VerdictValid {
		b.Fatalf("verdict %s: %s", r.Verdict, dump(r))
	}
	b.ReportAllocs()
	for b.Loop() {
		verify.Verify(context.Background(), in, o)
	}
}

// BenchmarkVerifyWallet1000 re-verifies a wallet of 1,000 credentials
// (eddsa-rdfc-2022, eddsa-jcs-2022, VC-JWT EdDSA and ES256, each with
// revocation and suspension lists) on every core, as the wallet's
// re-verify job does. One op is the whole wallet.
func BenchmarkVerifyWallet1000(b *testing.B) {
	is := newVCIssuer(b)
	inputs := make([][]byte, 1000)
	for i := range inputs {
		doc := is.Credential(i)
		doc["id"] = fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i)
		switch i % 4 {
		case 0:
			inputs[i] = mustJSON(is.Sign(doc, sign.RDFC))
		case 1:
			inputs[i] = mustJSON(is.Sign(doc, sign.JCS))
		case 2:
			inputs[i] = []byte(is.JWT(doc, is.Key, is.VM))
		default:
			inputs[i] = []byte(is.JWT(doc, is.ECKey, is.DID+"#key-ec"))
		}
	}
	o := warmOptions(is)
	for i, in := range inputs {
		if r := verify.Verify(context.Background(), in, o); r.Verdict != verify.VerdictValid {
			b.Fatalf("credential %d: verdict %s: %s", i, r.Verdict, dump(r))
		}
	}
	workers := runtime.GOMAXPROCS(0)
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		next := make(chan []byte)
		for range workers {
			wg.Go(func() {
				for in := range next {
					verify.Verify(context.Background(), in, o)
				}
			})
		}
		for _, in := range inputs {
			next <- in
		}
		close(next)
		wg.Wait()
	}
}
