// Command scale measures pressfeed at the scale of 1,000 sources, on
// loopback only, and prints a results table ready for BENCHMARKS.md:
//
//	go run ./bench/scale              # the full run (a few minutes)
//	go run ./bench/scale -sources 100 # a quick one while developing
//
// It builds the real binary, serves 1,000 RSS feeds of 50 items (~100 KB
// each) from its own loopback addresses, and runs `pressfeed poll` as a
// child process for three cycles: cold (empty store), every source 304, and
// 10 % of sources changed. For each it reports wall time, CPU seconds (user
// + system, from the child's rusage), peak RSS and the store's size. The
// floor is the same three cycles done by a plain net/http client that only
// fetches and parses with gofeed, run the same way (a child process, the
// same concurrency). It runs the 304 and changed cycles again in a running
// daemon (`pressfeed serve`, its scheduler starting every source at the
// same minute), after one changed cycle that warms the daemon up, against
// a warm floor (daemon.go). Then it fills the store to
// 100,000 items, starts `pressfeed serve` on it and measures p50/p99
// latency of /feed.atom uncached, plain and filtered; the same latencies
// at 10,000 items (a store of 200 sources) and after the cold cycle make
// the table of how cost grows with the store.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

type options struct {
	sources, items, itemBytes, step int
	concurrency, runs, requests     int
	stored                          int
	keep, feedsOnly                 bool
}

func main() {
	if len(os.Args) > 2 && (os.Args[1] == "-floor" || os.Args[1] == "-floor-warm") {
		os.Exit(floorMain(os.Args[2:], os.Args[1] == "-floor-warm"))
	}
	var o options
	flag.IntVar(&o.sources, "sources", 1000, "sources (each on its own loopback address)")
	flag.IntVar(&o.items, "items", 50, "items per feed")
	flag.IntVar(&o.itemBytes, "item-bytes", 1900, "HTML bytes per item description (~100 KB feeds at 50 items)")
	flag.IntVar(&o.step, "step", 5, "new items in a changed feed")
	flag.IntVar(&o.concurrency, "concurrency", 4, "polls at once, for pressfeed and the floor alike")
	flag.IntVar(&o.runs, "runs", 3, "repetitions of each cycle; the median is reported")
	flag.IntVar(&o.requests, "requests", 200, "requests per feed URL for the latency table")
	flag.IntVar(&o.stored, "stored", 100000, "items in the store for the latency table (filled by more changed cycles)")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory (store, settings, logs)")
	flag.BoolVar(&o.feedsOnly, "feeds-only", false, "only serve the feeds and write the settings file, until interrupted (for profiling by hand)")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "pressfeed-scale-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "working directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := filepath.Join(dir, "pressfeed")
	progress("building pressfeed")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/pressfeed").CombinedOutput(); err != nil {
		return fmt.Errorf("build (run from the repository root): %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	progress("starting %d feeds", o.sources)
	feeds, urls, err := startFeeds(o.sources, o.items, o.itemBytes, o.step)
	if err != nil {
		return err
	}
	defer feeds.close()
	db := filepath.Join(dir, "scale.db")
	settings := filepath.Join(dir, "scale.toml")
	if err := writeSettings(settings, db, urls, o.concurrency); err != nil {
		return err
	}
	if o.feedsOnly {
		fmt.Printf("settings: %s\nstore:    %s\nserving %d feeds until interrupted; every SIGUSR1 changes 10 %% of them\n", settings, db, o.sources)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
		for s := range sig {
			if s != syscall.SIGUSR1 {
				return nil
			}
			feeds.bump(10, 1)
		}
	}
	b := &bench{o: o, bin: bin, self: self, dir: dir, db: db, settings: settings, urls: urls, feeds: feeds}
	small, err := b.smallStore(ctx)
	if err != nil {
		return err
	}
	res, err := b.cycles(ctx)
	if err != nil {
		return err
	}
	running, err := b.daemonCycles(ctx)
	if err != nil {
		return err
	}
	// The growth table's rows: the small store, the cold cycle's and the
	// last fill's.
	var growth []growthPoint
	if small.stored > 0 {
		growth = append(growth, small)
	}
	mid := serveResult{stored: b.stored}
	if err := b.serveTimed(ctx, b.settings, b.db, len(b.urls), &mid); err != nil {
		return err
	}
	cold := o.sources * o.items
	growth = append(growth, growthPoint{stored: b.stored, cpuPerItem: res[0].ours.cpu / time.Duration(cold), latencies: mid.latencies})
	lat, err := b.latency(ctx)
	if err != nil {
		return err
	}
	if lat.filled > 0 {
		growth = append(growth, growthPoint{stored: lat.stored, cpuPerItem: lat.fill.cpu / time.Duration(lat.filled), latencies: lat.latencies})
	}
	report(os.Stdout, o, append(res, running...), lat, growth)
	return nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "scale: "+format+"\n", args...)
}

type bench struct {
	o                  options
	bin, self, dir, db string
	settings           string
	urls               []string
	feeds              *feedServer
	stored             int // items in the store, from the polls' counts
}

// writeSettings writes a settings file naming every source, polled
// hourly, so the serve phase is quiet after its start-up cycle.
func writeSettings(path, db string, urls []string, concurrency int) error {
	head := fmt.Sprintf("db = %q\nallow_private_networks = true\nconcurrency = %d\nlog_level = \"info\"\n", db, concurrency)
	return os.WriteFile(path, []byte(head+sourceTables(urls, hourly)), 0o644)
}

// hourly is the sources' schedule but in the running-daemon cycles.
const hourly = "@every 1h"

// sourceTables returns a [[source]] table for every URL, each polled on
// schedule.
func sourceTables(urls []string, schedule string) string {
	kinds := []string{"force", "pcc", "rocu", "other"}
	var b strings.Builder
	for i, u := range urls {
		fmt.Fprintf(&b, "\n[[source]]\nid = \"src-%04d\"\nname = \"Source %d\"\nkind = %q\narea = \"Area %02d\"\nurl = %q\nschedule = %q\n",
			i, i, kinds[i%len(kinds)], i%20, u, schedule)
	}
	return b.String()
}

// usage is what one child process cost.
type usage struct {
	wall, cpu     time.Duration
	rssKB, anonKB int64 // peak resident set; peak anonymous part (sampled)
}

func init() {
	if runtime.GOOS != "linux" {
		fmt.Fprintln(os.Stderr, "scale: needs Linux (loopback addresses beyond 127.0.0.1, rusage)")
		os.Exit(2)
	}
}
