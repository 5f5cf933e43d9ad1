// Package account is the owner of a Cairn instance: their profile and
// identities, their password, one-time setup links, browser sessions and API
// tokens. It knows SQL and nothing of HTTP.
package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: 64 MiB, two passes, two lanes. That is above OWASP's
// minimum (19 MiB, t=2) and close to RFC 9106's memory-constrained option,
// while a login still costs well under 100 ms on a 2-core VPS.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	keyLen  uint32
}

var defaultParams = argonParams{memory: 64 * 1024, time: 2, threads: 2, keyLen: 32}

// MinPasswordLen is the shortest password accepted (NIST SP 800-63B).
const MinPasswordLen = 8

// maxPasswordLen bounds the work an attacker can make us do per attempt.
const maxPasswordLen = 1024

// ErrWeakPassword explains what a new password lacks.
var ErrWeakPassword = fmt.Errorf("password must be %d to %d characters", MinPasswordLen, maxPasswordLen)

// CheckPasswordPolicy says whether pw may become the owner password.
func CheckPasswordPolicy(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen || len(pw) > maxPasswordLen || strings.TrimSpace(pw) == "" {
		return ErrWeakPassword
	}
	return nil
}

// HashPassword returns a PHC-format argon2id hash with a random salt.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := defaultParams
	key := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, p.keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("account: malformed password hash")

// PasswordMatches reports whether pw matches the PHC hash, comparing in
// constant time. The parameters come from the hash, so raising the defaults
// later keeps old hashes working.
func PasswordMatches(hash, pw string) (bool, error) {
	if len(pw) > maxPasswordLen {
		return false, nil
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p argonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
