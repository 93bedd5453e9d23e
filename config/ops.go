package config

import (
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"
)

// DefaultRetention is how many days an item is kept after it was first seen
// when the settings do not say: two years.
const DefaultRetention = 730

// DefaultShutdownGrace is how long running polls may finish when the daemon
// is told to stop, when the settings do not say. systemd's default stop
// timeout (90 s) leaves room for it and for closing the store.
const DefaultShutdownGrace = 20 * time.Second

// maxShutdownGrace is the longest shutdown_grace accepted: a poll's own
// deadline (fetch.timeout) is at most this, and a stop that waits longer
// would be killed by most service managers anyway.
const maxShutdownGrace = 5 * time.Minute

// maxRetention keeps the retention arithmetic far from overflow; a century is
// for ever in all but name.
const maxRetention = 36500

// logLevels maps the log_level values to slog levels.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

// Level returns the slog level named by log_level; info when it is unknown
// (Validate reports that).
func (c Config) Level() slog.Level {
	if l, ok := logLevels[strings.ToLower(c.LogLevel)]; ok {
		return l
	}
	return slog.LevelInfo
}

// JSONLogs reports whether log_format asks for JSON lines.
func (c Config) JSONLogs() bool { return strings.EqualFold(c.LogFormat, "json") }

// RetentionPeriod returns how long an item is kept after it was first seen,
// or 0 when items are kept for ever.
func (c Config) RetentionPeriod() time.Duration {
	return time.Duration(c.Retention) * 24 * time.Hour
}

// opsProblems checks the logging and retention settings.
func (c Config) opsProblems() []string {
	var problems []string
	switch strings.ToLower(c.LogFormat) {
	case "text", "json":
	default:
		problems = append(problems, fmt.Sprintf("log_format: %q is not one of text, json", c.LogFormat))
	}
	if _, ok := logLevels[strings.ToLower(c.LogLevel)]; !ok {
		problems = append(problems, fmt.Sprintf("log_level: %q is not one of debug, info, warn, error", c.LogLevel))
	}
	if c.Retention < 0 || c.Retention > maxRetention {
		problems = append(problems, fmt.Sprintf("retention: %d is not a number of days between 0 (keep for ever) and %d", c.Retention, maxRetention))
	}
	if c.ShutdownGrace < 0 || c.ShutdownGrace > maxShutdownGrace {
		problems = append(problems, fmt.Sprintf("shutdown_grace: %v is not a duration between \"0s\" (call polls off at once) and %v", c.ShutdownGrace, maxShutdownGrace))
	}
	return problems
}

// Changed lists the settings keys whose values differ between c and other,
// in file order. The [[source]] tables are not compared: after seeding, the
// store is the source list.
func (c Config) Changed(other Config) []string {
	var keys []string
	a, b := reflect.ValueOf(c), reflect.ValueOf(other)
	t := a.Type()
	for i := 0; i < t.NumField(); i++ {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		if key == "" || key == "-" {
			continue
		}
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			keys = append(keys, key)
		}
	}
	return keys
}
