package netx

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		n, limit int64
		tooLarge bool
	}{
		{0, 10, false}, {10, 10, false}, {11, 10, true}, {MaxPageBody, 0, false}, {MaxPageBody + 1, 0, true},
	} {
		b, err := ReadBody(bytes.NewReader(make([]byte, tc.n)), tc.limit)
		if tc.tooLarge {
			if !errors.Is(err, ErrBodyTooLarge) || b != nil {
				t.Errorf("n=%d limit=%d: got %d bytes, %v; want ErrBodyTooLarge", tc.n, tc.limit, len(b), err)
			}
			continue
		}
		if err != nil || int64(len(b)) != tc.n {
			t.Errorf("n=%d limit=%d: got %d bytes, %v", tc.n, tc.limit, len(b), err)
		}
	}
	boom := errors.New("boom")
	if _, err := ReadBody(iotest.ErrReader(boom), 10); !errors.Is(err, boom) {
		t.Errorf("read errors must pass through, got %v", err)
	}
}

// sized serves ?n=N bytes, with Content-Length unless ?chunked is set (then
// the cap must be enforced while reading, not from the header).
func sized(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	if r.URL.Query().Has("chunked") {
		w.Write([]byte("x"))
		w.(http.Flusher).Flush()
		n--
	} else {
		w.Header().Set("Content-Length", strconv.Itoa(n))
	}
	w.Write(bytes.Repeat([]byte("x"), n))
}

func TestFetchBodyCap(t *testing.T) {
	s := serve(t, "tcp4", http.HandlerFunc(sized))
	c := testClient(t, Options{})
	for _, mode := range []string{"", "&chunked"} {
		get := func(n int, opts ...RequestOption) (*Response, error) {
			return c.Get(context.Background(), s.URL+"/?n="+strconv.Itoa(n)+mode, opts...)
		}
		if r, err := get(100, WithMaxBody(100)); err != nil || len(r.Body) != 100 {
			t.Errorf("%q at the cap: %v", mode, err)
		}
		_, err := get(101, WithMaxBody(100))
		if !errors.Is(err, ErrBodyTooLarge) || !strings.Contains(err.Error(), s.URL) {
			t.Errorf("%q over the cap: got %v, want ErrBodyTooLarge naming the URL", mode, err)
		}
		if _, err := get(int(MaxPageBody) + 1); !errors.Is(err, ErrBodyTooLarge) {
			t.Errorf("%q over the default page cap: got %v", mode, err)
		}
		if r, err := get(int(MaxPageBody)+1, WithMaxBody(MaxImageBody)); err != nil || int64(len(r.Body)) != MaxPageBody+1 {
			t.Errorf("%q image cap: %v", mode, err)
		}
	}
}

// Feed polling sends validators and must see 304 as a normal response.
func TestFetchConditional(t *testing.T) {
	s := serve(t, "tcp4", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte("<feed/>"))
	}))
	c := testClient(t, Options{})
	first, err := c.Get(context.Background(), s.URL)
	if err != nil || first.StatusCode != 200 || string(first.Body) != "<feed/>" {
		t.Fatalf("first poll: %+v, %v", first, err)
	}
	req, _ := http.NewRequest("GET", s.URL, nil)
	again, err := c.Fetch(req,
		WithHeader("If-None-Match", first.Header.Get("ETag")),
		WithHeader("If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"))
	if err != nil || again.StatusCode != http.StatusNotModified || len(again.Body) != 0 {
		t.Fatalf("conditional poll: %+v, %v", again, err)
	}
	if req.Header.Get("If-None-Match") != "" {
		t.Error("Fetch modified the caller's request")
	}
}

func TestGetBadURL(t *testing.T) {
	if _, err := New(Options{}).Get(context.Background(), "http://[::1"); err == nil {
		t.Error("malformed URL accepted")
	}
}
