package webmention

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	mux := http.NewServeMux()
	s := serve(t, mux)
	target := s.URL + "/posts/1"
	page := func(ct, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if got := r.Header.Get("Accept"); got != verifyAccept {
				t.Errorf("Accept %q", got)
			}
			w.Header().Set("Content-Type", ct)
			fmt.Fprint(w, strings.ReplaceAll(body, "TARGET", target))
		}
	}
	const h = "text/html; charset=utf-8"
	mux.Handle("/comment", page(h, `<p>hi</p><!-- <a href="TARGET">x</a> -->`))
	mux.Handle("/text", page(h, `<p>I read TARGET today</p><pre>&lt;a href="TARGET"&gt;</pre>`))
	mux.Handle("/none", page(h, `<p>nothing</p>`))
	mux.Handle("/img", page(h, `<p><img src="TARGET"></p>`))
	mux.Handle("/relative", page(h, `<p><a href="/posts/1">rel</a></p>`))
	mux.Handle("/dir/relative2", page(h, `<p><a href="../posts/1">rel</a></p>`))
	mux.Handle("/base", page(h, `<base href="/posts/"><p><a href="1">via base</a></p>`))
	mux.Handle("/other-attr", page(h, `<p title="TARGET"><a href="https://elsewhere.example/" data-x="TARGET">x</a><blockquote cite="TARGET">q</blockquote></p>`))
	mux.Handle("/prefix", page(h, `<a href="TARGET/more">longer</a><a href="TARGET#frag">fragment</a>`))
	mux.Handle("/meta410", page(h, `<meta http-equiv="Status" content="410 Gone"><a href="TARGET">x</a>`))
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	mux.Handle("/json", page("application/json", `{"items":[{"in-reply-to":["TARGET"]}]}`))
	mux.Handle("/json-key", page("application/activity+json", `{"TARGET":1}`))
	mux.Handle("/json-bad", page("application/json", `{"x":"TARGET"`))
	mux.Handle("/plain", page("text/plain; charset=utf-8", "see TARGET for more"))
	mux.Handle("/plain-none", page("text/plain", "nothing here"))
	mux.Handle("/png", page("image/png", "TARGET"))
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "9")
		w.WriteHeader(429)
	})
	mux.Handle("/huge", page(h, `<a href="TARGET">x</a>`+strings.Repeat("x", int(MaxSourceBody))))
	mux.HandleFunc("/r/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
		if n <= 0 {
			page(h, `<a href="TARGET">x</a>`)(w, r)
			return
		}
		http.Redirect(w, r, "/r/"+strconv.Itoa(n-1), http.StatusFound)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final/page", http.StatusMovedPermanently)
	})
	mux.Handle("/final/page", page(h, `<a href="../posts/1">resolves against the final URL</a>`))

	c := testClient(t)
	ctx := context.Background()
	ok := []string{"/img", "/relative", "/dir/relative2", "/base", "/json", "/plain", "/r/20", "/moved"}
	for _, p := range ok {
		m, err := Verify(ctx, c, s.URL+p, target)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if m.Source != s.URL+p || m.Target != target || m.Type != TypeMention {
			t.Errorf("%s: %+v", p, m)
		}
	}
	errs := map[string]error{
		"/comment":    ErrNoLink,
		"/text":       ErrNoLink,
		"/none":       ErrNoLink,
		"/other-attr": ErrNoLink,
		"/prefix":     ErrNoLink,
		"/json-key":   ErrNoLink,
		"/json-bad":   ErrNoLink,
		"/plain-none": ErrNoLink,
		"/meta410":    ErrSourceGone,
		"/gone":       ErrSourceGone,
		"/png":        ErrUnsupportedType,
	}
	for p, want := range errs {
		_, err := Verify(ctx, c, s.URL+p, target)
		var ve *VerifyError
		if !errors.Is(err, want) || !errors.As(err, &ve) || ve.Retryable {
			t.Errorf("%s: %v, want %v in a permanent *VerifyError", p, err, want)
		}
	}
	statuses := []struct {
		path   string
		status int
		retry  bool
		after  time.Duration
	}{
		{"/missing", 404, false, 0},
		{"/broken", 500, true, 0},
		{"/busy", 429, true, 9 * time.Second},
		{"/huge", 0, false, 0},
		{"/r/21", 0, false, 0}, // over the 20-redirect limit
	}
	for _, st := range statuses {
		_, err := Verify(ctx, c, s.URL+st.path, target)
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Status != st.status || ve.Retryable != st.retry || ve.RetryAfter != st.after {
			t.Errorf("%s: %#v", st.path, err)
			continue
		}
		if errors.Is(err, ErrNoLink) || errors.Is(err, ErrSourceGone) {
			t.Errorf("%s: a fetch failure must not read as 'no link' (%v)", st.path, err)
		}
		if retry, after := Retryable(err); retry != st.retry || after != st.after {
			t.Errorf("%s: Retryable = %v %v", st.path, retry, after)
		}
	}
	for _, bad := range []string{"", "ftp://x.example/", "/relative"} {
		var ve *VerifyError
		if _, err := Verify(ctx, c, bad, target); !errors.As(err, &ve) || ve.Retryable {
			t.Errorf("Verify(%q): %v", bad, err)
		}
	}
}

func TestParseMentionEncodings(t *testing.T) {
	src := mustURL(t, "https://them.example/r")
	const target = "https://me.example/p"
	// ISO-8859-1 declared in the header; the name has a Latin-1 é (0xE9).
	body := []byte("<div class=\"h-entry\"><a class=\"u-in-reply-to\" href=\"" + target + "\">re</a><p class=\"e-content\">caf\xe9</p></div>")
	m, err := ParseMention(body, "text/html; charset=iso-8859-1", src, target)
	if err != nil || m.Text != "café" {
		t.Errorf("latin-1: %q, %v", m.Text, err)
	}
	// Declared in <meta>, bytes not UTF-8.
	body = []byte("<meta charset=windows-1252><div class=\"h-entry\"><a class=\"u-in-reply-to\" href=\"" + target + "\">re</a><p class=\"e-content\">\x93quoted\x94</p></div>")
	if m, err := ParseMention(body, "text/html", src, target); err != nil || m.Text != "“quoted”" {
		t.Errorf("meta charset: %q, %v", m.Text, err)
	}
	// A mislabelled page whose bytes are valid UTF-8 stays UTF-8.
	body = []byte("<meta charset=iso-8859-1><div class=\"h-entry\"><a class=\"u-in-reply-to\" href=\"" + target + "\">re</a><p class=\"e-content\">café</p></div>")
	if m, err := ParseMention(body, "text/html", src, target); err != nil || m.Text != "café" {
		t.Errorf("mislabelled UTF-8: %q, %v", m.Text, err)
	}
	// Untyped body: sniffed.
	if _, err := ParseMention([]byte(`<!DOCTYPE html><a href="`+target+`">x</a>`), "", src, target); err != nil {
		t.Errorf("sniffed HTML: %v", err)
	}
	// No source URL: only absolute URLs count (the award's relative badge
	// URLs do not resolve, so it is only a reply); nothing panics.
	if m, err := ParseMention([]byte(awardPost("")), "text/html", nil, clsTarget); err != nil || m.Type != TypeReply || m.Source != "" || m.Author.Photo != "" {
		t.Errorf("nil source URL: %+v, %v", m, err)
	}
	if _, err := ParseMention([]byte(`<a href="/p">x</a>`), "text/html", nil, "https://me.example/p"); !errors.Is(err, ErrNoLink) {
		t.Errorf("relative link without a base: %v", err)
	}
	if _, err := ParseMention([]byte(`<a href="x">x</a>`), "text/html", src, ""); !errors.Is(err, ErrNoLink) {
		t.Errorf("empty target: %v", err)
	}
	// Deeper than x/net/html's tree parser allows: the link is still found
	// (tokenizer), the mention is plain.
	deep := strings.Repeat("<div>", 600) + `<a href="` + target + `">x</a>`
	if m, err := ParseMention([]byte(deep), "text/html", src, target); err != nil || m.Type != TypeMention {
		t.Errorf("deep document: %+v, %v", m, err)
	}
}
