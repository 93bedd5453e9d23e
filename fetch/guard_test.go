package fetch_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"pressfeed"
	"strings"
	"sync/atomic"
	"testing"

	"pressfeed/fetch"
)

// guardedPoller refuses private addresses, as the daemon does by default.
func guardedPoller(t *testing.T, client *http.Client) *fetch.Poller {
	opts := testOptions()
	opts.AllowPrivateNetworks = false
	opts.Client = client
	return fetch.NewPoller(openDB(t), opts)
}

func TestGuardChecksTheResolvedAddress(t *testing.T) {
	var hits atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write(rssWith("Private")) })
	u, _ := url.Parse(srv.URL)
	p := guardedPoller(t, nil)
	for _, tc := range []struct {
		name, url, says string
	}{
		{"loopback literal", srv.URL + "/feed", "(loopback address)"},
		{"a name resolving to loopback", "http://localhost:" + u.Port() + "/feed", "(loopback address)"},
		{"cloud metadata (link-local)", "http://169.254.169.254/latest/meta-data/", "refused to fetch from 169.254.169.254, which is not on the public internet (link-local address)"},
		{"CGNAT", "http://100.64.0.1/feed", "(carrier-grade NAT (CGNAT) address)"},
		{"private", "http://10.0.0.1/feed", "(private address)"},
		{"unspecified", "http://0.0.0.0:" + u.Port() + "/feed", "(unspecified address)"},
		{"IPv6 loopback", "http://[::1]:" + u.Port() + "/feed", "(loopback address)"},
		{"IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]:" + u.Port() + "/feed", "(loopback address)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := p.Poll(context.Background(), source(tc.name, tc.url))
			if category(res.Err) != pressfeed.CatBlockedAddress || !errors.Is(res.Err, fetch.ErrBlockedAddress) {
				t.Fatalf("outcome %s %v, want blocked_address", res.Outcome, res.Err)
			}
			if !strings.Contains(res.Err.Error(), tc.says) || !strings.Contains(res.Err.Error(), "allow_private_networks") {
				t.Errorf("error %q does not say %q and how to allow it", res.Err, tc.says)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the private server got %d requests", n)
	}
}

// forwardProxy is a plain HTTP forward proxy that knows one public-looking
// host and counts what it is asked.
type forwardProxy struct {
	requests atomic.Int32
	hosts    []string
}

func (fp *forwardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fp.requests.Add(1)
	fp.hosts = append(fp.hosts, r.URL.Host)
	if r.URL.Host != "feeds.example" {
		http.Error(w, "unknown host", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write(rssWith("Through the proxy"))
}

func TestGuardWithAProxy(t *testing.T) {
	fp := &forwardProxy{}
	proxy := serve(t, fp.ServeHTTP) // on loopback, as proxies usually are on private addresses
	proxyURL, _ := url.Parse(proxy.URL)
	target := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write(rssWith("Private")) })
	targetURL, _ := url.Parse(target.URL)
	client := fetch.NewClient(fetch.ClientOptions{Proxy: http.ProxyURL(proxyURL)})
	p := guardedPoller(t, client)
	ctx := context.Background()

	t.Run("the proxy's own private address is usable", func(t *testing.T) {
		res := p.Poll(ctx, source("public", "http://feeds.example/feed"))
		if res.Outcome != fetch.OutcomeOK || res.New != 1 {
			t.Fatalf("%+v", res)
		}
		if fp.requests.Load() != 1 {
			t.Errorf("proxy requests %d, want 1", fp.requests.Load())
		}
	})
	for _, tc := range []struct{ name, url string }{
		{"a private literal is refused before the proxy", target.URL + "/feed"},
		{"a name resolving to loopback is refused before the proxy", "http://localhost:" + targetURL.Port() + "/feed"},
		{"cloud metadata is refused before the proxy", "http://169.254.169.254/latest/meta-data/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := fp.requests.Load()
			res := p.Poll(ctx, source(tc.name, tc.url))
			if category(res.Err) != pressfeed.CatBlockedAddress {
				t.Fatalf("outcome %s %v, want blocked_address", res.Outcome, res.Err)
			}
			if fp.requests.Load() != before {
				t.Errorf("the proxy was asked for %v", fp.hosts)
			}
		})
	}
}
