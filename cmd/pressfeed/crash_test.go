package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
	"pressfeed/internal/synthtext"
)

// crashFeeds serves crashSources feeds. Every request for a source gets its
// next 50 items, never seen before, with bodies large enough to make each
// poll a real write; the server remembers what it last served each source.
type crashFeeds struct {
	*httptest.Server
	mu     sync.Mutex
	next   map[string]int      // source → first item number of its next response
	served map[string][]string // source → guids of its last response
}

const (
	crashSources  = 16
	crashPerFeed  = 50
	crashKills    = 24
	crashBodySize = 1000
)

func newCrashFeeds(t *testing.T) *crashFeeds {
	f := &crashFeeds{next: map[string]int{}, served: map[string][]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/")
		f.mu.Lock()
		first := f.next[id]
		f.next[id] = first + crashPerFeed
		guids := make([]string, crashPerFeed)
		for i := range guids {
			guids[i] = fmt.Sprintf("%s-%d", id, first+i)
		}
		f.served[id] = guids
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>https://%s.example/</link>`, id, id)
		for i, g := range guids {
			fmt.Fprintf(w, `<item><guid>%s</guid><title>%s</title><link>https://%s.example/news/%s</link><pubDate>%s</pubDate><description><![CDATA[<p>%s</p><p><a href="/more/%s">More</a></p>]]></description></item>`,
				g, synthtext.Unique(g+"/title", 7), id, g, time.Now().Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z), synthtext.Unique(g, crashBodySize/9), g)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	t.Cleanup(f.Close)
	return f
}

// lastServed returns the guids last served to source id.
func (f *crashFeeds) lastServed(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.served[id]
}

// pollLine is the part of the daemon's one-line-per-poll log the test reads.
type pollLine struct {
	Msg     string `json:"msg"`
	Source  string `json:"source"`
	Outcome string `json:"outcome"`
	New     int    `json:"new"`
}

// completedPolls reads the daemon's JSON log and returns the sources whose
// poll was logged as stored ("ok"). The daemon writes that line only after
// the poll's transaction has committed.
func completedPolls(t *testing.T, log string) map[string]pollLine {
	out := map[string]pollLine{}
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l pollLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue // a line cut short by the kill
		}
		if l.Msg == "poll" && l.Outcome == "ok" {
			out[l.Source] = l
		}
	}
	return out
}

// TestCrashSafety kills the real daemon with SIGKILL crashKills times while
// it ingests, and checks after each kill that the store opens, passes bbolt's
// consistency check and this store's own invariants, and holds every item of
// every poll the log reported as completed, in this run and all before it.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	ctx := context.Background()
	feeds := newCrashFeeds(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "crash.db")
	var b strings.Builder
	fmt.Fprintf(&b, "db = %q\nallow_private_networks = true\nlog_format = \"json\"\nconcurrency = 4\n", db)
	// Every feed is on one loopback host: without this the fetcher's
	// politeness would space the polls a second apart.
	fmt.Fprintf(&b, "[fetch]\nhost_spacing = \"1ms\"\n")
	writeSources(&b, crashSources, feeds.URL)
	settings := filepath.Join(dir, "crash.toml")
	if err := os.WriteFile(settings, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 8))
	mustHave := map[string]string{} // item key → what it is, for messages
	midIngest := 0
	for run := 1; run <= crashKills; run++ {
		// Kill once a random number of polls has completed, so most kills
		// land with other polls mid-transaction; a few land at start-up.
		killAfter := rng.IntN(crashSources)
		cmd, stderr := spawnServe(t, settings)
		killAfterPolls(t, run, cmd, stderr, killAfter, time.Duration(rng.IntN(3000))*time.Microsecond)
		log := stderr.String()

		done := completedPolls(t, log)
		if len(done) < crashSources {
			midIngest++
		}
		for src := range done {
			for _, g := range feeds.lastServed(src) {
				mustHave[pressfeed.ItemKey(src, g)] = src + " " + g
			}
		}

		store, err := index.Open(db, index.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatalf("run %d: store does not open after SIGKILL: %v", run, err)
		}
		if err := store.Verify(ctx); err != nil {
			store.Close()
			t.Fatalf("run %d: store fails its check after SIGKILL: %v", run, err)
		}
		missing := 0
		for key, what := range mustHave {
			if _, err := store.Item(ctx, key); err != nil {
				if missing++; missing <= 5 {
					t.Errorf("run %d: item %s of a completed poll is missing: %v", run, what, err)
				}
			}
		}
		n, _ := store.ItemCount(ctx)
		store.Close()
		if missing > 0 {
			t.Fatalf("run %d: %d items of completed polls missing (kill after %d polls)", run, missing, killAfter)
		}
		if n < len(mustHave) {
			t.Fatalf("run %d: %d items stored, fewer than the %d of completed polls", run, n, len(mustHave))
		}
	}
	t.Logf("%d kills, %d of them with polls still running; %d items of completed polls all present", crashKills, midIngest, len(mustHave))
	if midIngest < crashKills/2 {
		t.Errorf("only %d of %d kills landed during ingest; the test is not exercising what it claims", midIngest, crashKills)
	}
}
