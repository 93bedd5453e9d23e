package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

func runSources(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return runSourcesVerb(ctx, args[0], args[1:], stdout, stderr)
	}
	fs := newFlags("sources", "sources [-config FILE]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults and the embedded source list when empty")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return exitUsage
	}
	d, err := OpenDaemon(cfg, newLogger(io.Discard))
	if err != nil {
		return storeError(stderr, cfg.DB, err)
	}
	defer d.Close(context.Background())
	sources, err := d.DB.Sources(ctx)
	if err != nil {
		return storeError(stderr, cfg.DB, err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tAREA\tTYPE\tENABLED\tURL")
	for _, s := range sources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", s.ID, s.Kind, s.Area, s.Type, s.Enabled, s.URL)
	}
	tw.Flush()
	return exitOK
}
