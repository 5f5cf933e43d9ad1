package wallet

import (
	"context"

	"github.com/cairn-pl/cairn/verify"
)

// VerifyFunc is one verification: verify.Verify, or a Middleware wrapped
// around it.
type VerifyFunc func(ctx context.Context, input []byte, opts verify.Options) verify.Report

// Middleware verifies what verify.Verify cannot read, or adds to its
// report, around next (the standard verification, or the next
// middleware). wallet/evm uses one for Learning Tokens on an EVM chain
// (records it keeps as JSON) and for the ledger anchors of an issuer.
type Middleware func(ctx context.Context, input []byte, opts verify.Options, next VerifyFunc) verify.Report

// Use adds a middleware to every verification of the wallet: import,
// re-verification, batches, the employer's page. Call it before the wallet
// is used; the first added runs outermost.
func (s *Service) Use(m Middleware) {
	s.middleware = append(s.middleware, m)
}

// chain builds the verification function through the middleware.
func chain(ms []Middleware) VerifyFunc {
	f := VerifyFunc(verify.Verify)
	for i := len(ms) - 1; i >= 0; i-- {
		m, next := ms[i], f
		f = func(ctx context.Context, input []byte, opts verify.Options) verify.Report {
			return m(ctx, input, opts, next)
		}
	}
	return f
}
