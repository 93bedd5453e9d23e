package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pressfeed"
	"pressfeed/config"
)

func TestDefaultSourcesNameTheRegion(t *testing.T) {
	sources := config.DefaultSources()
	if len(sources) != 13 {
		t.Fatalf("got %d default sources, want 13", len(sources))
	}
	kinds := map[pressfeed.Kind]int{}
	areas := map[string]bool{}
	for _, s := range sources {
		kinds[s.Kind]++
		areas[s.Area] = true
		if err := config.ValidateSource(s); err != nil {
			t.Errorf("default source %s: %v", s.ID, err)
		}
		// Every organisation is read out of the box: enabled, and auto with
		// every way in open to it, so a site that moves or drops its feed
		// is found again without a person writing selectors.
		if !s.Enabled {
			t.Errorf("default source %s is disabled", s.ID)
		}
		if s.Type != pressfeed.TypeAuto || s.Pin != "" {
			t.Errorf("default source %s is type %q pinned to %q, want auto with no pin", s.ID, s.Type, s.Pin)
		}
		if !strings.HasPrefix(s.URL, "https://") {
			t.Errorf("default source %s: URL %q is not https", s.ID, s.URL)
		}
	}
	if kinds[pressfeed.KindForce] != 6 || kinds[pressfeed.KindPCC] != 6 || kinds[pressfeed.KindROCU] != 1 {
		t.Errorf("kinds = %v, want 6 forces, 6 pccs, 1 rocu", kinds)
	}
	for _, a := range []string{"Merseyside", "Lancashire", "Greater Manchester", "Cheshire", "Cumbria", "North Wales"} {
		if !areas[a] {
			t.Errorf("no source for %s", a)
		}
	}
}

func TestLoadDefaultsAndEnv(t *testing.T) {
	t.Setenv("PRESSFEED_LISTEN", "127.0.0.1:9999")
	t.Setenv("PRESSFEED_DB", "/tmp/x.db")
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9999" || cfg.DB != "/tmp/x.db" {
		t.Errorf("env overrides not applied: %q %q", cfg.Listen, cfg.DB)
	}
	if cfg.DefaultSchedule != "@every 10m" || cfg.Concurrency != 4 || cfg.AllowPrivateNetworks {
		t.Errorf("defaults wrong: %+v", cfg)
	}
	if len(cfg.SeedSources()) != 13 {
		t.Errorf("no [[source]] tables: seed should be the 13 defaults")
	}
}

func TestParseFileWithSources(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pressfeed.toml")
	os.WriteFile(path, []byte(`
listen = "0.0.0.0:8081"
concurrency = 2

[[source]]
id = "a"
name = "Source A"
kind = "force"
url = "https://a.example/feed"
schedule = "*/15 * * * *"

[[source]]
id = "b"
name = "Source B"
kind = "pcc"
type = "feed"
url = "https://b.example/feed"
enabled = false
`), 0o644)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "0.0.0.0:8081" || cfg.Concurrency != 2 || cfg.DB != "./pressfeed.db" {
		t.Errorf("settings: %+v", cfg)
	}
	if len(cfg.Sources) != 2 || !cfg.Sources[0].Enabled || cfg.Sources[1].Enabled || cfg.Sources[0].Type != pressfeed.TypeFeed {
		t.Errorf("sources: %+v", cfg.Sources)
	}
	if len(cfg.SeedSources()) != 2 {
		t.Errorf("file sources should seed instead of the defaults")
	}
}

func TestBadSettingsNameFileSourceAndKey(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string
	}{
		{"unknown top-level key", `listn = "x"`, []string{`bad.toml: unknown key "listn"`}},
		{"unknown source key", "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"force\"\nurl = \"https://a.example/\"\nnmae = \"x\"", []string{`bad.toml: source "a": unknown key "nmae"`}},
		{"duplicate id", "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"force\"\nurl = \"https://a.example/\"\n[[source]]\nid = \"a\"\nname = \"A2\"\nkind = \"force\"\nurl = \"https://b.example/\"", []string{`source "a": duplicate id`}},
		{"bad url", "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"force\"\nurl = \"ftp://a.example/\"", []string{`source "a": url:`, "http://"}},
		{"bad schedule", "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"force\"\nurl = \"https://a.example/\"\nschedule = \"every day\"", []string{`source "a": schedule:`}},
		{"time zone schedule would panic cron", "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"force\"\nurl = \"https://a.example/\"\nschedule = \"TZ=0\"", []string{`source "a": schedule:`, "UTC"}},
		{"malformed descriptor", "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"force\"\nurl = \"https://a.example/\"\nschedule = \"@every\"", []string{`source "a": schedule:`}},
		{"unknown kind", "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"police\"\nurl = \"https://a.example/\"", []string{`source "a": kind: "police" is not one of`}},
		{"bad slug and no name", "[[source]]\nid = \"Bad Id\"\nkind = \"force\"\nurl = \"https://a.example/\"", []string{`id: "Bad Id" is not a slug`, "name: is required"}},
		{"no id", "[[source]]\nname = \"A\"\nkind = \"force\"\nurl = \"https://a.example/\"", []string{`source #1: id: is required`}},
		{"wrong type", `concurrency = "four"`, []string{"bad.toml:", "concurrency"}},
		{"syntax error", "listen = \"x\nfoo", []string{"bad.toml: line"}},
		{"bad listen", `listen = "nohostport"`, []string{`listen: "nohostport" is not host:port`}},
		{"bad concurrency", `concurrency = 0`, []string{"concurrency: 0 is not between 1 and 64"}},
		{"bad default schedule", `default_schedule = "@every 5s"`, []string{"default_schedule:", "under one minute"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := loadFile(t, tt.toml)
			if err == nil {
				t.Fatal("no error")
			}
			wantInError(t, msg, tt.want)
		})
	}
}
