package verify

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Status entry and list types (credentials.md a.6).
const (
	typeBitstringEntry  = "BitstringStatusListEntry"
	typeStatusList2021  = "StatusList2021Entry"
	type1EdTechRevocion = "1EdTechRevocationList"
)

// maxStatusListBits caps a decoded status list (16 MiB of bits is far
// beyond the 16 KB minimum; larger lists are refused, not decompressed).
const maxStatusListBytes = 16 << 20

// statusOutcome is what one credentialStatus entry says.
type statusOutcome struct {
	status  string // pass, fail, error, warn, skip
	purpose string // revocation, suspension, ...
	msg     string
}

// checkStatus reads every credentialStatus entry. Revocation beats
// suspension; an unreachable list makes the status unknown, never valid.
func (v *vc) checkStatus() {
	entries := objects(v.doc["credentialStatus"])
	if len(entries) == 0 {
		v.add(CheckStatus, StatusPass, "the credential declares no status list, so it cannot be revoked")
		return
	}
	var outs []statusOutcome
	for i, e := range entries {
		if i >= 4 {
			break
		}
		switch {
		case hasType(e, typeBitstringEntry):
			outs = append(outs, v.statusFromList(e, true))
		case hasType(e, typeStatusList2021):
			outs = append(outs, v.statusFromList(e, false))
		case hasType(e, type1EdTechRevocion):
			outs = append(outs, v.statusFrom1EdTech(e))
		default:
			outs = append(outs, statusOutcome{status: StatusWarn, msg: fmt.Sprintf("status type %q is not supported", strings.Join(strList(e["type"]), ", "))})
		}
	}
	for _, want := range []string{"revocation", "suspension", ""} {
		for _, o := range outs {
			if o.status == StatusFail && (want == "" || o.purpose == want) {
				v.add(CheckStatus, StatusFail, "%s", o.msg)
				return
			}
		}
	}
	for _, o := range outs {
		if o.status != StatusPass {
			v.add(CheckStatus, o.status, "%s", o.msg)
		}
	}
	for _, o := range outs {
		if o.status == StatusPass {
			v.add(CheckStatus, StatusPass, "%s", o.msg)
		}
	}
}

// statusFromList reads a BitstringStatusListEntry or StatusList2021Entry:
// fetch the list credential, verify it (proof, type, validity, purpose),
// decode the bits and read the entry's index, most significant bit first.
func (v *vc) statusFromList(e map[string]any, bitstring bool) statusOutcome {
	purpose := getStr(e, "statusPurpose")
	out := statusOutcome{purpose: purpose}
	listURL := getStr(e, "statusListCredential")
	idx, err := strconv.ParseUint(strings.TrimSpace(getStr(e, "statusListIndex")), 10, 64)
	if err != nil || listURL == "" {
		out.status, out.msg = StatusFail, "the status entry lacks a statusListCredential or a decimal statusListIndex"
		return out
	}
	size := uint64(1)
	if s := getStr(e, "statusSize"); s != "" {
		n, err := strconv.ParseUint(s, 10, 8)
		if err != nil || n == 0 || n > 8 {
			out.status, out.msg = StatusFail, fmt.Sprintf("statusSize %q is not supported", s)
			return out
		}
		size = n
	}
	list, st, msg := v.statusList(listURL)
	if st != StatusPass {
		out.status, out.msg = st, msg
		return out
	}
	if !purposeMatches(list.purposes, purpose) {
		out.status = StatusFail
		out.msg = fmt.Sprintf("the status list %s is for %s, not %s", listURL, strings.Join(list.purposes, ", "), purpose)
		return out
	}
	val, err := readBits(list.bits, idx, size)
	if err != nil {
		out.status, out.msg = StatusFail, fmt.Sprintf("status list %s: %v", listURL, err)
		return out
	}
	if val == 0 {
		out.status, out.msg = StatusPass, fmt.Sprintf("not %s (%s, index %d)", purposeWord(purpose), listURL, idx)
		return out
	}
	switch purpose {
	case "revocation", "suspension":
		out.status = StatusFail
		out.msg = fmt.Sprintf("%s by the issuer (status list %s, index %d)", purposeWord(purpose), listURL, idx)
	default:
		out.status = StatusWarn
		out.msg = fmt.Sprintf("the issuer set a %s status (value %d) in %s", purpose, val, listURL)
	}
	return out
}

// purposeWord names a status purpose's state for messages.
func purposeWord(p string) string {
	switch p {
	case "revocation":
		return "revoked"
	case "suspension":
		return "suspended"
	}
	return p + " set"
}

func purposeMatches(have []string, want string) bool {
	for _, h := range have {
		if h == want {
			return true
		}
	}
	return false
}

// decodedList is a verified, decoded status list.
type decodedList struct {
	purposes []string
	bits     []byte
}

// statusList fetches, verifies and decodes a status list credential,
// once per run.
func (v *vc) statusList(u string) (*decodedList, string, string) {
	if v.lists == nil {
		v.lists = map[string]listResult{}
	}
	if lr, ok := v.lists[u]; ok {
		return lr.list, lr.status, lr.msg
	}
	if l, ok := v.opts.Cache.list(u); ok {
		return l, StatusPass, ""
	}
	list, st, msg := v.loadStatusList(u)
	v.lists[u] = listResult{list, st, msg}
	if st == StatusPass {
		v.opts.Cache.putList(u, list)
	}
	return list, st, msg
}

type listResult struct {
	list   *decodedList
	status string
	msg    string
}

func (v *vc) loadStatusList(u string) (*decodedList, string, string) {
	if v.depth > 1 {
		return nil, StatusError, "status lists nested too deep"
	}
	resp, err := v.fetch(u, acceptJSON+", application/vc+ld+json, application/vc+jwt, application/vc, text/plain")
	if err != nil {
		return nil, StatusError, fmt.Sprintf("the status list %s could not be fetched: %v", u, err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return nil, StatusError, fmt.Sprintf("the status list %s answered HTTP %d", u, resp.Status)
	}
	sub := v.nestedRun()
	body := bytes.TrimSpace(resp.Body)
	var doc map[string]any
	if len(body) > 0 && body[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, StatusFail, fmt.Sprintf("the status list %s is not JSON: %v", u, err)
		}
		sub.verifyVC(doc, purposeStatusList, v.depth+1)
	} else if looksLikeJWS(string(body)) {
		doc = sub.fromVCJWT(string(body), purposeStatusList, v.depth+1)
	} else {
		return nil, StatusFail, fmt.Sprintf("the status list %s is neither JSON nor a VC-JWT", u)
	}
	rep := sub.finish()
	for _, id := range []string{CheckSignature, CheckKey, CheckType, CheckContext} {
		if c, ok := rep.Check(id); ok && (c.Status == StatusFail || c.Status == StatusError) {
			st := StatusError
			if id == CheckType {
				st = StatusFail
			}
			return nil, st, fmt.Sprintf("the status list %s does not verify (%s: %s)", u, id, c.Message)
		}
	}
	if c, ok := rep.Check(CheckExpiry); ok && c.Status == StatusFail {
		return nil, StatusError, fmt.Sprintf("the status list %s is no longer valid (%s)", u, c.Message)
	}
	if c, ok := rep.Check(CheckNotBefore); ok && c.Status == StatusFail {
		return nil, StatusError, fmt.Sprintf("the status list %s is not valid yet (%s)", u, c.Message)
	}
	if doc == nil {
		return nil, StatusFail, fmt.Sprintf("the status list %s holds no credential", u)
	}
	subj := getMap(doc, "credentialSubject")
	if subj == nil {
		return nil, StatusFail, fmt.Sprintf("the status list %s has no credentialSubject", u)
	}
	bitstring := hasType(subj, "BitstringStatusList")
	if !bitstring && !hasType(subj, "StatusList2021") {
		return nil, StatusFail, fmt.Sprintf("the status list %s has a subject of type %s", u, strings.Join(strList(subj["type"]), ", "))
	}
	bits, err := decodeStatusList(getStr(subj, "encodedList"))
	if err != nil {
		return nil, StatusFail, fmt.Sprintf("the status list %s: %v", u, err)
	}
	return &decodedList{purposes: strList(subj["statusPurpose"]), bits: bits}, StatusPass, ""
}

// decodeStatusList decodes encodedList: GZIP, base64url, with the
// multibase "u" prefix for Bitstring lists and without for 2021 ones.
func decodeStatusList(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("the list has no encodedList")
	}
	raw := strings.TrimRight(strings.TrimPrefix(s, "u"), "=")
	z, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil && s[0] != 'u' {
		// Some StatusList2021 issuers wrote standard base64.
		z, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	if err != nil {
		if raw2 := strings.TrimRight(s, "="); raw2 != raw {
			z, err = base64.RawURLEncoding.DecodeString(raw2)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("encodedList is not base64url: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("encodedList is not GZIP: %v", err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, maxStatusListBytes+1))
	if err != nil {
		return nil, fmt.Errorf("encodedList does not decompress: %v", err)
	}
	if len(bits) > maxStatusListBytes {
		return nil, fmt.Errorf("the list is larger than %d bytes", maxStatusListBytes)
	}
	return bits, nil
}

// readBits reads size bits at index*size, bit 0 being the most
// significant bit of byte 0.
func readBits(bits []byte, index, size uint64) (uint64, error) {
	start := index * size
	if size == 0 || index > uint64(len(bits))*8 || start+size > uint64(len(bits))*8 {
		return 0, fmt.Errorf("index %d is beyond the list's %d entries", index, uint64(len(bits))*8/max(size, 1))
	}
	var val uint64
	for i := start; i < start+size; i++ {
		bit := (bits[i/8] >> (7 - i%8)) & 1
		val = val<<1 | uint64(bit)
	}
	return val, nil
}

// statusFrom1EdTech reads a 1EdTechRevocationList: the credential is
// revoked when its id is listed with revoked true or absent. The 1EdTech
// validator reads revokedCredential; the spec's comment says
// revokedCredentials; both are read.
func (v *vc) statusFrom1EdTech(e map[string]any) statusOutcome {
	out := statusOutcome{purpose: "revocation"}
	u := getStr(e, "id")
	m, ok := v.fetchListDoc(u)
	if !ok {
		out.status, out.msg = StatusError, fmt.Sprintf("the revocation list %s could not be fetched", u)
		return out
	}
	id := getStr(v.doc, "id")
	var entries []any
	for _, k := range []string{"revokedCredential", "revokedCredentials"} {
		if l, isList := m[k].([]any); isList {
			entries = append(entries, l...)
		}
	}
	for _, en := range entries {
		em, isMap := en.(map[string]any)
		if !isMap || getStr(em, "id") != id || id == "" {
			continue
		}
		if r, has := em["revoked"]; has && r != nil && !isTrue(r) {
			continue
		}
		reason := getStr(em, "revocationReason")
		if reason == "" {
			reason = "no reason given"
		}
		out.status, out.msg = StatusFail, fmt.Sprintf("revoked by the issuer (listed in %s): %s", u, reason)
		return out
	}
	out.status, out.msg = StatusPass, fmt.Sprintf("not in the issuer's revocation list %s", u)
	return out
}

func (v *vc) fetchListDoc(u string) (map[string]any, bool) {
	resp, err := v.fetch(u, acceptJSON)
	if err != nil || resp.Status < 200 || resp.Status > 299 {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal(resp.Body, &m) != nil {
		return nil, false
	}
	return m, true
}
