package main

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"pressfeed"
	"pressfeed/config"
)

//go:embed demo
var demoFiles embed.FS

// demoSources are fictional organisations whose sample feeds ship in demo/.
// Between them they show RSS, Atom and JSON Feed, a feed without guids and
// with relative links, and one story published by three of them.
var demoSources = []struct {
	pressfeed.Source
	file, contentType string
}{
	{pressfeed.Source{ID: "demo-constabulary", Name: "Demo Constabulary", Kind: pressfeed.KindForce, Area: "Demoshire"}, "demo-constabulary.rss", "application/rss+xml; charset=utf-8"},
	{pressfeed.Source{ID: "demo-commissioner", Name: "Demo Police and Crime Commissioner", Kind: pressfeed.KindPCC, Area: "Demoshire"}, "demo-commissioner.atom", "application/atom+xml"},
	{pressfeed.Source{ID: "demo-rocu", Name: "Demo Regional Organised Crime Unit", Kind: pressfeed.KindROCU, Area: "Demo Region"}, "demo-rocu.json", "application/feed+json"},
	{pressfeed.Source{ID: "demo-valley-police", Name: "Demo Valley Police", Kind: pressfeed.KindForce, Area: "Demo Valley"}, "demo-valley-police.rss", "text/xml"},
}

// demoDates matches the sample feeds' dates as they are written: RFC 1123
// in GMT (RSS) and RFC 3339 (Atom, JSON Feed). demoNewest is the latest.
var (
	demoDates  = regexp.MustCompile(`[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})`)
	demoNewest = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
)

// shiftDates moves every date in a sample feed by shift, so the demo reads
// as this week's news and its morning digest has something in it.
func shiftDates(data []byte, shift time.Duration) []byte {
	return demoDates.ReplaceAllFunc(data, func(b []byte) []byte {
		if t, err := time.Parse(http.TimeFormat, string(b)); err == nil {
			return []byte(t.Add(shift).UTC().Format(http.TimeFormat))
		}
		if t, err := time.Parse(time.RFC3339, string(b)); err == nil {
			return []byte(t.Add(shift).UTC().Format(time.RFC3339))
		}
		return b
	})
}

// demoFeedServer serves the sample feeds on a loopback port, their dates
// moved to this week, with validators so the second poll gets 304s.
func demoFeedServer() (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listen for sample feeds: %w", err)
	}
	mux := http.NewServeMux()
	modified := time.Now()
	// Whole days, so each sample keeps its time of day and the newest falls
	// within the last day.
	shift := time.Since(demoNewest).Truncate(24 * time.Hour)
	for _, ds := range demoSources {
		data, err := demoFiles.ReadFile("demo/" + ds.file)
		if err != nil {
			ln.Close()
			return nil, "", err
		}
		data = shiftDates(data, shift)
		ct := ds.contentType
		mux.HandleFunc("GET /"+ds.file, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			http.ServeContent(w, r, "", modified, bytes.NewReader(data))
		})
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return srv, "http://" + ln.Addr().String(), nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", "demo [-addr ADDR]", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address for the demo daemon")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	dir, err := os.MkdirTemp("", "pressfeed-demo-")
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed demo: %v\n", err)
		return exitFailure
	}
	defer os.RemoveAll(dir)
	feeds, feedsURL, err := demoFeedServer()
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed demo: %v\n", err)
		return exitFailure
	}
	defer feeds.Close()

	cfg := config.Default()
	cfg.Listen = *addr
	if _, port, err := net.SplitHostPort(*addr); err == nil && port != "0" {
		// The alert messages' desk and unsubscribe links need it.
		cfg.BaseURL = "http://" + *addr
	}
	cfg.DB = filepath.Join(dir, "demo.db")
	cfg.AllowPrivateNetworks = true               // the sample feeds are on loopback
	cfg.Fetch.HostSpacing = 10 * time.Millisecond // and all on one host, ours
	for _, ds := range demoSources {
		src := ds.Source
		src.URL = feedsURL + "/" + ds.file
		src.Type = pressfeed.TypeFeed
		src.Enabled = true
		cfg.Sources = append(cfg.Sources, src)
	}
	admin, password, err := demoAdmin()
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed demo: %v\n", err)
		return exitFailure
	}
	cfg.Admins = append(cfg.Admins, admin)
	logger := newLogger(stderr)
	d, code := launch(ctx, cfg, logger, stderr)
	if d == nil {
		return code
	}
	fmt.Fprintf(stdout, "pressfeed demo: sample feeds at %s, temporary store %s\n", feedsURL, cfg.DB)
	fmt.Fprintf(stdout, "open %s/ or subscribe to %s/feed.atom — Ctrl-C stops and deletes the store\n", d.URL(), d.URL())
	fmt.Fprintf(stdout, "admin pages: %s/admin, name %q, password %s (made for this run)\n", d.URL(), admin.Name, password)
	if err := addDemoDigest(ctx, d); err != nil {
		logger.Error("demo digest not added", "error", err)
	} else {
		fmt.Fprintf(stdout, "morning digest (signed in; nothing is sent): %s/admin/alerts/preview?name=%s\n", d.URL(), demoDigest)
	}
	<-ctx.Done()
	return shutdown(d, logger)
}

// demoDigest is the subscription the demo shows at /admin/alerts/preview.
const demoDigest = "morning-digest"

// addDemoDigest subscribes a placeholder address to a weekday 07:30 digest
// of everything. The demo has no mail server, so a digest that falls due
// fails, saying so on /admin/alerts, and is not sent.
func addDemoDigest(ctx context.Context, d *Daemon) error {
	sub, err := d.Alerts.Prepare(ctx, pressfeed.Subscription{Name: demoDigest, To: "mailto:desk@example.org", Cadence: pressfeed.CadenceDigest, Days: pressfeed.DaysWeekdays})
	if err != nil {
		return err
	}
	return d.DB.AddSubscription(ctx, pressfeed.Actor{Name: "demo", Via: "cli"}, sub)
}
