package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/sourcelist"
)

// sourcesVerbs are the verbs of `pressfeed sources`, dispatched like the
// commands themselves.
func sourcesVerbs() []command {
	return []command{
		{"list", "list the sources in the store (the default)", runSourcesList},
		{"add", "add a source: -id ID -name NAME -kind KIND -url URL [-area] [-type] [-schedule] [-disabled]", runSourcesAdd},
		{"edit", "change fields of source ID: edit ID [-name] [-kind] [-area] [-url] [-type] [-schedule] [-enabled=BOOL]", runSourcesEdit},
		{"rm", "delete source ID (its items stay)", runSourcesRemove},
		{"enable", "enable source ID", runSourcesEnabled(true)},
		{"disable", "disable source ID", runSourcesEnabled(false)},
		{"import", "add and replace sources from TOML [[source]] tables or OPML: import [-dry-run] FILE", runSourcesImport},
		{"export", "write the source list as OPML or as settings-file TOML", runSourcesExport},
	}
}

// runSources dispatches `pressfeed sources VERB`. With no verb, or flags
// first, it lists, as it always has.
func runSources(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runVerbs(ctx, "sources", sourcesVerbs(), args, stdout, stderr)
}

// storedSources opens the store named by the settings at cfgPath (seeding it
// as the daemon would) and returns its source list, or the exit code to stop
// with. While a daemon holds the store it says so, and instead (given the
// settings) says where the daemon serves the same list.
func storedSources(ctx context.Context, cfgPath string, stderr io.Writer, instead func(config.Config) string) ([]pressfeed.Source, int) {
	cfg, ok := loadConfig(cfgPath, stderr)
	if !ok {
		return nil, exitUsage
	}
	db, code := openSourceStore(ctx, cfg, stderr, instead(cfg))
	if db == nil {
		return nil, code
	}
	defer db.Close()
	sources, err := db.Sources(ctx)
	if err != nil {
		return nil, storeError(stderr, cfg.DB, err)
	}
	return sources, -1
}

func runSourcesList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sources list", "sources [list] [-config FILE]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults and the embedded source list when empty")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	sources, code := storedSources(ctx, *cfgPath, stderr, func(cfg config.Config) string {
		return "read the list from the daemon: " + daemonURL(cfg) + "/sources.json or " + daemonURL(cfg) + "/sources"
	})
	if code >= 0 {
		return code
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tAREA\tTYPE\tENABLED\tURL")
	for _, s := range sources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", s.ID, s.Kind, s.Area, s.Type, s.Enabled, s.URL)
	}
	tw.Flush()
	return exitOK
}

func runSourcesExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sources export", "sources export [-format toml|opml] [-config FILE] [-o FILE]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults and the embedded source list when empty")
	format := fs.String("format", "toml", "toml ([[source]] tables for a settings file) or opml (a subscription list for feed readers)")
	out := fs.String("o", "", "write to this file instead of standard output")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	var write func(io.Writer, []pressfeed.Source) error
	switch *format {
	case "opml":
		write = func(w io.Writer, s []pressfeed.Source) error { return sourcelist.WriteOPML(w, sourcelist.Title, s) }
	case "toml":
		write = sourcelist.WriteTOML
	default:
		fmt.Fprintf(stderr, "pressfeed sources export: -format %q is not one of opml, toml\n", *format)
		return exitUsage
	}
	sources, code := storedSources(ctx, *cfgPath, stderr, func(cfg config.Config) string {
		return "download it from the daemon: " + daemonURL(cfg) + "/admin/export." + *format + " (signed in) or " + daemonURL(cfg) + "/sources.opml"
	})
	if code >= 0 {
		return code
	}
	w := stdout
	var f *os.File
	if *out != "" {
		var err error
		if f, err = os.Create(*out); err != nil {
			fmt.Fprintf(stderr, "pressfeed sources export: %v\n", err)
			return exitFailure
		}
		w = f
	}
	bw := bufio.NewWriter(w)
	err := write(bw, sources)
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed sources export: %v\n", err)
		return exitFailure
	}
	return exitOK
}
