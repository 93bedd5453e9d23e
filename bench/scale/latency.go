package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"pressfeed/internal/synthtext"
)

// latencyResult is one URL's latency over many uncached requests.
type latencyResult struct {
	what     string
	path     string
	p50, p99 time.Duration
	bytes    int
	samples  int
}

type serveResult struct {
	stored     int
	storeBytes int64
	fill       usage
	filled     int           // items the last fill cycle added
	startup    time.Duration // until the start-up poll cycle had logged every source
	rssKB      int64         // peak RSS of the serve process after the latency runs
	anonKB     int64         // its anonymous RSS then
	latencies  []latencyResult
}

// feedURLs are the feeds timed: the plain merged feed, the largest page,
// and the filters, including a search that matches nothing and so tests
// every stored item (its search text, kept in the time index), and one
// for a word in no item, which the vocabulary answers without a walk.
var feedURLs = []struct{ what, path string }{
	{"merged feed, 50 newest", "/feed.atom"},
	{"merged feed, limit=500", "/feed.atom?limit=500"},
	{"one source of 1,000", "/feed.atom?source=src-0007"},
	{"kind=pcc (a quarter of sources)", "/feed.atom?kind=pcc"},
	{"area (one in twenty sources)", "/feed.atom?area=Area+03"},
	{"search, two common words", "/feed.atom?q=" + synthtext.Vocabulary[0] + "+" + synthtext.Vocabulary[1]},
	{"search, five words no item holds together (tests every item)", "/feed.atom?q=" + strings.Join(synthtext.Vocabulary[1000:1005], "+")},
	{"search, a word no item holds (no walk)", "/feed.atom?q=nosuchword"},
}

// latency fills the store to o.stored items, starts `pressfeed serve` on it
// and times each feed URL.
func (b *bench) latency(ctx context.Context) (serveResult, error) {
	var res serveResult
	for b.stored < b.o.stored {
		b.feeds.bump(1, b.o.items/b.o.step) // every item new
		progress("filling the store: %d items so far", b.stored)
		u, _, n, err := b.poll(ctx, b.settings)
		if err != nil {
			return res, err
		}
		b.stored += n
		res.fill, res.filled = u, n
	}
	res.stored, res.storeBytes = b.stored, size(b.db)
	err := b.serveTimed(ctx, b.settings, b.db, len(b.urls), &res)
	return res, err
}

// serveTimed starts `pressfeed serve` on a store and times each feed URL
// into res.
func (b *bench) serveTimed(ctx context.Context, settings, db string, sources int, res *serveResult) error {
	progress("starting pressfeed serve on %s", db)
	d, err := b.startDaemon(ctx, settings, db, sources)
	if err != nil {
		return err
	}
	defer d.stop()
	res.startup = d.startup
	client := &http.Client{Timeout: time.Minute}
	for _, f := range feedURLs {
		progress("timing %s", f.path)
		l, err := timeURL(client, d.url, f.path, b.o.requests)
		if err != nil {
			return err
		}
		l.what = f.what
		res.latencies = append(res.latencies, l)
		progress("  p50 %s p99 %s over %d requests", ms(l.p50), ms(l.p99), l.samples)
	}
	res.rssKB, res.anonKB = peakRSS(d.cmd.Process.Pid), anonRSS(d.cmd.Process.Pid)
	return nil
}

// growthPoint is one row of the table of how cost grows with the store:
// the ingest CPU an item of the cycle that brought the store to this size,
// and the feeds' latency at it.
type growthPoint struct {
	stored     int
	cpuPerItem time.Duration
	latencies  []latencyResult
}

// smallStore is the table's first row: the first 10,000 items' sources
// polled into a store of their own, which is then served and timed.
func (b *bench) smallStore(ctx context.Context) (growthPoint, error) {
	n := smallItems / b.o.items
	if n >= len(b.urls) {
		return growthPoint{}, nil // a small run: the main store is this size
	}
	settings, db := b.dir+"/small.toml", b.dir+"/small.db"
	if err := writeSettings(settings, db, b.urls[:n], b.o.concurrency); err != nil {
		return growthPoint{}, err
	}
	progress("a store of %d sources' items, for the growth table", n)
	u, _, stored, err := b.poll(ctx, settings)
	if err != nil {
		return growthPoint{}, err
	}
	var res serveResult
	if err := b.serveTimed(ctx, settings, db, n, &res); err != nil {
		return growthPoint{}, err
	}
	os.Remove(db)
	return growthPoint{stored: stored, cpuPerItem: u.cpu / time.Duration(max(stored, 1)), latencies: res.latencies}, nil
}

// smallItems is the size of the growth table's smallest store.
const smallItems = 10000

// urlBudget bounds the time spent on one URL, so a slow one (a search that
// matches nothing reads every item) keeps the run short; at least
// minSamples requests are made whatever the budget.
const (
	urlBudget  = 20 * time.Second
	minSamples = 3
)

// timeURL requests path n times (after a few warm-up requests, and within
// urlBudget) and returns the median and 99th-percentile latency. Each request carries a distinct
// since= in 2000, before every stored item, so it returns the same stories
// but can never be answered from a cache of rendered feeds.
func timeURL(client *http.Client, base, path string, n int) (latencyResult, error) {
	res := latencyResult{path: path}
	var times []time.Duration
	since := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	for i := -2; i < n; i++ {
		if len(times) >= minSamples && time.Since(start) > urlBudget {
			break
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u := base + path + sep + "since=" + url.QueryEscape(since.Add(time.Duration(i+10)*time.Second).Format(time.RFC3339))
		t0 := time.Now()
		resp, err := client.Get(u)
		if err != nil {
			return res, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if err != nil || resp.StatusCode != 200 {
			return res, fmt.Errorf("GET %s: %v %s", u, err, resp.Status)
		}
		if i >= 0 {
			times = append(times, d)
			res.bytes = len(body)
		}
	}
	res.samples = len(times)
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	res.p50 = times[len(times)/2]
	res.p99 = times[(len(times)*99)/100]
	if len(times) < 100 {
		res.p99 = times[len(times)-1]
	}
	return res, nil
}

// peakRSS reads a live process's peak resident set (VmHWM) in KB.
func peakRSS(pid int) int64 { return procStatus(pid, "VmHWM") }

// anonRSS reads a live process's current anonymous resident memory (heap,
// stacks; not the store's file pages that bbolt maps) in KB.
func anonRSS(pid int) int64 { return procStatus(pid, "RssAnon") }

// procStatus reads one KB figure from /proc/PID/status; 0 if unreadable.
func procStatus(pid int, field string) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}
