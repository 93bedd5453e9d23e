package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pressfeed/config"
)

func TestFetchTable(t *testing.T) {
	t.Run("defaults when absent", func(t *testing.T) {
		cfg, err := config.Parse("s.toml", []byte(`listen = "127.0.0.1:1"`))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := cfg.Fetch, config.DefaultFetch(); got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("defaults do not validate: %v", err)
		}
	})
	t.Run("set keys, others keep defaults", func(t *testing.T) {
		cfg, err := config.Parse("s.toml", []byte("[fetch]\ntimeout = \"15s\"\nhost_spacing = \"250ms\"\nmax_items = 50\n"))
		if err != nil {
			t.Fatal(err)
		}
		want := config.DefaultFetch()
		want.Timeout, want.HostSpacing, want.MaxItems = 15*time.Second, 250*time.Millisecond, 50
		if cfg.Fetch != want {
			t.Errorf("got %+v, want %+v", cfg.Fetch, want)
		}
	})
	for _, tc := range []struct {
		name, toml, want string
	}{
		{"unknown key", "[fetch]\ntimeuot = \"5s\"\n", `unknown key "fetch.timeuot"`},
		{"bad duration", "[fetch]\ntimeout = \"soon\"\n", "soon"},
		{"timeout too long", "[fetch]\ntimeout = \"1h\"\n", "fetch.timeout: 1h0m0s is not between 1s and 10m0s"},
		{"stall longer than the deadline", "[fetch]\ntimeout = \"10s\"\nstall_timeout = \"20s\"\n", "fetch.stall_timeout: 20s is not between 1s and 10s"},
		{"zero spacing", "[fetch]\nhost_spacing = \"0s\"\n", "fetch.host_spacing: 0s is not between"},
		{"backoff too long", "[fetch]\nmax_backoff = \"720h\"\n", "fetch.max_backoff: 720h0m0s is not between"},
		{"body cap too small", "[fetch]\nmax_body_bytes = 100\n", "fetch.max_body_bytes: 100 is not between"},
		{"no items", "[fetch]\nmax_items = 0\n", "fetch.max_items: 0 is not between 1 and 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := parseError("s.toml", tc.toml)
			var cerr *config.Error
			if !errors.As(err, &cerr) {
				t.Fatalf("got %v, want a *config.Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to mention %q", err, tc.want)
			}
		})
	}
}
