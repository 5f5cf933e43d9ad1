package wallet

import "time"

// SetNow replaces the wallet's clock (tests only).
func (s *Service) SetNow(now func() time.Time) { s.now = now }
