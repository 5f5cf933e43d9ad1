package webmention

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// ours accepts pages on me.example (any path) and records what it was asked.
func ours(asked *[]string) func(*url.URL) bool {
	return func(u *url.URL) bool {
		if asked != nil {
			*asked = append(*asked, u.String())
		}
		return u.Host == "me.example"
	}
}

func form(kv ...string) []byte {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return []byte(v.Encode())
}

func TestParseRequest(t *testing.T) {
	const ct = "application/x-www-form-urlencoded"
	const src, tgt = "https://them.example/reply/1", "https://me.example/posts/1"
	long := "https://them.example/" + strings.Repeat("a", MaxURLLength)
	cases := []struct {
		name string
		ct   string
		body []byte
		ok   bool
	}{
		{"valid", ct, form("source", src, "target", tgt), true},
		{"charset param", ct + "; charset=UTF-8", form("source", src, "target", tgt), true},
		{"upper-case type", "Application/X-WWW-Form-URLEncoded", form("source", src, "target", tgt), true},
		{"extra params ignored (vouch)", ct, form("source", src, "target", tgt, "vouch", "https://v.example/"), true},
		{"target fragment kept, ignored for ours-check", ct, form("source", src, "target", tgt+"#comment-3"), true},
		{"http source", ct, form("source", "http://them.example/r", "target", tgt), true},
		// webmention.rocks R-2: garbage source, garbage target, both.
		{"R-2 garbage source", ct, form("source", "qwpoeiruty", "target", tgt), false},
		{"R-2 garbage target", ct, form("source", src, "target", "zmxncbvlaksjdh"), false},
		{"R-2 both garbage", ct, form("source", "asdkfj", "target", "qpwoei"), false},
		{"json body", "application/json", []byte(`{"source":"` + src + `","target":"` + tgt + `"}`), false},
		{"multipart", "multipart/form-data; boundary=x", form("source", src, "target", tgt), false},
		{"no content type", "", form("source", src, "target", tgt), false},
		{"broken parameters after a good type", "application/x-www-form-urlencoded; ;;", form("source", src, "target", tgt), true},
		{"oversize body", ct, append(form("source", src, "target", tgt), "&pad="+strings.Repeat("x", MaxRequestBody)...), false},
		{"malformed form", ct, []byte("source=%zz&target=" + url.QueryEscape(tgt)), false},
		{"ftp source", ct, form("source", "ftp://them.example/f", "target", tgt), false},
		{"javascript source", ct, form("source", "javascript:alert(1)", "target", tgt), false},
		{"ftp target", ct, form("source", src, "target", "ftp://me.example/p"), false},
		{"relative source", ct, form("source", "/reply/1", "target", tgt), false},
		{"scheme-relative source", ct, form("source", "//them.example/r", "target", tgt), false},
		{"no host", ct, form("source", "https:///path", "target", tgt), false},
		{"userinfo", ct, form("source", "https://u:p@them.example/r", "target", tgt), false},
		{"missing source", ct, form("target", tgt), false},
		{"missing target", ct, form("source", src), false},
		{"empty source", ct, form("source", "", "target", tgt), false},
		{"duplicate target", ct, form("source", src, "target", tgt, "target", "https://me.example/other"), false},
		{"too long", ct, form("source", long, "target", tgt), false},
		{"target not ours", ct, form("source", src, "target", "https://other.example/p"), false},
		{"source == target", ct, form("source", tgt, "target", tgt), false},
		{"source == target but fragment", ct, form("source", tgt+"#a", "target", tgt+"#b"), false},
		{"source == target but host case and port", ct, form("source", "https://ME.example:443/posts/1", "target", tgt), false},
		{"empty body", ct, nil, false},
	}
	for _, c := range cases {
		var asked []string
		req, err := ParseRequest(c.ct, c.body, ours(&asked))
		if c.ok != (err == nil) {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
			continue
		}
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) || re.Reason == "" || strings.ContainsAny(re.Reason, "<>") {
				t.Errorf("%s: %#v is not a *RequestError with a plain reason", c.name, err)
			}
			continue
		}
		v, _ := url.ParseQuery(string(c.body))
		if req.Source != v.Get("source") || req.Target != v.Get("target") || req.Page != strings.Split(req.Target, "#")[0] {
			t.Errorf("%s: %+v", c.name, req)
		}
		if len(asked) != 1 || strings.Contains(asked[0], "#") {
			t.Errorf("%s: isOurs was asked %q, want once without fragment", c.name, asked)
		}
	}
	// A nil isOurs accepts nothing (fail closed).
	if _, err := ParseRequest(ct, form("source", src, "target", tgt), nil); err == nil {
		t.Error("nil isOurs accepted a request")
	}
	// isOurs is not consulted for requests already refused.
	var asked []string
	ParseRequest(ct, form("source", tgt, "target", tgt), ours(&asked))
	if len(asked) != 0 {
		t.Errorf("isOurs asked %q for a refused request", asked)
	}
}
