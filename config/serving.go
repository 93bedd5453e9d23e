package config

import (
	"fmt"
	"net/netip"
	"time"

	"pressfeed"
)

// MaxCacheMaxAge is the longest cache_max_age accepted: a reader told to
// keep a feed longer would miss a day's news.
const MaxCacheMaxAge = 24 * time.Hour

// validateServing checks the settings of the feeds' HTTP caching and WebSub
// publishing.
func (c Config) validateServing() []string {
	var problems []string
	switch {
	case c.CacheMaxAge < 0:
		problems = append(problems, fmt.Sprintf("cache_max_age: %v is negative", c.CacheMaxAge))
	case c.CacheMaxAge > 0 && c.CacheMaxAge < time.Second:
		// A bare number decodes as nanoseconds.
		problems = append(problems, fmt.Sprintf("cache_max_age: %v is under a second; write a duration string such as \"60s\"", c.CacheMaxAge))
	case c.CacheMaxAge > MaxCacheMaxAge:
		problems = append(problems, fmt.Sprintf("cache_max_age: %v is longer than %v", c.CacheMaxAge, MaxCacheMaxAge))
	}
	seen := make(map[string]bool, len(c.Hubs))
	for i, h := range c.Hubs {
		if err := pressfeed.CheckURL(h); err != nil {
			problems = append(problems, fmt.Sprintf("hubs[%d]: %v", i, err))
		}
		if seen[h] {
			problems = append(problems, fmt.Sprintf("hubs[%d]: %q is listed twice", i, h))
		}
		seen[h] = true
	}
	if len(c.Hubs) > 0 && c.BaseURL == "" {
		problems = append(problems, "hubs: need base_url, the public address hubs fetch the feed from")
	}
	for i, p := range c.TrustedProxies {
		if _, err := parseProxy(p); err != nil {
			problems = append(problems, fmt.Sprintf("trusted_proxies[%d]: %q is not an IP address or a CIDR prefix such as \"10.0.0.0/8\"", i, p))
		}
	}
	return problems
}

// Proxies returns trusted_proxies as prefixes (an address is a prefix of
// its full length). It skips entries Validate reports.
func (c Config) Proxies() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range c.TrustedProxies {
		if pfx, err := parseProxy(p); err == nil {
			out = append(out, pfx)
		}
	}
	return out
}

func parseProxy(s string) (netip.Prefix, error) {
	if addr, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()), nil
	}
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return pfx.Masked(), nil
}
