package netx

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// ErrBlockedAddress is matched (errors.Is) by every *BlockedAddressError.
var ErrBlockedAddress = errors.New("netx: address not allowed")

// BlockedAddressError reports a dial refused because the resolved IP is not
// on the public internet. It names the address and the way to allow it, so an
// owner reading a log or a form error knows what happened and what to do.
type BlockedAddressError struct {
	Addr   netip.Addr // the IP that was about to be dialled
	Reason string     // which special-purpose range it is in, e.g. "loopback"
}

func (e *BlockedAddressError) Error() string {
	return fmt.Sprintf("netx: refusing to connect to %s (%s); set CAIRN_ALLOW_PRIVATE_NETWORK=1 to allow loopback and private addresses", e.Addr, e.Reason)
}

// Is makes errors.Is(err, ErrBlockedAddress) true.
func (e *BlockedAddressError) Is(target error) bool { return target == ErrBlockedAddress }

type blockedRange struct {
	prefix netip.Prefix
	reason string
}

func r(p, reason string) blockedRange { return blockedRange{netip.MustParsePrefix(p), reason} }

// Special-purpose ranges from the IANA IPv4/IPv6 registries that must never be
// reached from a fetch triggered by outside input. More specific entries come
// first so the error names the most useful reason (metadata before link-local).
var blockedV4 = []blockedRange{
	r("0.0.0.0/32", "unspecified address"),
	r("0.0.0.0/8", "\"this network\" 0.0.0.0/8"),
	r("10.0.0.0/8", "private network, RFC 1918"),
	r("100.64.0.0/10", "carrier-grade NAT, RFC 6598"),
	r("127.0.0.0/8", "loopback"),
	r("169.254.169.254/32", "cloud metadata service, link-local"),
	r("169.254.0.0/16", "link-local"),
	r("172.16.0.0/12", "private network, RFC 1918"),
	r("192.0.0.0/24", "IETF protocol assignments"),
	r("192.0.2.0/24", "documentation, TEST-NET-1"),
	r("192.88.99.0/24", "6to4 relay anycast"),
	r("192.168.0.0/16", "private network, RFC 1918"),
	r("198.18.0.0/15", "benchmarking, RFC 2544"),
	r("198.51.100.0/24", "documentation, TEST-NET-2"),
	r("203.0.113.0/24", "documentation, TEST-NET-3"),
	r("224.0.0.0/4", "multicast"),
	r("255.255.255.255/32", "broadcast"),
	r("240.0.0.0/4", "reserved 240.0.0.0/4"),
}

var blockedV6 = []blockedRange{
	r("::/128", "unspecified address"),
	r("::1/128", "loopback"),
	// Prefixes that embed an IPv4 address or tunnel to one: the embedded
	// address could be private, so they are refused as a whole.
	r("64:ff9b::/96", "NAT64"),
	r("64:ff9b:1::/48", "local-use NAT64"),
	r("2001::/32", "Teredo tunnel"),
	r("2002::/16", "6to4 tunnel"),
	r("100::/64", "discard-only"),
	r("2001:2::/48", "benchmarking"),
	r("2001:10::/28", "ORCHID"),
	r("2001:20::/28", "ORCHIDv2"),
	r("2001:db8::/32", "documentation"),
	r("3fff::/20", "documentation"),
	r("fc00::/7", "unique local address"),
	r("fe80::/10", "link-local"),
	r("fec0::/10", "site-local"),
	r("ff00::/8", "multicast"),
}

// Only 2000::/3 is allocated as global unicast; anything else left over
// (IPv4-compatible, IPv4-translated, SRv6, unassigned space) is refused.
var globalUnicastV6 = netip.MustParsePrefix("2000::/3")

// classify returns "" when addr is a public unicast address, otherwise the
// reason it is not.
func classify(addr netip.Addr) string {
	if !addr.IsValid() {
		return "invalid address"
	}
	// Prefix.Contains is false for zoned addresses and never matches an
	// IPv4-mapped IPv6 address against an IPv4 prefix, so normalise first:
	// ::ffff:127.0.0.1 must be judged as 127.0.0.1.
	addr = addr.WithZone("").Unmap()
	table := blockedV6
	if addr.Is4() {
		table = blockedV4
	}
	for _, b := range table {
		if b.prefix.Contains(addr) {
			return b.reason
		}
	}
	if addr.Is6() && !globalUnicastV6.Contains(addr) {
		return "not global unicast, outside 2000::/3"
	}
	return ""
}

// IsPublicAddr reports whether addr is a public unicast address that an
// outbound fetch may reach without AllowPrivate. IPv4-mapped IPv6 addresses
// are judged by their IPv4 form.
func IsPublicAddr(addr netip.Addr) bool { return classify(addr) == "" }

// CheckAddr returns nil for a public address and a *BlockedAddressError
// otherwise. It is the default policy; it ignores AllowPrivate (see
// Client.CheckAddr for the policy of a configured client).
func CheckAddr(addr netip.Addr) error {
	if reason := classify(addr); reason != "" {
		return &BlockedAddressError{Addr: addr, Reason: reason}
	}
	return nil
}

// control is the net.Dialer.Control hook. It runs after DNS resolution and
// after the socket is created but before connect(2), once per address tried,
// so a host name that resolves (or re-resolves: DNS rebinding) to a private
// address is refused before any packet is sent to it.
func control(check func(netip.Addr) error) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			// Fail closed: an address we cannot read is an address we do not dial.
			return fmt.Errorf("%w: cannot parse dial address %q: %v", ErrBlockedAddress, address, err)
		}
		return check(ap.Addr())
	}
}
