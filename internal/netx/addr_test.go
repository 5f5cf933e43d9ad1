package netx

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// These tests only classify addresses; nothing here dials.

func TestClassify(t *testing.T) {
	blocked := []string{
		// loopback
		"127.0.0.1", "127.255.255.254", "::1",
		// RFC 1918
		"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.1", "192.168.255.255",
		// ULA
		"fc00::1", "fd12:3456:789a::1",
		// link-local, metadata
		"169.254.0.1", "169.254.169.254", "fe80::1", "fe80::1%eth0", "febf::1",
		// CGNAT
		"100.64.0.1", "100.127.255.255",
		// multicast
		"224.0.0.1", "239.255.255.255", "ff02::1", "ff0e::1",
		// unspecified, this network, broadcast, reserved
		"0.0.0.0", "0.1.2.3", "::", "255.255.255.255", "240.0.0.1", "250.1.2.3",
		// NAT64 (wrapping loopback and a public address alike), local-use NAT64
		"64:ff9b::7f00:1", "64:ff9b::5db8:d70e", "64:ff9b:1::a00:1",
		// 6to4, Teredo
		"2002:7f00:1::1", "2002:5db8:d70e::1", "2001::1", "2001:0:4136:e378::1",
		// benchmarking
		"198.18.0.1", "198.19.255.255", "2001:2::1",
		// documentation
		"192.0.2.1", "198.51.100.1", "203.0.113.1", "2001:db8::1", "3fff::1",
		// IETF protocol assignments, 6to4 relay anycast
		"192.0.0.8", "192.88.99.1",
		// IPv4-mapped IPv6 is judged as IPv4
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0.0.0.0",
		// IPv4-compatible, IPv4-translated, site-local, discard, outside 2000::/3
		"::7f00:1", "::ffff:0:7f00:1", "fec0::1", "100::1", "5f00::1", "4000::1",
	}
	public := []string{
		"93.184.215.14", "1.1.1.1", "8.8.8.8", "172.15.255.255", "172.32.0.0", "100.63.255.255",
		"100.128.0.0", "169.253.255.255", "198.17.255.255", "198.20.0.0", "223.255.255.255",
		"::ffff:93.184.215.14", "2606:4700::1", "2a00:1450:4001:81b::200e", "2001:4860:4860::8888",
	}
	for _, s := range blocked {
		a := netip.MustParseAddr(s)
		if IsPublicAddr(a) {
			t.Errorf("IsPublicAddr(%s) = true, want false", s)
		}
		err := CheckAddr(a)
		var be *BlockedAddressError
		if !errors.As(err, &be) || !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("CheckAddr(%s) = %v, want *BlockedAddressError", s, err)
			continue
		}
		if be.Reason == "" || !strings.Contains(err.Error(), s) || !strings.Contains(err.Error(), "CAIRN_ALLOW_PRIVATE_NETWORK=1") {
			t.Errorf("CheckAddr(%s) message %q should name the address, a reason and the env var", s, err)
		}
	}
	for _, s := range public {
		if err := CheckAddr(netip.MustParseAddr(s)); err != nil {
			t.Errorf("CheckAddr(%s) = %v, want nil", s, err)
		}
	}
	if IsPublicAddr(netip.Addr{}) {
		t.Error("zero Addr must not be public")
	}
}

func TestClassifyReasons(t *testing.T) {
	for addr, want := range map[string]string{
		"169.254.169.254":  "metadata",
		"::ffff:127.0.0.1": "loopback",
		"10.1.2.3":         "RFC 1918",
		"0.0.0.0":          "unspecified",
		"64:ff9b::a00:1":   "NAT64",
	} {
		if got := classify(netip.MustParseAddr(addr)); !strings.Contains(got, want) {
			t.Errorf("classify(%s) = %q, want it to mention %q", addr, got, want)
		}
	}
}

func TestControl(t *testing.T) {
	def := New(Options{}).dialer.Control
	allow := New(Options{AllowPrivate: true}).dialer.Control
	for _, addr := range []string{"10.0.0.1:80", "127.0.0.1:443", "[::1]:80", "[::ffff:10.0.0.1]:80", "[fe80::1%lo]:80", "169.254.169.254:80"} {
		if err := def("tcp", addr, nil); !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("default Control(%s) = %v, want ErrBlockedAddress", addr, err)
		}
		// With the flag the same Control lets it through (called directly:
		// tests never dial non-loopback addresses).
		if err := allow("tcp", addr, nil); err != nil {
			t.Errorf("AllowPrivate Control(%s) = %v, want nil", addr, err)
		}
	}
	if err := def("tcp4", "93.184.215.14:443", nil); err != nil {
		t.Errorf("public address refused: %v", err)
	}
	if err := def("tcp", "not-an-address", nil); !errors.Is(err, ErrBlockedAddress) {
		t.Errorf("unparsable address must fail closed, got %v", err)
	}
	if c := New(Options{AllowPrivate: true}); !c.AllowsPrivate() || c.CheckAddr(netip.MustParseAddr("10.0.0.1")) != nil {
		t.Error("AllowPrivate client should allow 10.0.0.1")
	}
	if c := New(Options{}); c.AllowsPrivate() || c.CheckAddr(netip.MustParseAddr("10.0.0.1")) == nil {
		t.Error("default client should refuse 10.0.0.1")
	}
}

// FuzzControl feeds arbitrary dial addresses to the guard: it must never
// panic, only pass public addresses, and judge an IPv4-mapped address exactly
// like its IPv4 form.
func FuzzControl(f *testing.F) {
	for _, s := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:10.0.0.1]:80", "[fe80::1%eth0]:80", "93.184.215.14:443", "[2606:4700::1]:443", "", ":80", "[64:ff9b::a00:1]:80"} {
		f.Add(s)
	}
	ctl := control(CheckAddr)
	f.Fuzz(func(t *testing.T, address string) {
		err := ctl("tcp", address, nil)
		ap, perr := netip.ParseAddrPort(address)
		if err == nil && (perr != nil || !IsPublicAddr(ap.Addr())) {
			t.Fatalf("Control(%q) allowed a non-public or unparsable address", address)
		}
		if perr == nil {
			a := ap.Addr()
			if a.Is4() && IsPublicAddr(a) != IsPublicAddr(netip.AddrFrom16(a.As16())) {
				t.Fatalf("%s and its IPv4-mapped form classify differently", a)
			}
		}
	})
}
