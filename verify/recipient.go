package verify

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// holderIdentity is one of the holder's identities, normalised.
type holderIdentity struct {
	kind  string // email, url, other
	value string
}

func normalizeIdentities(in []string) []holderIdentity {
	out := make([]holderIdentity, 0, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		l := strings.ToLower(s)
		switch {
		case strings.HasPrefix(l, "mailto:"):
			e := s[len("mailto:"):]
			if i := strings.IndexByte(e, '?'); i >= 0 {
				e = e[:i]
			}
			if d, err := url.PathUnescape(e); err == nil {
				e = d
			}
			out = append(out, holderIdentity{"email", e})
		case strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://"):
			out = append(out, holderIdentity{"url", s})
		case strings.Contains(s, "@") && !strings.Contains(s, ":"):
			out = append(out, holderIdentity{"email", s})
		default:
			out = append(out, holderIdentity{"other", s})
		}
	}
	return out
}

// identityHashOK reports whether a hashed identity has the alg$hex form.
func identityHashOK(s string) bool {
	alg, hx, ok := strings.Cut(s, "$")
	if !ok {
		return false
	}
	if _, err := hex.DecodeString(hx); err != nil {
		return false
	}
	switch strings.ToLower(alg) {
	case "sha256":
		return len(hx) == 64
	case "md5":
		return len(hx) == 32
	}
	return false
}

// hashIdentity computes "alg$hex(H(value+salt))".
func hashIdentity(alg, value, salt string) string {
	switch strings.ToLower(alg) {
	case "sha256":
		h := sha256.Sum256([]byte(value + salt))
		return hex.EncodeToString(h[:])
	case "md5":
		h := md5.Sum([]byte(value + salt))
		return hex.EncodeToString(h[:])
	}
	return ""
}

// compatible says whether a holder identity can match a recipient type.
func compatible(kind, typ string) bool {
	switch typ {
	case "email":
		return kind == "email"
	case "url":
		return kind == "url"
	}
	return true
}

func sameURL(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

// matchRecipient returns the holder identity the recipient object names,
// or "" when none matches.
func matchRecipient(typ, identity, salt string, hashed bool, ids []holderIdentity) string {
	typ = strings.ToLower(typ)
	alg, want, _ := strings.Cut(identity, "$")
	for _, h := range ids {
		if !compatible(h.kind, typ) {
			continue
		}
		tries := []string{h.value}
		if t := strings.ToLower(strings.TrimSpace(h.value)); t != h.value {
			tries = append(tries, t)
		}
		for _, v := range tries {
			if hashed {
				if got := hashIdentity(alg, v, salt); got != "" && strings.EqualFold(got, want) {
					return h.value
				}
				continue
			}
			switch typ {
			case "email":
				if strings.EqualFold(strings.TrimSpace(identity), strings.TrimSpace(v)) {
					return h.value
				}
			case "url":
				if sameURL(identity, v) {
					return h.value
				}
			default:
				if identity == v {
					return h.value
				}
			}
		}
	}
	return ""
}
