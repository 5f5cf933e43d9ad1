package evm_test

import (
	"context"
	"testing"

	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/verify"
	"github.com/cairn-pl/cairn/verify/evm"
	"github.com/cairn-pl/cairn/verify/evm/evmtest"
)

// BenchmarkVerifyOneToken verifies one Learning Token (a score token)
// over JSON-RPC on loopback through internal/netx, the connection warm:
// chain id, code, receipt, transaction, course, institution, instructor
// and balance, 8 calls, nothing cached between iterations.
func BenchmarkVerifyOneToken(b *testing.B) {
	c := evmtest.Simulated(b, 1)
	c.MintAll(b, 0)
	ctx := context.Background()
	ec, err := evm.Dial(ctx, c.HTTP(b), netx.New(netx.Options{AllowPrivate: true}).HTTPClient())
	if err != nil {
		b.Fatal(err)
	}
	defer ec.Close()
	recs, err := evm.NewChain(ec, c.Contract).Read(ctx, evmtest.Addr(c.Learners[0]))
	if err != nil {
		b.Fatal(err)
	}
	data := recs[1].Marshal()
	opts := evm.Options{TrustedIssuers: trusted(c)}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if rep := evm.Verify(ctx, evm.NewChain(ec, c.Contract), data, opts); rep.Verdict != verify.VerdictValid {
			b.Fatal(rep.Checks)
		}
	}
}

// BenchmarkVerifyOneTokenKnownChain is the wallet's re-verification: the
// chain id and the contract's code are known from an earlier verification
// of the same network (Chain.Known), so 6 calls remain.
func BenchmarkVerifyOneTokenKnownChain(b *testing.B) {
	c := evmtest.Simulated(b, 1)
	c.MintAll(b, 0)
	ctx := context.Background()
	ec, err := evm.Dial(ctx, c.HTTP(b), netx.New(netx.Options{AllowPrivate: true}).HTTPClient())
	if err != nil {
		b.Fatal(err)
	}
	defer ec.Close()
	recs, err := evm.NewChain(ec, c.Contract).Read(ctx, evmtest.Addr(c.Learners[0]))
	if err != nil {
		b.Fatal(err)
	}
	data := recs[1].Marshal()
	opts := evm.Options{TrustedIssuers: trusted(c)}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ch := evm.NewChain(ec, c.Contract)
		ch.Known(c.ChainID, true)
		if rep := evm.Verify(ctx, ch, data, opts); rep.Verdict != verify.VerdictValid {
			b.Fatal(rep.Checks)
		}
	}
}
