// Package archtest holds the test that keeps Cairn's layers apart, as
// DESIGN.md lays them out. It has no code of its own.
package archtest
