// Command pollcycle measures one poll cycle of many sources on loopback,
// half serving good feeds and half misbehaving, the way the daemon polls
// them (schedule.RunOnce with the configured concurrency, one shared
// fetch.Poller, a real bbolt store). It reports wall time, peak heap and
// peak RSS for a cold cycle (everything fetched) and a warm one (good
// sources answer 304, failing ones are backing off).
//
//	go run ./bench/pollcycle -sources 200 -concurrency 4 -timeout 5s
//
// With -one-host it measures the other shape of trouble: every hostile
// kind plus one good feed on a single host, polled with the daemon's own
// deadlines (60 s timeout, 15 s stall timeout, 1 s host spacing), where
// one request at a time means each misbehaving source holds up the rest.
// POLLCYCLE_VERBOSE=1 prints each source's outcome on stderr.
//
// Every server listens on 127.0.0.1 only. The process exits 1 if a good
// source was not ingested or a hostile one was.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/index"
	"pressfeed/internal/faults"
	"pressfeed/schedule"
)

func main() {
	n := flag.Int("sources", 200, "sources in the cycle; half good, half hostile")
	concurrency := flag.Int("concurrency", 4, "polls at once, as the concurrency setting")
	timeout := flag.Duration("timeout", 5*time.Second, "per-fetch deadline (the daemon's default is 60s)")
	oneHost := flag.Bool("one-host", false, "every hostile kind and one good feed on one host, with the daemon's deadlines (-sources and -timeout unused)")
	flag.Parse()
	var err error
	if *oneHost {
		err = runOneHost(*concurrency)
	} else {
		err = run(*n, *concurrency, *timeout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pollcycle:", err)
		os.Exit(1)
	}
}

// hostileKinds are the misbehaviours the hostile half cycles through.
var hostileKinds = []string{"hang", "drip", "huge", "gzip-bomb", "redirect-loop", "429", "500", "410", "html", "truncated", "billion-laughs", "xxe"}

// oneHostKinds are the misbehaviours of the one-host cycle: the kinds above
// and three more ways to go quiet.
var oneHostKinds = append(slices.Clone(hostileKinds), "headers-then-silence", "silence-mid-body", "redirect-to-hang")

func run(n, concurrency int, timeout time.Duration) error {
	db, closeDB, err := openTempDB()
	if err != nil {
		return err
	}
	defer closeDB()

	feed := goodFeed(30)
	var servers []*http.Server
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	var sources []pressfeed.Source
	good := map[string]bool{}
	for i := range n {
		var h http.Handler
		id := fmt.Sprintf("good-%03d", i)
		if i%2 == 0 {
			h = goodHandler(feed)
			good[id] = true
		} else {
			kind := hostileKinds[(i/2)%len(hostileKinds)]
			id = fmt.Sprintf("hostile-%03d-%s", i, kind)
			h = hostileHandler(kind)
		}
		srv, base, err := listen(h)
		if err != nil {
			return err
		}
		servers = append(servers, srv)
		sources = append(sources, pressfeed.Source{ID: id, Name: id, Kind: pressfeed.KindOther, URL: base + "/feed", Type: pressfeed.TypeFeed, Enabled: true})
	}

	p := newPoller(db, timeout)
	fmt.Printf("pollcycle: %d sources (%d good, %d hostile: %s), concurrency %d, timeout %s, %s, GOMAXPROCS %d\n\n",
		n, len(good), n-len(good), strings.Join(hostileKinds, ", "), concurrency, timeout, runtime.Version(), runtime.GOMAXPROCS(0))
	return pollCycles(p, sources, concurrency, good, []string{"peak heap", "peak RSS (process)", "outcomes"},
		func(_ string, results []fetch.Result, heap uint64) []string {
			return []string{fmt.Sprintf("%.1f MiB", float64(heap)/(1<<20)), fmt.Sprintf("%.1f MiB", float64(peakRSS())/(1<<20)), summarize(results)}
		})
}

// runOneHost polls fifteen hostile sources and one good one, all on one
// host, as a daemon with the default [fetch] settings would, twice (cold,
// then warm), and reports each cycle's wall time. The good source must be
// ingested.
func runOneHost(concurrency int) error {
	db, closeDB, err := openTempDB()
	if err != nil {
		return err
	}
	defer closeDB()

	mux := http.NewServeMux()
	mux.Handle("/good/", http.StripPrefix("/good", goodHandler(goodFeed(30))))
	var sources []pressfeed.Source
	good := map[string]bool{"good": true}
	for _, kind := range oneHostKinds {
		mux.Handle("/"+kind+"/", http.StripPrefix("/"+kind, hostileHandler(kind)))
	}
	srv, base, err := listen(mux)
	if err != nil {
		return err
	}
	defer srv.Close()
	// The good source last: it waits behind every hostile one.
	for _, id := range append(slices.Clone(oneHostKinds), "good") {
		sources = append(sources, pressfeed.Source{ID: id, Name: id, Kind: pressfeed.KindOther, URL: base + "/" + id + "/feed", Type: pressfeed.TypeFeed, Enabled: true})
	}
	p := newPoller(db, 0) // the daemon's [fetch] defaults
	fmt.Printf("pollcycle -one-host: %d hostile sources (%s) and 1 good, one host, concurrency %d, the daemon's [fetch] defaults, %s\n\n",
		len(oneHostKinds), strings.Join(oneHostKinds, ", "), concurrency, runtime.Version())
	return pollCycles(p, sources, concurrency, good, []string{"good source", "outcomes"},
		func(cycle string, results []fetch.Result, _ uint64) []string {
			goodOutcome := ""
			for _, r := range results {
				if os.Getenv("POLLCYCLE_VERBOSE") != "" {
					fmt.Fprintf(os.Stderr, "%s %s %s %v\n", cycle, r.SourceID, r.Duration.Round(time.Second), r.Err)
				}
				if r.SourceID == "good" {
					goodOutcome = r.Outcome
				}
			}
			return []string{goodOutcome, summarize(results)}
		})
}

// pollCycles polls sources twice, cold then warm, checks that each cycle
// ingested the good ones, and prints a Markdown table of the cycles: their
// wall time and then the columns that cells gives for each.
func pollCycles(p *fetch.Poller, sources []pressfeed.Source, concurrency int, good map[string]bool, columns []string,
	cells func(cycle string, results []fetch.Result, heap uint64) []string) error {
	fmt.Println("| cycle | wall time | " + strings.Join(columns, " | ") + " |")
	fmt.Println("|---|---|" + strings.Repeat("---|", len(columns)))
	for _, cycle := range []string{"cold", "warm"} {
		results, wall, heap := pollAll(p, sources, concurrency)
		if err := checkResults(results, good); err != nil {
			return fmt.Errorf("%s cycle: %w", cycle, err)
		}
		fmt.Printf("| %s | %s | %s |\n", cycle, wall.Round(10*time.Millisecond), strings.Join(cells(cycle, results, heap), " | "))
	}
	return nil
}

// openTempDB opens a fresh store in a temporary folder; closeDB closes it
// and removes the folder.
func openTempDB() (db *index.DB, closeDB func(), err error) {
	dir, err := os.MkdirTemp("", "pollcycle-")
	if err != nil {
		return nil, nil, err
	}
	db, err = index.Open(filepath.Join(dir, "bench.db"), index.Options{})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() {
		db.Close()
		os.RemoveAll(dir)
	}, nil
}

// newPoller returns a quiet poller over db that may fetch from loopback,
// where every server here listens; a zero timeout keeps the default.
func newPoller(db *index.DB, timeout time.Duration) *fetch.Poller {
	return fetch.NewPoller(db, fetch.Options{
		UserAgent:            "pressfeed-bench",
		AllowPrivateNetworks: true,
		Timeout:              timeout,
		Logger:               slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// pollAll polls every source once, as `pressfeed poll` does, and returns
// the results, the wall time and the peak of live heap objects.
func pollAll(p *fetch.Poller, sources []pressfeed.Source, concurrency int) ([]fetch.Result, time.Duration, uint64) {
	var (
		mu      sync.Mutex
		results []fetch.Result
		peak    atomic.Uint64
	)
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	schedule.RunOnce(context.Background(), sources, concurrency, func(ctx context.Context, src pressfeed.Source) {
		r := p.Poll(ctx, src)
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	})
	wall := time.Since(start)
	close(done)
	<-sampled
	return results, wall, peak.Load()
}

// checkResults insists that no good source failed and no hostile source
// was stored.
func checkResults(results []fetch.Result, good map[string]bool) error {
	for _, r := range results {
		switch {
		case good[r.SourceID] && r.Outcome == fetch.OutcomeError:
			return fmt.Errorf("good source %s failed: %v", r.SourceID, r.Err)
		case !good[r.SourceID] && r.Outcome == fetch.OutcomeOK && !strings.HasSuffix(r.SourceID, "billion-laughs") && !strings.HasSuffix(r.SourceID, "xxe"):
			return fmt.Errorf("hostile source %s was stored", r.SourceID)
		}
	}
	return nil
}

// summarize counts outcomes, with the error category.
func summarize(results []fetch.Result) string {
	counts := map[string]int{}
	for _, r := range results {
		key := r.Outcome
		var fe *fetch.Error
		if r.Err != nil && errors.As(r.Err, &fe) {
			key += ":" + string(fe.Category)
		}
		counts[key]++
	}
	var parts []string
	for k, v := range counts {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// peakRSS is the process's high-water resident set (VmHWM), servers
// included, or 0 where /proc is not available.
func peakRSS() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb uint64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

// listen serves h on a fresh loopback port.
func listen(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return srv, "http://" + ln.Addr().String(), nil
}

// goodFeed is a police-style RSS feed of n items, about 1.3 KB each.
func goodFeed(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel><title>Constabulary news</title><link>https://force.example/news</link><description>News</description>\n")
	for i := range n {
		fmt.Fprintf(&b, "<item><title>Appeal for witnesses after incident %d</title><link>https://force.example/news/%d</link><guid isPermaLink=\"false\">news-%d</guid>"+
			"<pubDate>Mon, 23 Nov 2026 10:%02d:00 +0000</pubDate><description>&lt;p&gt;%s&lt;/p&gt;</description></item>\n",
			i, i, i, i%60, strings.Repeat("Officers are appealing for information. ", 30))
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// goodHandler serves body with an ETag and answers 304 to it.
func goodHandler(body []byte) http.Handler {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(body)
	})
}

// sibling is the path of name beside the requested one, as the client
// asked for it: the one-host cycle serves each kind under a prefix that
// http.StripPrefix has taken off r.URL.Path.
func sibling(r *http.Request, name string) string {
	return path.Join(path.Dir(r.RequestURI), name)
}

// hostileHandler misbehaves in the named way.
func hostileHandler(kind string) http.Handler {
	drip, huge, bomb := faults.Drip(50*time.Millisecond), faults.HugeBody(2<<30, nil), faults.GzipBomb(1024)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch kind {
		case "hang":
			faults.Hang(w, r)
		case "headers-then-silence":
			w.Header().Set("Content-Type", "application/rss+xml")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case "silence-mid-body":
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(goodFeed(10)[:4096])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case "redirect-to-hang":
			if r.URL.Path == "/feed" {
				http.Redirect(w, r, sibling(r, "hung"), http.StatusFound)
				return
			}
			faults.Hang(w, r)
		case "drip":
			drip(w, r)
		case "huge":
			huge(w, r)
		case "gzip-bomb":
			bomb(w, r)
		case "redirect-loop":
			http.Redirect(w, r, sibling(r, map[string]string{"/feed": "other", "/other": "feed"}[r.URL.Path]), http.StatusFound)
		case "429":
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		case "500":
			http.Error(w, "internal error", http.StatusInternalServerError)
		case "410":
			w.WriteHeader(http.StatusGone)
		case "html":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"))
		case "truncated":
			w.Write(goodFeed(10)[:5000])
		case "billion-laughs":
			w.Write([]byte(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss version="2.0"><channel><item><title>&c;</title><guid>l</guid></item></channel></rss>`))
		case "xxe":
			w.Write([]byte(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><item><title>&x;</title><guid>x</guid></item></channel></rss>`))
		}
	})
}
