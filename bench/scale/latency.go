package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
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
	startup    time.Duration // until the start-up poll cycle had logged every source
	rssKB      int64         // peak RSS of the serve process after the latency runs
	anonKB     int64         // its anonymous RSS then
	latencies  []latencyResult
}

// feedURLs are the feeds timed: the plain merged feed, the largest page,
// and the filters, including a search that matches nothing and so tests
// every stored item (its search text, kept in the time index).
var feedURLs = []struct{ what, path string }{
	{"merged feed, 50 newest", "/feed.atom"},
	{"merged feed, limit=500", "/feed.atom?limit=500"},
	{"one source of 1,000", "/feed.atom?source=src-0007"},
	{"kind=pcc (a quarter of sources)", "/feed.atom?kind=pcc"},
	{"area (one in twenty sources)", "/feed.atom?area=Area+03"},
	{"search, two common words", "/feed.atom?q=" + synthtext.Vocabulary[0] + "+" + synthtext.Vocabulary[1]},
	{"search, no match (tests every item)", "/feed.atom?q=nosuchword"},
}

// latency fills the store to o.stored items, starts `pressfeed serve` on it
// and times each feed URL.
func (b *bench) latency(ctx context.Context) (serveResult, error) {
	var res serveResult
	for b.stored < b.o.stored {
		b.feeds.bump(1, b.o.items/b.o.step) // every item new
		progress("filling the store: %d items so far", b.stored)
		u, _, err := b.poll(ctx)
		if err != nil {
			return res, err
		}
		res.fill = u
	}
	res.stored, res.storeBytes = b.stored, size(b.db)

	progress("starting pressfeed serve on %d items", b.stored)
	cmd := exec.CommandContext(ctx, b.bin, "serve", "-config", b.settings, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return res, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	// The start-up cycle polls every source (all 304 now); wait for it so
	// the timings below are of a quiet daemon.
	polls := 0
	sc := bufio.NewScanner(stderr)
	for polls < len(b.urls) && sc.Scan() {
		if strings.Contains(sc.Text(), "msg=poll ") || strings.Contains(sc.Text(), `msg="poll failed"`) {
			polls++
		}
	}
	if polls < len(b.urls) {
		return res, fmt.Errorf("serve stopped after %d start-up polls", polls)
	}
	res.startup = time.Since(start)
	go io.Copy(io.Discard, stderr)
	var ctl struct{ URL string }
	data, err := os.ReadFile(b.db + ".control")
	if err == nil {
		err = json.Unmarshal(data, &ctl)
	}
	if err != nil {
		return res, fmt.Errorf("read the daemon's control file: %w", err)
	}

	client := &http.Client{Timeout: time.Minute}
	for _, f := range feedURLs {
		progress("timing %s", f.path)
		l, err := timeURL(client, ctl.URL, f.path, b.o.requests)
		if err != nil {
			return res, err
		}
		l.what = f.what
		res.latencies = append(res.latencies, l)
		progress("  p50 %s p99 %s over %d requests", ms(l.p50), ms(l.p99), l.samples)
	}
	res.rssKB, res.anonKB = peakRSS(cmd.Process.Pid), anonRSS(cmd.Process.Pid)
	return res, nil
}

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
