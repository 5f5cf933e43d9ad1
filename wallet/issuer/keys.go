package issuer

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/verify/did"
)

// Key files are keys/issuer-ed25519-N.key (N = 1, 2, …): PKCS #8 PEM,
// mode 0600, created with O_EXCL and never overwritten. The key with the
// highest N signs; every key stays published (did.json, JWKS) so awards
// signed before a rotation keep verifying. Key material is never logged.
const (
	keyPrefix = "issuer-ed25519-"
	keySuffix = ".key"
)

// Key is a public view of one signing key.
type Key struct {
	N         int    // the number in the file name
	ID        string // verification method id: DID#key-N
	Multibase string // publicKeyMultibase (z6Mk…)
	Public    ed25519.PublicKey
	Created   time.Time // the file's modification time
	Current   bool      // the key that signs new awards
}

type keyPair struct {
	n       int
	priv    ed25519.PrivateKey
	created time.Time
}

func keyFile(dir string, n int) string {
	return filepath.Join(dir, keyPrefix+strconv.Itoa(n)+keySuffix)
}

// loadKeys reads every key file of dir, in order of N. A missing dir is no
// keys. An unreadable or malformed key file is an error: signing with a
// different key than the one published would break verification.
func loadKeys(dir string) ([]keyPair, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: read %s: %w", dir, err)
	}
	var out []keyPair
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, keyPrefix) || !strings.HasSuffix(name, keySuffix) || e.IsDir() {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, keyPrefix), keySuffix))
		if err != nil || n <= 0 {
			continue
		}
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("issuer: read key %s: %w", name, err)
		}
		priv, err := parseKey(b)
		if err != nil {
			return nil, fmt.Errorf("issuer: key %s: %w", name, err)
		}
		created := time.Time{}
		if info, err := e.Info(); err == nil {
			created = info.ModTime().UTC()
		}
		out = append(out, keyPair{n: n, priv: priv, created: created})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n < out[j].n })
	return out, nil
}

func parseKey(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM PRIVATE KEY")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("not an Ed25519 key (%T)", k)
	}
	return priv, nil
}

// createKey generates a key and writes it as key number n. It fails with
// fs.ErrExist when that file exists: a key file is never overwritten.
func createKey(dir string, n int) (keyPair, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return keyPair{}, fmt.Errorf("issuer: create %s: %w", dir, err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return keyPair{}, err
	}
	path := keyFile(dir, n)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return keyPair{}, err
	}
	werr := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		// A half-written file would be refused at the next start; remove
		// it, since it never held a key anyone saw.
		os.Remove(path)
		return keyPair{}, fmt.Errorf("issuer: write key: %w", werr)
	}
	return keyPair{n: n, priv: priv, created: time.Now().UTC()}, nil
}

// addKey writes the next key after the highest existing one, retrying
// when another process took that number first.
func addKey(dir string, existing []keyPair) (keyPair, error) {
	n := 1
	if len(existing) > 0 {
		n = existing[len(existing)-1].n + 1
	}
	for range 100 {
		kp, err := createKey(dir, n)
		if errors.Is(err, fs.ErrExist) {
			n++
			continue
		}
		return kp, err
	}
	return keyPair{}, errors.New("issuer: could not find a free key file name")
}

func (s *Service) vmID(n int) string { return s.did + "#key-" + strconv.Itoa(n) }

// Keys lists the issuer's keys, oldest first; the last one signs.
func (s *Service) Keys() []Key {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Key, len(s.keys))
	for i, kp := range s.keys {
		pub := kp.priv.Public().(ed25519.PublicKey)
		out[i] = Key{N: kp.n, ID: s.vmID(kp.n), Multibase: did.EncodeMultikey(pub), Public: pub,
			Created: kp.created, Current: i == len(s.keys)-1}
	}
	return out
}

// current returns the signing key and its verification method id.
func (s *Service) current() (string, ed25519.PrivateKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.keys) == 0 {
		return "", nil, ErrNoKey
	}
	kp := s.keys[len(s.keys)-1]
	return s.vmID(kp.n), kp.priv, nil
}

// ensureKey generates the first key when there is none (issuer mode
// switched on for the first time).
func (s *Service) ensureKey() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.keys) > 0 {
		return nil
	}
	// Another process (cairn token create, a second serve) may have made
	// one since this one started: read the directory again first.
	keys, err := loadKeys(s.keysDir)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		kp, err := addKey(s.keysDir, nil)
		if err != nil {
			return err
		}
		keys = []keyPair{kp}
		s.logger.Info("issuer key created", "key", s.vmID(kp.n))
	}
	s.keys = keys
	return nil
}

// RotateKey adds a new key, which signs from now on. Old keys stay
// published so that what they signed keeps verifying.
func (s *Service) RotateKey() (Key, error) {
	s.mu.Lock()
	keys, err := loadKeys(s.keysDir)
	if err == nil {
		var kp keyPair
		kp, err = addKey(s.keysDir, keys)
		if err == nil {
			s.keys = append(keys, kp)
			s.logger.Info("issuer key added", "key", s.vmID(kp.n))
		}
	}
	s.mu.Unlock()
	if err != nil {
		return Key{}, err
	}
	ks := s.Keys()
	return ks[len(ks)-1], nil
}

// Sign signs msg with the current key: the ledger signs its block hashes
// with it. It returns the verification method id that verifies the
// signature.
func (s *Service) Sign(msg []byte) (vm string, sig []byte, err error) {
	vm, priv, err := s.current()
	if err != nil {
		return "", nil, err
	}
	return vm, ed25519.Sign(priv, msg), nil
}
