package evm_test

import (
	"context"
	"math/big"
	"path/filepath"
	"testing"

	"github.com/cairn-pl/cairn/internal/netx"
	"github.com/cairn-pl/cairn/internal/store/storetest"
	vevm "github.com/cairn-pl/cairn/verify/evm"
	"github.com/cairn-pl/cairn/verify/evm/evmtest"
	"github.com/cairn-pl/cairn/wallet"
	"github.com/cairn-pl/cairn/wallet/evm"
)

// BenchmarkImport100Tokens imports the 100 Learning Tokens of one address
// (25 of each kind) into an empty wallet: read them over JSON-RPC on
// loopback through internal/netx (the connection warm), verify each and
// store it. One iteration is the whole import of 100.
func BenchmarkImport100Tokens(b *testing.B) {
	c := evmtest.Simulated(b, 1)
	ids, amounts := make([]*big.Int, 25), make([]*big.Int, 25)
	for i := range ids {
		ids[i], amounts[i] = big.NewInt(0), big.NewInt(int64(i+1))
	}
	course, ts := big.NewInt(0), big.NewInt(c.CreatedAt)
	c.Transact(b, c.Instructor, "batchMintAttendanceToken", ids, amounts, course, ts, "11.0701", "Programming")
	c.Transact(b, c.Instructor, "batchMintScoreToken", ids, amounts, course, ts, "11.0701", "Solidity")
	c.Transact(b, c.Instructor, "batchMintHelpingToken", ids, amounts, course, ts, "11.0701", "Programming")
	c.Transact(b, c.Instructor, "batchMintInstructorScoreToken", ids, amounts, course, ts, "11.0701")
	url := c.HTTP(b)
	hc := netx.New(netx.Options{AllowPrivate: true}).HTTPClient()
	ctx := context.Background()
	ec, err := vevm.Dial(ctx, url, hc)
	if err != nil {
		b.Fatal(err)
	}
	defer ec.Close()
	holder := evmtest.Addr(c.Learners[0]).Hex()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db := storetest.New(b)
		w := wallet.New(db, nil, nil, quiet())
		svc := evm.New(evm.Config{Store: db, Wallet: w, KeysDir: filepath.Join(b.TempDir(), "keys"), Logger: quiet()})
		svc.Dial = func(context.Context, evm.Network) (evm.Client, error) { return ec, nil }
		w.Use(svc.Middleware)
		n, err := svc.AddNetwork(ctx, evm.Network{Name: "dev", RPCURL: url, ChainID: 1337, Contract: c.Contract.Hex()})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := svc.Import(ctx, n.ID, holder)
		if err != nil || res.Created != 100 {
			b.Fatalf("%d %v", res.Created, err)
		}
	}
}
