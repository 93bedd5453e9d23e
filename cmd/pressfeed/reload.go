package main

import (
	"io"
	"log/slog"
	"slices"

	"pressfeed/config"
)

// newDaemonLogger returns the logger the settings ask for: text or JSON
// lines on w, at the level held in level, which a reload may change.
func newDaemonLogger(w io.Writer, cfg config.Config, level *slog.LevelVar) *slog.Logger {
	level.Set(cfg.Level())
	opts := &slog.HandlerOptions{Level: level}
	if cfg.JSONLogs() {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// liveKeys are the settings a running daemon applies on reload; the others
// are read once, at start.
var liveKeys = []string{"log_level", "retention", "shutdown_grace", "admin"}

// Reload applies the settings in cfg that can change while the daemon runs
// (log_level, retention, shutdown_grace, the [[admin]] accounts) and
// returns the keys that changed but take effect only at the next start.
// Call it from one goroutine at a time.
func (d *Daemon) Reload(cfg config.Config) (applied, restart []string) {
	if d.reloadAdmins(cfg) {
		applied = append(applied, "admin")
	}
	for _, key := range d.Config.Changed(cfg) {
		switch {
		case key == "log_level" && d.LogLevel != nil:
			d.LogLevel.Set(cfg.Level())
			d.Config.LogLevel = cfg.LogLevel
		case key == "retention":
			d.ops.retention.Store(int64(cfg.RetentionPeriod()))
			d.Config.Retention = cfg.Retention
		case key == "shutdown_grace":
			d.Config.ShutdownGrace = cfg.ShutdownGrace // read when the daemon stops
		default:
			restart = append(restart, key)
			continue
		}
		applied = append(applied, key)
	}
	return applied, restart
}

// reloadAdmins applies the [[admin]] tables at once, ending the sessions of
// removed accounts and of those whose password changed, and logs who
// (names only). It reports whether anything changed.
func (d *Daemon) reloadAdmins(cfg config.Config) bool {
	if d.Server == nil {
		return false
	}
	added, removed, changed := d.Server.SetAccounts(accountsOf(cfg))
	d.Config.Admins = cfg.Admins
	if len(added)+len(removed)+len(changed) == 0 {
		return false
	}
	d.Logger.Info("admin accounts reloaded", "added", added, "removed", removed, "password_changed", changed,
		"ended", "the sessions of removed accounts and of changed passwords")
	return true
}

// reloadSettings reads the settings file again on SIGHUP. A file that does
// not load leaves every running setting as it was, and the log says why.
func reloadSettings(d *Daemon, path string, load func() (config.Config, error)) {
	cfg, err := load()
	if err != nil {
		d.Logger.Error("settings not reloaded, keeping the running settings", "file", path, "error", err)
		return
	}
	applied, restart := d.Reload(cfg)
	d.Logger.Info("settings reloaded", "file", path, "applied", applied)
	if len(restart) > 0 {
		d.Logger.Warn("some changed settings take effect only after a restart", "keys", restart, "live", slices.Clone(liveKeys))
	}
}
