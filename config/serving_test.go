package config_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pressfeed/config"
)

func TestServingSettings(t *testing.T) {
	cfg := parseValid(t, "s.toml", "base_url = \"https://news.example\"\ncache_max_age = \"5m\"\nhubs = [\"https://hub.example/\", \"https://hub2.example/p\"]\n")
	if cfg.CacheMaxAge != 5*time.Minute || len(cfg.Hubs) != 2 {
		t.Errorf("cache_max_age %v, hubs %v", cfg.CacheMaxAge, cfg.Hubs)
	}
	cfg = parseValid(t, "s.toml", `trusted_proxies = ["127.0.0.1", "::ffff:10.1.2.3", "10.9.0.0/16", "fd00::1/8"]`)
	if got := fmt.Sprint(cfg.Proxies()); got != "[127.0.0.1/32 10.1.2.3/32 10.9.0.0/16 fd00::/8]" {
		t.Errorf("trusted_proxies as prefixes: %s", got)
	}
	if got := config.Default().CacheMaxAge; got != 60*time.Second {
		t.Errorf("default cache_max_age %v, want 60s", got)
	}
}

func TestServingSettingsErrors(t *testing.T) {
	tests := []struct{ settings, want string }{
		{`cache_max_age = 60`, `cache_max_age: 60ns is under a second; write a duration string such as "60s"`},
		{`cache_max_age = "-1s"`, "cache_max_age: -1s is negative"},
		{`cache_max_age = "48h"`, "cache_max_age: 48h0m0s is longer than 24h0m0s"},
		{`cache_max_age = "soon"`, `invalid duration: "soon"`},
		{`hubs = ["https://hub.example/"]`, "hubs: need base_url"},
		{"base_url = \"https://n.example\"\nhubs = [\"ftp://hub.example/\"]", `hubs[0]: "ftp://hub.example/" must start with http:// or https://`},
		{"base_url = \"https://n.example\"\nhubs = [\"https://h.example/\", \"https://h.example/\"]", `hubs[1]: "https://h.example/" is listed twice`},
		{`hub = ["https://hub.example/"]`, `unknown key "hub"`},
		{`trusted_proxies = ["10.0.0.0/8", "proxy.example"]`, `trusted_proxies[1]: "proxy.example" is not an IP address or a CIDR prefix`},
		{`trusted_proxies = ["10.0.0.0/33"]`, `trusted_proxies[0]: "10.0.0.0/33" is not an IP address`},
		{`trusted_proxies = "10.0.0.1"`, `trusted_proxies`},
	}
	for _, tt := range tests {
		err := parseError("s.toml", tt.settings)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.settings, err, tt.want)
		}
	}
}
