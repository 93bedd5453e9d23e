package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/fetch"
	"pressfeed/index"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ", ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// selectorFlags are the [source.html] keys as flags, shared by check and
// sources add and edit.
type selectorFlags struct {
	item, title, link, linkAttr, date, dateAttr, layout, summary string
	image, imageAttr                                             string
	follow                                                       int
	followSet                                                    bool // -follow was given, perhaps as 0
}

func (f *selectorFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.item, "item", "", "html.item: CSS selector matching each news item")
	fs.StringVar(&f.title, "title", "", "html.title: selector of the title inside an item (default: the link's text)")
	fs.StringVar(&f.link, "link", "", "html.link: selector of the link inside an item (default: the first a[href])")
	fs.StringVar(&f.linkAttr, "link-attr", "", "html.link_attr: attribute holding the link (default href)")
	fs.StringVar(&f.date, "date", "", "html.date: selector of the date inside an item (default: a time[datetime])")
	fs.StringVar(&f.dateAttr, "date-attr", "", "html.date_attr: read the date from this attribute, e.g. datetime")
	fs.StringVar(&f.layout, "date-layout", "", `html.date_layout: Go layout, e.g. "Monday, January 2, 2006"`)
	fs.StringVar(&f.summary, "summary", "", "html.summary: selector of the teaser inside an item")
	fs.StringVar(&f.image, "image", "", "html.image: selector of the image inside an item")
	fs.StringVar(&f.imageAttr, "image-attr", "", "html.image_attr: attribute holding the image URL (default src)")
	fs.IntVar(&f.follow, "follow", 0, "html.follow: new items' pages to fetch for dates and summaries")
}

// given notes which flags fs saw; call it after parsing.
func (f *selectorFlags) given(fs *flag.FlagSet) {
	fs.Visit(func(fl *flag.Flag) { f.followSet = f.followSet || fl.Name == "follow" })
}

// apply sets the selectors the flags give over src's and reports whether
// any was given.
func (f *selectorFlags) apply(src *pressfeed.Source) bool {
	spec := pressfeed.HTMLSpec{}
	if src.HTML != nil {
		spec = *src.HTML
	}
	changed := false
	for _, o := range []struct {
		flag string
		dst  *string
	}{
		{f.item, &spec.Item}, {f.title, &spec.Title}, {f.link, &spec.Link}, {f.linkAttr, &spec.LinkAttr},
		{f.date, &spec.Date}, {f.dateAttr, &spec.DateAttr}, {f.layout, &spec.DateLayout},
		{f.summary, &spec.Summary}, {f.image, &spec.Image}, {f.imageAttr, &spec.ImageAttr},
	} {
		if o.flag != "" {
			*o.dst, changed = o.flag, true
		}
	}
	if f.followSet {
		spec.Follow, changed = f.follow, true
	}
	if changed {
		src.HTML = &spec
	}
	return changed
}

// checkFlags are the flags of `pressfeed check` that change the source
// before it is checked, so an admin can try selectors without saving them.
type checkFlags struct {
	selectorFlags
	typ, maxAge      string
	include, exclude stringList
	ignoreRobots     bool
}

func (f *checkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.typ, "type", "", "auto, feed or html (default: the source's; for a URL, html when -item is given, else auto)")
	f.selectorFlags.register(fs)
	fs.Var(&f.include, "include", "keep only items with this keyword (repeatable)")
	fs.Var(&f.exclude, "exclude", "drop items with this keyword (repeatable)")
	fs.StringVar(&f.maxAge, "max-age", "", `max_age: drop items older than this, e.g. "14d"`)
	fs.BoolVar(&f.ignoreRobots, "ignore-robots", false, "fetch even where robots.txt disallows (only with the site's permission)")
}

// apply changes src as the flags say. Selectors make a feed source html;
// an auto source keeps its type and tries them as a strategy.
func (f *checkFlags) apply(src pressfeed.Source) pressfeed.Source {
	if f.selectorFlags.apply(&src) && src.Type != pressfeed.TypeAuto {
		src.Type = pressfeed.TypeHTML
	}
	if f.typ != "" {
		src.Type = pressfeed.SourceType(f.typ)
	}
	if src.Type == pressfeed.TypeFeed {
		src.HTML = nil
	}
	for _, kw := range f.include {
		src.Include = append(src.Include, pressfeed.Rule{Keyword: kw})
	}
	for _, kw := range f.exclude {
		src.Exclude = append(src.Exclude, pressfeed.Rule{Keyword: kw})
	}
	if f.maxAge != "" {
		src.MaxAge = f.maxAge
	}
	if f.ignoreRobots {
		src.IgnoreRobots = true
	}
	return src
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "check SOURCE-ID | URL [flags], or check -all [-json] [-config FILE]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML): its store, fetch settings and sources; the defaults when empty")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	limit := fs.Int("n", 20, "print at most this many items")
	all := fs.Bool("all", false, "resolve every source and print one table: source, strategy, items, newest date, problems")
	var cf checkFlags
	cf.register(fs)
	target, code := checkTarget(fs, args, all)
	if code >= 0 {
		return code
	}
	cf.given(fs)
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return exitUsage
	}
	p := newPoller(cfg, nil, slog.New(slog.DiscardHandler)) // the report says what went wrong
	if *all {
		return checkAll(ctx, cfg, p, *asJSON, stdout, stderr)
	}
	src, origin, err := findSource(ctx, cfg, target, cf.item != "")
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed check: %v\n", err)
		return exitUsage
	}
	src = cf.apply(src)
	if err := config.ValidateSource(src); err != nil {
		for _, line := range fieldLines(err) {
			fmt.Fprintf(stderr, "pressfeed check: source %q (from %s): %s\n", src.ID, origin, line)
		}
		return exitUsage
	}
	rep, checkErr := p.Check(ctx, src)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		out := struct {
			Source pressfeed.Source `json:"source"`
			Origin string           `json:"origin"`
			fetch.CheckReport
			Error string `json:"error,omitempty"`
		}{Source: src, Origin: origin, CheckReport: rep}
		if checkErr != nil {
			out.Error = checkErr.Error()
		}
		enc.Encode(out)
	} else {
		printReport(stdout, src, origin, rep, checkErr, *limit)
	}
	if checkErr != nil {
		fmt.Fprintf(stderr, "pressfeed check: a poll of %s would fail: %v\n", src.ID, checkErr)
		return exitFailure
	}
	return exitOK
}

// checkTarget parses check's flags around its one argument, which -all
// forbids and everything else needs; a code of 0 or more means stop with
// it, before anything is fetched.
func checkTarget(fs *flag.FlagSet, args []string, all *bool) (string, int) {
	if err := fs.Parse(args); err != nil {
		return "", flagExit(err)
	}
	target, rest := "", fs.Args()
	if len(rest) > 0 {
		target = rest[0]
		if err := fs.Parse(rest[1:]); err != nil {
			return "", flagExit(err)
		}
		rest = fs.Args()
	}
	switch {
	case len(rest) > 0:
		fmt.Fprintf(fs.Output(), "pressfeed check: unexpected argument %q\n", rest[0])
	case *all && target != "":
		fmt.Fprintf(fs.Output(), "pressfeed check: -all checks every source; it takes no %q\n", target)
	case !*all && target == "":
		fs.Usage()
	default:
		return target, -1
	}
	return "", exitUsage
}

// findSource returns the source target names and where it was found: target
// is a URL (a new auto source, html when asHTML) or the id of a source in the
// store, else in the settings file or embedded defaults. The store is opened
// read-only and never created; when a daemon holds it the settings are used
// and the origin says so.
func findSource(ctx context.Context, cfg config.Config, target string, asHTML bool) (pressfeed.Source, string, error) {
	if strings.Contains(target, "://") {
		u, err := url.Parse(target)
		if err != nil {
			return pressfeed.Source{}, "", fmt.Errorf("%q is not a URL: %v", target, err)
		}
		src := pressfeed.Source{ID: "check", Name: u.Host, Kind: pressfeed.KindOther, URL: target, Type: pressfeed.TypeAuto, Enabled: true}
		if asHTML {
			src.Type = pressfeed.TypeHTML
		}
		return src, "the command line", nil
	}
	list, from := knownSources(ctx, cfg)
	for _, src := range list {
		if src.ID == target {
			return src, from, nil
		}
	}
	return pressfeed.Source{}, "", fmt.Errorf("no source %q in %s, nor is it a URL", target, from)
}

// knownSources returns the source list a check reads and where it came
// from: the store, opened read-only and never created, else the settings
// file or the embedded defaults, saying why the store was not used.
func knownSources(ctx context.Context, cfg config.Config) ([]pressfeed.Source, string) {
	var storeNote string
	if _, err := os.Stat(cfg.DB); err == nil {
		db, err := index.Open(cfg.DB, index.Options{ReadOnly: true, Timeout: 300 * time.Millisecond})
		switch {
		case errors.Is(err, pressfeed.ErrStoreLocked):
			storeNote = fmt.Sprintf(" (the store %s is in use by another process, probably a running daemon)", cfg.DB)
		case err != nil:
			storeNote = fmt.Sprintf(" (the store %s could not be read: %v)", cfg.DB, err)
		default:
			list, err := db.Sources(ctx)
			db.Close()
			if err == nil && len(list) > 0 {
				return list, "the store " + cfg.DB
			}
			storeNote = fmt.Sprintf(" (the store %s holds no sources)", cfg.DB)
		}
	}
	from := "the embedded defaults"
	if len(cfg.Sources) > 0 {
		from = "the settings file " + cfg.Path
	}
	return cfg.SeedSources(), from + storeNote
}

func fieldLines(err error) []string {
	var verr pressfeed.ValidationError
	if errors.As(err, &verr) {
		out := make([]string, len(verr))
		for i, fe := range verr {
			out[i] = fe.Error()
		}
		return out
	}
	return []string{err.Error()}
}

// printReport writes the check report for a person at a terminal.
func printReport(w io.Writer, src pressfeed.Source, origin string, rep fetch.CheckReport, checkErr error, limit int) {
	state := ""
	if !src.Enabled {
		state = ", disabled"
	}
	fmt.Fprintf(w, "source %s (%s%s) from %s\n", src.ID, src.Type, state, origin)
	if rep.URL != "" {
		fmt.Fprintf(w, "fetched %s: HTTP %d, %d items found\n", rep.URL, rep.Status, rep.Found)
	} else {
		fmt.Fprintf(w, "fetched %s: no answer\n", src.URL)
	}
	london := pressfeed.London()
	for i, it := range rep.Items {
		if i == limit {
			fmt.Fprintf(w, "\n… and %d more (-n to see them)\n", len(rep.Items)-limit)
			break
		}
		date := "no date: the time it is first seen will be used"
		if !it.Published.IsZero() {
			date = it.Published.In(london).Format("Mon 2 Jan 2006 15:04 MST")
		}
		fmt.Fprintf(w, "\n%2d. %s\n    link:    %s\n    date:    %s\n", i+1, printable(it.Title), printable(orNone(it.Link)), date)
		if it.Summary != "" {
			fmt.Fprintf(w, "    summary: %s\n", printable(fetch.Excerpt(it.Summary, 100)))
		}
		if it.Image != "" {
			fmt.Fprintf(w, "    image:   %s\n", printable(it.Image))
		}
	}
	if len(rep.Dropped) > 0 {
		fmt.Fprintf(w, "\ndropped by the source's rules:\n")
		for _, d := range rep.Dropped {
			fmt.Fprintf(w, "  - %s: %s\n", printable(d.Item.Title), printable(d.Reason))
		}
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(w, "\nwarnings:\n")
		for _, warn := range rep.Warnings {
			fmt.Fprintf(w, "  ! %s\n", printable(warn))
		}
	}
	if checkErr != nil {
		fmt.Fprintf(w, "\na poll would fail and store nothing; nothing was stored\n")
		return
	}
	fmt.Fprintf(w, "\na poll would store %d items (%d dropped by rules); nothing was stored\n", len(rep.Items), len(rep.Dropped))
}

// printable replaces control characters, so text from a web page cannot
// move the cursor or recolour the terminal it is printed on.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
