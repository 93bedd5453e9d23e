package fetch

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrBlockedAddress is returned when a URL resolves to an address the
// fetcher refuses: loopback, private, link-local, CGNAT, multicast or
// unspecified, unless private networks are allowed.
var ErrBlockedAddress = errors.New("address is not public")

// blockedPrefixes are ranges never fetched unless private networks are
// allowed. netip's own predicates cover loopback, private (RFC 1918 and
// fc00::/7), link-local, multicast and unspecified; these add the rest.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // CGNAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("::ffff:0:0/96"),  // IPv4-mapped: checked after unmapping
}

// publicAddr reports whether ip may be fetched from by default.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// guardControl runs after DNS resolution, on the address actually dialled,
// so a name that resolves (or re-resolves) to a private address is refused.
func guardControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, ErrBlockedAddress)
	}
	if !publicAddr(ap.Addr()) {
		return fmt.Errorf("dial %s: %w", ap.Addr(), ErrBlockedAddress)
	}
	return nil
}

// ClientOptions configure NewClient.
type ClientOptions struct {
	AllowPrivateNetworks bool
	DialTimeout          time.Duration // 10 s
	MaxRedirects         int           // 5
}

// NewClient returns the one HTTP client every poll shares, so connections to
// a host are kept alive across polls. Proxies from the environment are
// honoured; the address guard applies to whatever the client dials.
func NewClient(opts ClientOptions) *http.Client {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = 5
	}
	dialer := &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivateNetworks {
		dialer.Control = guardControl
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	max := opts.MaxRedirects
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > max {
				return fmt.Errorf("stopped after %d redirects (last to %s): %w", max, req.URL, ErrTooManyRedirects)
			}
			return nil
		},
	}
}

// ErrTooManyRedirects is returned when a source redirects more than five
// times, usually a loop.
var ErrTooManyRedirects = errors.New("too many redirects")
