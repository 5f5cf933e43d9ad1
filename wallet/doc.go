// Package wallet keeps a learner's credentials: import and unbaking, the
// original bytes, extracted fields and the latest verification report; the
// trusted issuers every verification checks against (the owner's list and
// the followed courses' origins, handed in by internal/app); and the
// totals of the Learning Tokens. Issuer mode (wallet/issuer) and the issuer
// ledger (wallet/ledger) live beneath it. It never imports ple.
package wallet
