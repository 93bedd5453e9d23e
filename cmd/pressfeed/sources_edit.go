package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/index"
	"pressfeed/sourcelist"
)

// The verbs below change the source list in the store. Each change is
// validated as the admin page and the API validate it, stored with its audit
// entry in one transaction, and refused with a pointer to the API while a
// daemon holds the store.

// sourceFlags are the definition flags add and edit share.
type sourceFlags struct {
	id, name, kind, area, url, typ, schedule, feeds, pin *string
	selectors                                            *selectorFlags
}

func addSourceFlags(fs *flag.FlagSet, withID bool) sourceFlags {
	var f sourceFlags
	if withID {
		f.id = fs.String("id", "", "source id: lower-case letters, digits, hyphens")
	}
	f.name = fs.String("name", "", "the organisation's name")
	f.kind = fs.String("kind", "", "force, pcc, rocu or other")
	f.area = fs.String("area", "", "area, e.g. Merseyside")
	f.url = fs.String("url", "", "feed or news page URL")
	f.typ = fs.String("type", "", "auto, feed or html (default auto: pressfeed finds the way in)")
	f.schedule = fs.String("schedule", "", "cron spec (UTC) or @every; empty for the default")
	f.feeds = fs.String("feeds", "", "type auto: feed URLs to try first, comma-separated; \"\" clears them")
	f.pin = fs.String("pin", "", "type auto: the one strategy to use (auto, feed, platform:wordpress, template:single-online-home, …); \"\" unpins")
	f.selectors = &selectorFlags{}
	f.selectors.register(fs)
	return f
}

// apply copies the flags the user gave onto src.
func (f sourceFlags) apply(fs *flag.FlagSet, src *pressfeed.Source) {
	// The fields a flag's text is copied into as it is.
	text := map[string]*string{"id": &src.ID, "name": &src.Name, "area": &src.Area, "url": &src.URL, "schedule": &src.Schedule, "pin": &src.Pin}
	fs.Visit(func(fl *flag.Flag) {
		v := strings.TrimSpace(fl.Value.String())
		if field, ok := text[fl.Name]; ok {
			*field = v
			return
		}
		switch fl.Name {
		case "kind":
			src.Kind = pressfeed.Kind(v)
		case "type":
			src.Type = pressfeed.SourceType(v)
		case "feeds":
			src.Feeds = nil
			for _, u := range strings.Split(v, ",") {
				if u = strings.TrimSpace(u); u != "" {
					src.Feeds = append(src.Feeds, u)
				}
			}
		}
	})
	f.selectors.given(fs)
	if f.selectors.apply(src) && src.Type == pressfeed.TypeFeed {
		src.Type = pressfeed.TypeHTML // selectors on a feed source mean its URL is a page
	}
}

// openSourceStore opens the store as serve would (seeding an empty one),
// or explains why it cannot; instead says how to make the change through a
// running daemon.
func openSourceStore(ctx context.Context, cfg config.Config, stderr io.Writer, instead string) (*index.DB, int) {
	db, err := openStore(cfg)
	if err != nil {
		return nil, storeBusy(stderr, cfg, err, instead)
	}
	if _, err := db.SeedSources(ctx, cfg.SeedSources()); err != nil {
		db.Close()
		fmt.Fprintf(stderr, "pressfeed: %v\n", err)
		return nil, exitFailure
	}
	return db, -1
}

// flagsAndConfig parses a verb's flags, which take no argument, and loads
// the settings; a code of 0 or more means stop with it.
func flagsAndConfig(fs *flag.FlagSet, cfgPath *string, args []string, stderr io.Writer) (config.Config, int) {
	return thenConfig(parseFlags(fs, args), cfgPath, stderr)
}

// thenConfig loads the settings at *cfgPath once a verb's arguments parsed
// (code is -1), or passes on the code of 0 or more to stop with.
func thenConfig(code int, cfgPath *string, stderr io.Writer) (config.Config, int) {
	if code >= 0 {
		return config.Config{}, code
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return config.Config{}, exitUsage
	}
	return cfg, -1
}

// argAndConfig parses the flags around a verb's one argument and loads
// the settings; a code of 0 or more means stop with it.
func argAndConfig(fs *flag.FlagSet, cfgPath *string, args []string, stderr io.Writer) (string, config.Config, int) {
	arg, code := parseFlagsWithArg(fs, args, true)
	cfg, code := thenConfig(code, cfgPath, stderr)
	return arg, cfg, code
}

// loadSource reads the source id, explaining a missing one; a code of 0 or
// more means stop with it.
func loadSource(ctx context.Context, db *index.DB, id string, stderr io.Writer) (pressfeed.Source, int) {
	src, err := db.Source(ctx, id)
	if errors.Is(err, pressfeed.ErrNotFound) {
		fmt.Fprintf(stderr, "pressfeed sources: there is no source %q (`pressfeed sources` lists them)\n", id)
		return src, exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed: %v\n", err)
		return src, exitFailure
	}
	return src, -1
}

// apiHint says how to make a change through a running daemon's API.
func apiHint(cfg config.Config, method, path, body string) string {
	base := daemonURL(cfg)
	cmd := fmt.Sprintf("curl -X %s -H 'Authorization: Bearer TOKEN'", method)
	if body != "" {
		cmd += fmt.Sprintf(" -H 'Content-Type: application/json' -d '%s'", body)
	}
	return fmt.Sprintf("make the change through the daemon: on %s/admin, or with its API:\n  %s %s%s\n(pressfeed admin token create NAME makes a TOKEN; see README.md, \"JSON API\")", base, cmd, base, path)
}

// applyChange stores one change and prints what happened.
func applyChange(ctx context.Context, db *index.DB, ch pressfeed.SourceChange, stdout, stderr io.Writer) int {
	entries, err := db.ApplySourceChanges(ctx, cliActor(), []pressfeed.SourceChange{ch})
	var verr pressfeed.ValidationError
	switch {
	case errors.As(err, &verr):
		return printInvalid(stderr, ch.Source.ID, verr)
	case errors.Is(err, pressfeed.ErrExists):
		fmt.Fprintf(stderr, "pressfeed sources: a source %q exists; use `pressfeed sources edit %s`\n", ch.Source.ID, ch.Source.ID)
		return exitUsage
	case errors.Is(err, pressfeed.ErrNotFound):
		fmt.Fprintf(stderr, "pressfeed sources: there is no source %q (`pressfeed sources` lists them)\n", ch.Source.ID)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "pressfeed: %v\n", err)
		return exitFailure
	}
	if len(entries) == 0 {
		fmt.Fprintf(stdout, "%s: nothing changed\n", ch.Source.ID)
		return exitOK
	}
	done := map[pressfeed.Action]string{pressfeed.ActionCreate: "added", pressfeed.ActionUpdate: "updated", pressfeed.ActionDelete: "removed"}
	for _, e := range entries {
		fmt.Fprintf(stdout, "%s %s\n", done[e.Action], e.SourceID)
	}
	return exitOK
}

// printInvalid prints each bad field of a definition.
func printInvalid(stderr io.Writer, id string, err error) int {
	var verr pressfeed.ValidationError
	if errors.As(err, &verr) {
		for _, fe := range verr {
			fmt.Fprintf(stderr, "pressfeed sources: source %q: -%s: %s\n", id, fe.Field, fe.Reason)
		}
	} else {
		fmt.Fprintf(stderr, "pressfeed sources: source %q: %v\n", id, err)
	}
	fmt.Fprintln(stderr, "nothing was changed")
	return exitUsage
}

func runSourcesAdd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sources add", "sources add -id ID -name NAME -kind KIND -url URL [-area AREA] [-type auto|feed|html] [-feeds URL,…] [-pin STRATEGY] [-item SELECTOR …] [-schedule SPEC] [-disabled] [-config FILE]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); names the store")
	flags := addSourceFlags(fs, true)
	disabled := fs.Bool("disabled", false, "add it disabled: stored but not polled")
	cfg, code := flagsAndConfig(fs, cfgPath, args, stderr)
	if code >= 0 {
		return code
	}
	src := pressfeed.Source{Type: pressfeed.TypeAuto, Enabled: !*disabled}
	flags.apply(fs, &src)
	if err := config.ValidateSource(src); err != nil {
		return printInvalid(stderr, src.ID, err)
	}
	db, code := openSourceStore(ctx, cfg, stderr, apiHint(cfg, "POST", "/api/v1/sources",
		fmt.Sprintf(`{"id":%q,"name":%q,"kind":%q,"url":%q}`, src.ID, src.Name, src.Kind, src.URL)))
	if db == nil {
		return code
	}
	defer db.Close()
	return applyChange(ctx, db, pressfeed.SourceChange{Action: pressfeed.ActionCreate, Source: src}, stdout, stderr)
}

func runSourcesEdit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sources edit", "sources edit ID [-name NAME] [-kind KIND] [-area AREA] [-url URL] [-type TYPE] [-feeds URL,…] [-pin STRATEGY] [-item SELECTOR …] [-schedule SPEC] [-enabled=BOOL] [-config FILE]", stderr)
	flags := addSourceFlags(fs, false)
	enabled := fs.Bool("enabled", true, "whether the source is polled")
	return updateSource(ctx, fs, args, `{"name":"..."}`, stdout, stderr, func(src *pressfeed.Source) {
		flags.apply(fs, src)
		fs.Visit(func(fl *flag.Flag) {
			if fl.Name == "enabled" {
				src.Enabled = *enabled
			}
		})
	})
}

func runSourcesRemove(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sources rm", "sources rm ID [-config FILE]", stderr)
	return onSource(ctx, fs, args, "DELETE", "", stderr, func(db *index.DB, id string) int {
		return applyChange(ctx, db, pressfeed.SourceChange{Action: pressfeed.ActionDelete, Source: pressfeed.Source{ID: id}}, stdout, stderr)
	})
}

func runSourcesEnabled(enabled bool) func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	verb := "disable"
	if enabled {
		verb = "enable"
	}
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		fs := newFlags("sources "+verb, "sources "+verb+" ID [-config FILE]", stderr)
		return updateSource(ctx, fs, args, fmt.Sprintf(`{"enabled":%t}`, enabled), stdout, stderr, func(src *pressfeed.Source) {
			src.Enabled = enabled
		})
	}
}

// onSource adds the -config flag to fs, parses the flags around a verb's
// one argument, a source id, and opens the store, explaining while a daemon
// holds it how to make the change through its API instead (method, with
// body); do makes the change and returns the exit code.
func onSource(ctx context.Context, fs *flag.FlagSet, args []string, method, body string, stderr io.Writer, do func(db *index.DB, id string) int) int {
	cfgPath := fs.String("config", "", "settings file (TOML); names the store")
	id, cfg, code := argAndConfig(fs, cfgPath, args, stderr)
	if code >= 0 {
		return code
	}
	db, code := openSourceStore(ctx, cfg, stderr, apiHint(cfg, method, "/api/v1/sources/"+id, body))
	if db == nil {
		return code
	}
	defer db.Close()
	return do(db, id)
}

// updateSource is onSource for a PATCH: it loads the source, lets change
// alter it, and stores it.
func updateSource(ctx context.Context, fs *flag.FlagSet, args []string, body string, stdout, stderr io.Writer, change func(*pressfeed.Source)) int {
	return onSource(ctx, fs, args, "PATCH", body, stderr, func(db *index.DB, id string) int {
		src, code := loadSource(ctx, db, id, stderr)
		if code >= 0 {
			return code
		}
		change(&src)
		return applyChange(ctx, db, pressfeed.SourceChange{Action: pressfeed.ActionUpdate, Source: src}, stdout, stderr)
	})
}

func runSourcesImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sources import", "sources import [-dry-run] [-config FILE] FILE", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); names the store")
	dryRun := fs.Bool("dry-run", false, "print what would change and change nothing")
	file, cfg, code := argAndConfig(fs, cfgPath, args, stderr)
	if code >= 0 {
		return code
	}
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed sources import: %v\n", err)
		return exitUsage
	}
	list, err := sourcelist.Parse(file, data, config.ValidateSource)
	if err != nil {
		fmt.Fprintln(stderr, err)
		fmt.Fprintln(stderr, "nothing was imported")
		return exitUsage
	}
	db, code := openSourceStore(ctx, cfg, stderr, "import on its admin page: "+daemonURL(cfg)+"/admin/import")
	if db == nil {
		return code
	}
	defer db.Close()
	current, err := db.Sources(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed: %v\n", err)
		return exitFailure
	}
	have := make(map[string]pressfeed.Source, len(current))
	for _, s := range current {
		have[s.ID] = s
	}
	var changes []pressfeed.SourceChange
	same := 0
	for _, src := range list {
		old, ok := have[src.ID]
		switch {
		case !ok:
			fmt.Fprintf(stdout, "add     %s\n", src.ID)
		case !reflect.DeepEqual(old, src):
			fmt.Fprintf(stdout, "change  %s\n", src.ID)
		default:
			same++
			continue
		}
		changes = append(changes, pressfeed.SourceChange{Action: pressfeed.ActionPut, Source: src})
	}
	fmt.Fprintf(stdout, "%d to add or change, %d unchanged\n", len(changes), same)
	if *dryRun || len(changes) == 0 {
		return exitOK
	}
	if _, err := db.ApplySourceChanges(ctx, cliActor(), changes); err != nil {
		fmt.Fprintf(stderr, "pressfeed: %v\nnothing was imported\n", err)
		return exitFailure
	}
	fmt.Fprintln(stdout, "imported")
	return exitOK
}
