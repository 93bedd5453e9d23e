package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"pressfeed/config"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", "serve [-config FILE] [-addr ADDR]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults and the embedded source list when empty")
	addr := fs.String("addr", "", "listen address, overriding the settings and PRESSFEED_LISTEN")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	// SIGHUP reloads the settings; until the loop below reads it, it waits.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	load := func() (config.Config, error) {
		cfg, err := config.Load(*cfgPath)
		if err == nil && *addr != "" {
			cfg.Listen = *addr
		}
		return cfg, err
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	level := new(slog.LevelVar)
	logger := newDaemonLogger(stderr, cfg, level)
	d, code := launch(ctx, cfg, logger, stderr)
	if d == nil {
		return code
	}
	d.LogLevel = level
	for ctx.Err() == nil {
		select {
		case <-hup:
			reloadSettings(d, *cfgPath, load)
		case <-ctx.Done():
		}
	}
	logger.Info("shutting down")
	return shutdown(d, logger)
}

// launch opens and starts the daemon, saying why when it cannot; it returns
// nil and the exit code then.
func launch(ctx context.Context, cfg config.Config, logger *slog.Logger, stderr io.Writer) (*Daemon, int) {
	d, err := OpenDaemon(cfg, logger)
	if err != nil {
		return nil, storeError(stderr, cfg.DB, err)
	}
	// ctx ends at SIGTERM or SIGINT; the daemon's work must outlive it so
	// that shutdown can give running polls shutdown_grace to finish.
	if err := d.Start(context.WithoutCancel(ctx)); err != nil {
		fmt.Fprintf(stderr, "pressfeed: %v\n", err)
		d.Close(context.Background())
		return nil, exitFailure
	}
	return d, exitOK
}

// shutdown stops d, giving running polls shutdown_grace to finish, and
// returns the exit code. Polls still running then are called off and
// record nothing, so they are not held against their sources.
func shutdown(d *Daemon, logger *slog.Logger) int {
	sctx, cancel := context.WithTimeout(context.Background(), d.Config.ShutdownGrace)
	defer cancel()
	if err := d.Close(sctx); err != nil {
		logger.Error("shutdown", "error", err)
		return exitFailure
	}
	return exitOK
}
