package config_test

import (
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"pressfeed/config"
)

func TestOpsSettings(t *testing.T) {
	cfg := parseValid(t, "ops.toml", "log_format = \"json\"\nlog_level = \"debug\"\nretention = 30\n")
	if !cfg.JSONLogs() || cfg.Level() != slog.LevelDebug || cfg.RetentionPeriod() != 30*24*time.Hour {
		t.Errorf("got json=%v level=%v retention=%v", cfg.JSONLogs(), cfg.Level(), cfg.RetentionPeriod())
	}
	def := config.Default()
	if def.JSONLogs() || def.Level() != slog.LevelInfo || def.RetentionPeriod() != 730*24*time.Hour {
		t.Errorf("defaults: json=%v level=%v retention=%v", def.JSONLogs(), def.Level(), def.RetentionPeriod())
	}
	forever, _ := config.Parse("f.toml", []byte("retention = 0\n"))
	if err := forever.Validate(); err != nil || forever.RetentionPeriod() != 0 {
		t.Errorf("retention = 0: %v, %v", forever.RetentionPeriod(), err)
	}
}

func TestBadOpsSettingsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{`log_format = "xml"`, `ops.toml: log_format: "xml" is not one of text, json`},
		{`log_level = "loud"`, `ops.toml: log_level: "loud" is not one of debug, info, warn, error`},
		{`retention = -1`, `ops.toml: retention: -1 is not a number of days between 0 (keep for ever) and 36500`},
		{`shutdown_grace = "10m"`, `ops.toml: shutdown_grace: 10m0s is not a duration between "0s" (call polls off at once) and 5m0s`},
		{`shutdown_grace = "-1s"`, `ops.toml: shutdown_grace: -1s is not a duration between`},
		{`retention = "2y"`, `ops.toml: `},
	} {
		err := parseError("ops.toml", tc.file+"\n")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.file, err, tc.want)
		}
	}
}

func TestChangedListsKeys(t *testing.T) {
	a := config.Default()
	b := a
	b.LogLevel, b.Listen, b.Retention = "debug", "127.0.0.1:9999", 10
	if got, want := a.Changed(b), []string{"listen", "log_level", "retention"}; !slices.Equal(got, want) {
		t.Errorf("Changed = %v, want %v", got, want)
	}
	if got := a.Changed(a); len(got) != 0 {
		t.Errorf("Changed against itself = %v", got)
	}
}

// The sample settings file parses, shows every key with its default value
// and documents the [[source]] keys in a block that parses once uncommented.
func TestExampleSettingsFile(t *testing.T) {
	data, err := os.ReadFile("../pressfeed.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := parseValid(t, "pressfeed.example.toml", string(data))
	want := config.Default()
	want.DB, want.Path = cfg.DB, cfg.Path
	// Compared as text: an empty list in the file and a nil default are both
	// "no entries".
	if fmt.Sprintf("%+v", cfg) != fmt.Sprintf("%+v", want) {
		t.Errorf("the example's values are not the defaults:\n got %+v\nwant %+v", cfg, want)
	}
	typ := reflect.TypeOf(config.Config{})
	for i := 0; i < typ.NumField(); i++ {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("toml"), ",")
		if key == "" || key == "-" {
			continue
		}
		shown := `(?m)^` + key + ` = `
		if f := typ.Field(i); f.Type.Kind() == reflect.Struct {
			shown = `(?m)^\[` + key + `\]$` // a table, such as [fetch]
		}
		if !regexp.MustCompile(shown).Match(data) {
			t.Errorf("the example does not show key %q", key)
		}
	}

	start := strings.Index(string(data), "# --- source example start\n")
	end := strings.Index(string(data), "# --- source example end")
	if start < 0 || end < start {
		t.Fatal("the example has no source example block")
	}
	var block strings.Builder
	for _, line := range strings.Split(string(data[start:end]), "\n")[1:] {
		block.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ") + "\n")
	}
	withSource, err := config.Parse("example source", []byte(block.String()))
	if err != nil {
		t.Fatalf("the source example does not parse once uncommented: %v\n%s", err, block.String())
	}
	if len(withSource.Sources) != 1 || withSource.Sources[0].HTML == nil {
		t.Errorf("the source example gave %+v", withSource.Sources)
	}
}
