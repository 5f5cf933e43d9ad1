package issuer

import (
	"context"
	"time"

	"github.com/cairn-pl/cairn/verify/sign"
)

// The site as a holder: a learner presents credentials (a skill profile's
// Verifiable Presentation) signed with the site's own key, the same
// Ed25519 keys issuer mode uses, under the same did:web. The DID document
// is then published while the site presents (SetHolder), even with issuer
// mode off.

// SetHolder wires the check that says whether the site presents
// credentials now (a live share link exists); nil: never.
func (s *Service) SetHolder(presenting func(context.Context) (bool, error)) {
	s.mu.Lock()
	s.presenting = presenting
	s.mu.Unlock()
}

// isPresenting reports whether the holder check says yes.
func (s *Service) isPresenting(ctx context.Context) bool {
	s.mu.RLock()
	f := s.presenting
	s.mu.RUnlock()
	if f == nil {
		return false
	}
	ok, err := f(ctx)
	return err == nil && ok
}

// SignPresentation adds an eddsa-rdfc-2022 Data Integrity proof
// (proofPurpose assertionMethod) by the site's current key to doc, making
// the first key when there is none yet (kept 0600, never overwritten).
func (s *Service) SignPresentation(doc map[string]any, created time.Time) (map[string]any, error) {
	if err := s.ensureKey(); err != nil {
		return nil, err
	}
	vm, key, err := s.current()
	if err != nil {
		return nil, err
	}
	return sign.AddProof(jsonShaped(doc), key, sign.Options{VerificationMethod: vm, Created: created})
}
