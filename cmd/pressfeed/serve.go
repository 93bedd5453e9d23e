package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// shutdownGrace is how long running polls get to finish on shutdown before
// they are cancelled.
const shutdownGrace = 20 * time.Second

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", "serve [-config FILE] [-addr ADDR]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults and the embedded source list when empty")
	addr := fs.String("addr", "", "listen address, overriding the settings and PRESSFEED_LISTEN")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return exitUsage
	}
	if *addr != "" {
		cfg.Listen = *addr
	}
	logger := newLogger(stderr)
	d, err := OpenDaemon(cfg, logger)
	if err != nil {
		return storeError(stderr, cfg.DB, err)
	}
	if err := d.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "pressfeed: %v\n", err)
		d.Close(context.Background())
		return exitFailure
	}
	<-ctx.Done()
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := d.Close(sctx); err != nil {
		logger.Error("shutdown", "error", err)
		return exitFailure
	}
	return exitOK
}
