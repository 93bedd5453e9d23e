package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// ErrBlockedAddress is returned when a URL resolves to an address the
// fetcher refuses: loopback, private, link-local, CGNAT, multicast or
// unspecified, unless private networks are allowed.
var ErrBlockedAddress = errors.New("address is not public")

// blockedPrefixes are ranges never fetched unless private networks are
// allowed, beyond those netip's own predicates cover.
var blockedPrefixes = []struct {
	prefix netip.Prefix
	class  string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\""},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (CGNAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local NAT64"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
}

// addrClass names the kind of non-public address ip is, or returns "" for
// an address that may be fetched from by default.
func addrClass(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	case ip.IsUnspecified():
		return "unspecified"
	}
	for _, p := range blockedPrefixes {
		if p.prefix.Contains(ip) {
			return p.class
		}
	}
	return ""
}

// publicAddr reports whether ip may be fetched from by default.
func publicAddr(ip netip.Addr) bool { return addrClass(ip) == "" }

// blockedError says which address was refused and why. It wraps
// ErrBlockedAddress.
type blockedError struct {
	Host  string // the name asked for, when known
	Addr  netip.Addr
	Class string
}

func (e *blockedError) Error() string {
	what := e.Addr.String()
	if e.Host != "" && e.Host != what {
		what = e.Host + " (" + what + ")"
	}
	return fmt.Sprintf("refused to fetch from %s, which is not on the public internet (%s address); set allow_private_networks = true to allow it", what, e.Class)
}

func (e *blockedError) Unwrap() error { return ErrBlockedAddress }

// guardControl runs after DNS resolution, on the address actually dialled,
// so a name that resolves (or re-resolves) to a private address is refused.
func guardControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &blockedError{Host: address, Class: "unparseable"}
	}
	if class := addrClass(ap.Addr()); class != "" {
		return &blockedError{Addr: ap.Addr(), Class: class}
	}
	return nil
}

// ClientOptions configure NewClient.
type ClientOptions struct {
	AllowPrivateNetworks bool
	DialTimeout          time.Duration // 10 s
	MaxRedirects         int           // 5
	// Proxy chooses the proxy for a request, as http.Transport.Proxy does;
	// http.ProxyFromEnvironment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
	Proxy func(*http.Request) (*url.URL, error)
}

// NewClient returns the one HTTP client every poll shares, so connections to
// a host are kept alive across polls. It asks for gzip and undoes it.
//
// Unless private networks are allowed, every address the client dials is
// checked after DNS resolution. Proxies from the environment are honoured:
// a proxy usually sits on a private address, so the proxy's own address is
// exempt, and the target of a proxied request is checked before it is handed
// over: an IP literal, or every address its name resolves to locally, must be
// public. A name that does not resolve locally is left to the proxy, which
// resolves it and applies its own rules.
func NewClient(opts ClientOptions) *http.Client {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = 5
	}
	if opts.Proxy == nil {
		opts.Proxy = http.ProxyFromEnvironment
	}
	direct := &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:               opts.Proxy,
		DialContext:         direct.DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		// No ResponseHeaderTimeout: the Poller's stall watch (StallTimeout)
		// gives up on a server that sends no headers, with a sentence
		// that says so.
		ExpectContinueTimeout: time.Second,
	}
	if !opts.AllowPrivateNetworks {
		guarded := *direct
		guarded.Control = guardControl
		g := &guard{proxy: opts.Proxy, resolver: net.DefaultResolver, direct: direct, guarded: &guarded}
		tr.Proxy, tr.DialContext = g.proxyFor, g.dial
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

// guard applies the private-address rule to a transport that may use a
// proxy.
type guard struct {
	proxy           func(*http.Request) (*url.URL, error)
	resolver        *net.Resolver
	direct, guarded *net.Dialer
	proxies         sync.Map // "host:port" of each proxy handed out → struct{}
}

// proxyFor picks the proxy for req and, when there is one, checks the
// target itself, since the dial check will only see the proxy's address.
func (g *guard) proxyFor(req *http.Request) (*url.URL, error) {
	pu, err := g.proxy(req)
	if err != nil || pu == nil {
		return pu, err
	}
	if err := g.checkTarget(req.Context(), req.URL.Hostname()); err != nil {
		return nil, err
	}
	g.proxies.Store(proxyAddr(pu), struct{}{})
	return pu, nil
}

// checkTarget refuses a host that is, or resolves locally to, a non-public
// address. A lookup failure is not a refusal: the proxy resolves the name.
func (g *guard) checkTarget(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		if class := addrClass(ip); class != "" {
			return &blockedError{Addr: ip, Class: class}
		}
		return nil
	}
	addrs, err := g.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, ip := range addrs {
		if class := addrClass(ip); class != "" {
			return &blockedError{Host: host, Addr: ip, Class: class}
		}
	}
	return nil
}

// dial connects to a proxy without the check and to anything else with it.
func (g *guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if _, ok := g.proxies.Load(addr); ok {
		return g.direct.DialContext(ctx, network, addr)
	}
	return g.guarded.DialContext(ctx, network, addr)
}

// proxyAddr is the host:port the transport dials for proxy u.
func proxyAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// ErrTooManyRedirects is returned when a source redirects more than five
// times, usually a loop.
var ErrTooManyRedirects = errors.New("too many redirects")

// CheckPublic refuses rawURL if its host is, or resolves to, a non-public
// address: the check the client makes on every dial, asked in advance, as
// when a webhook is saved. A lookup failure is not a refusal (the send will
// say what failed).
func CheckPublic(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	g := &guard{resolver: net.DefaultResolver}
	return g.checkTarget(ctx, u.Hostname())
}
