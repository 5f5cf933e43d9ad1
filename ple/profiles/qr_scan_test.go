package profiles

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

// TestQRScansForManyURLs: every code drawn must be found by ZXing's
// detector, not only most (before scannableCode, about 4% of share URLs
// gave codes whose data mimicked a finder pattern and did not scan).
func TestQRScansForManyURLs(t *testing.T) {
	const n = 60
	for i := range n {
		h := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		u := "https://learner.example/s/" + base64.RawURLEncoding.EncodeToString(h[:18])
		// The screen size: the print size is the same modules, larger
		// (TestQRPNGDecodes reads both).
		b, err := QRPNG(u, QRScreen)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, b); got != u {
			t.Fatalf("decoded %q, want %q", got, u)
		}
	}
}
