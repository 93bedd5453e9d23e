package config

import (
	"fmt"
	"time"
)

// Fetch tunes the fetcher: the [fetch] table of the settings file.
type Fetch struct {
	// Timeout bounds each fetch: connecting, redirects and the whole body.
	Timeout time.Duration `toml:"timeout"`
	// StallTimeout gives up on a fetch that makes no progress for that
	// long (no answer, or a body that stops or drips under 1 KiB in it),
	// well before Timeout.
	StallTimeout time.Duration `toml:"stall_timeout"`
	// HostSpacing is the least time between two requests to one host; only
	// one request to a host is ever in flight.
	HostSpacing time.Duration `toml:"host_spacing"`
	// MaxBackoff is the longest wait between attempts at a failing source.
	// Sources are never disabled automatically.
	MaxBackoff time.Duration `toml:"max_backoff"`
	// MaxBodyBytes caps a response body, counted after decompression.
	MaxBodyBytes int64 `toml:"max_body_bytes"`
	// MaxItems caps the items kept from one fetch of a feed.
	MaxItems int `toml:"max_items"`
}

// DefaultFetch returns the fetcher settings used when the file sets none.
func DefaultFetch() Fetch {
	return Fetch{
		Timeout:      60 * time.Second,
		StallTimeout: 15 * time.Second,
		HostSpacing:  time.Second,
		MaxBackoff:   6 * time.Hour,
		MaxBodyBytes: 10 << 20,
		MaxItems:     500,
	}
}

// problems lists what is wrong with f, each naming its key.
func (f Fetch) problems() []string {
	var out []string
	between := func(key string, v, lo, hi time.Duration) {
		if v < lo || v > hi {
			out = append(out, fmt.Sprintf("fetch.%s: %s is not between %s and %s", key, v, lo, hi))
		}
	}
	between("timeout", f.Timeout, time.Second, 10*time.Minute)
	between("stall_timeout", f.StallTimeout, time.Second, max(f.Timeout, time.Second))
	between("host_spacing", f.HostSpacing, time.Millisecond, time.Minute)
	between("max_backoff", f.MaxBackoff, time.Minute, 7*24*time.Hour)
	if f.MaxBodyBytes < 64<<10 || f.MaxBodyBytes > 1<<30 {
		out = append(out, fmt.Sprintf("fetch.max_body_bytes: %d is not between %d (64 KiB) and %d (1 GiB)", f.MaxBodyBytes, 64<<10, 1<<30))
	}
	if f.MaxItems < 1 || f.MaxItems > 10000 {
		out = append(out, fmt.Sprintf("fetch.max_items: %d is not between 1 and 10000", f.MaxItems))
	}
	return out
}
