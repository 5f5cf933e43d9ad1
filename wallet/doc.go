// Package wallet keeps a learner's credentials: import and unbaking, the
// original bytes, extracted fields and the latest verification report.
// Issuer mode (wallet/issuer) and the issuer ledger (wallet/ledger) live
// beneath it. It never imports ple.
package wallet
