// Package ple is the learner's personal learning environment: the journal
// (posts, tags, feeds out), followed courses and their tasks, and skill
// profiles shared by link and QR code. It owns its SQL on the store and
// knows nothing of HTTP or of the wallet; where it needs credentials it
// declares a small interface that internal/app fills.
package ple
