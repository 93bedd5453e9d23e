package bench_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/index"
	"pressfeed/internal/synthtext"
)

// coldFeed is source i's RSS feed as bench/scale serves it: 50 items, each
// an 8-word title and about 1.9 KB of HTML description.
func coldFeed(i int) []byte { return feedFrom(i, 0) }

// feedFrom is source i's feed of its items first to first+49, newest first.
func feedFrom(i, first int) []byte {
	var b bytes.Buffer
	epoch := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>S%d</title><link>http://s%d.example/</link><description>d</description>`, i, i)
	for n := first + 49; n >= first; n-- {
		b.WriteString("<item><title>")
		synthtext.NewWords(uint64(i)<<32|uint64(n), 0).Write(&b, 8)
		fmt.Fprintf(&b, "</title><link>http://s%d.example/news/%d</link><guid>http://s%d.example/news/%d</guid><pubDate>%s</pubDate><description><![CDATA[",
			i, n, i, n, epoch.Add(time.Duration(n)*time.Hour).Format(time.RFC1123Z))
		start := b.Len()
		for p := 1; b.Len()-start < 1900; p++ {
			b.WriteString("<p>")
			synthtext.NewWords(uint64(i)<<32|uint64(n), uint64(p)).Write(&b, 30)
			fmt.Fprintf(&b, ` <a href="/news/%d/more">more</a> <strong>update</strong></p>`, n)
		}
		b.WriteString("]]></description></item>\n")
	}
	b.WriteString("</channel></rss>")
	return b.Bytes()
}

// BenchmarkColdIngest is one cold poll cycle of 100 feed sources into an
// empty store, four polls at once, through the real poller and store: the
// in-process cut of bench/scale's cold cycle, small enough to profile
// (go test ./bench -run '^$' -bench ColdIngest -benchtime 3x -cpuprofile cpu.out).
func BenchmarkColdIngest(b *testing.B) {
	const sources = 100
	feeds := make([][]byte, sources)
	for i := range feeds {
		feeds[i] = coldFeed(i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/f/%d", &i); err != nil || i < 0 || i >= sources {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(feeds[i])
	}))
	defer srv.Close()
	for b.Loop() {
		b.StopTimer()
		db, err := index.Open(filepath.Join(b.TempDir(), "s.db"), index.Options{})
		if err != nil {
			b.Fatal(err)
		}
		p := fetch.NewPoller(db, benchFetch)
		b.StartTimer()
		pollAll(b, p, srv.URL, sources, 50)
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*sources*50), "µs/item")
}

// BenchmarkChangedIngest is bench/scale's changed cycle in process: 100
// sources already stored, each feed gaining 5 new items and dropping 5
// (so 45 of its 50 items are ones the store holds), polled four at once,
// as a running daemon polls them. The cold cycle that fills the store
// comes first, untimed but in a profile: profile with enough iterations
// (-benchtime 20x) to outweigh it. BenchmarkChangedFloor is its floor.
func BenchmarkChangedIngest(b *testing.B) {
	feeds, p := storedFeeds(b)
	for b.Loop() {
		b.StopTimer()
		feeds.advance()
		b.StartTimer()
		pollAll(b, p, feeds.URL, feeds.n, 5)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*feeds.n*50), "µs/item-seen")
}

// BenchmarkNotModifiedPoll is bench/scale's all-304 cycle in process: 100
// stored sources whose feeds answer 304 to the ETag of the last poll,
// polled four at once. BenchmarkNotModifiedFloor is its floor.
func BenchmarkNotModifiedPoll(b *testing.B) {
	feeds, p := storedFeeds(b)
	for b.Loop() {
		eachFour(feeds.n, func(i int) {
			if res := p.Poll(b.Context(), benchSource(feeds.URL, i)); res.Outcome != fetch.OutcomeNotModified {
				b.Errorf("source %d: %s, want not modified: %v", i, res.Outcome, res.Err)
			}
		})
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*feeds.n), "µs/poll")
}

// BenchmarkNotModifiedFloor is BenchmarkNotModifiedPoll's cycle done by a
// plain http.Client sending each feed's ETag.
func BenchmarkNotModifiedFloor(b *testing.B) {
	feeds := newChangingFeeds(100)
	defer feeds.Close()
	for b.Loop() {
		eachFour(feeds.n, func(i int) {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/f/%d", feeds.URL, i), nil)
			req.Header.Set("If-None-Match", feeds.etags[i])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotModified {
				b.Errorf("feed %d: %s", i, resp.Status)
			}
		})
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*feeds.n), "µs/poll")
}

// storedFeeds serves 100 changing feeds and returns them with a poller
// whose store holds every item they list now; both close with b.
func storedFeeds(b *testing.B) (*changingFeeds, *fetch.Poller) {
	feeds := newChangingFeeds(100)
	b.Cleanup(feeds.Close)
	db, err := index.Open(filepath.Join(b.TempDir(), "s.db"), index.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	p := fetch.NewPoller(db, benchFetch)
	pollAll(b, p, feeds.URL, feeds.n, 50)
	return feeds, p
}

// BenchmarkChangedFloor is BenchmarkChangedIngest's cycle done by a plain
// http.Client and gofeed.Parser.Parse, four at once: fetching and parsing
// the changed feeds, the least any poller must do. Compare the two in one
// run (go test ./bench -run '^$' -bench 'Changed(Ingest|Floor)').
func BenchmarkChangedFloor(b *testing.B) {
	feeds := newChangingFeeds(100)
	defer feeds.Close()
	for b.Loop() {
		b.StopTimer()
		feeds.advance()
		b.StartTimer()
		eachFour(feeds.n, func(i int) {
			resp, err := http.Get(fmt.Sprintf("%s/f/%d", feeds.URL, i))
			if err != nil {
				b.Error(err)
				return
			}
			defer resp.Body.Close()
			if f, err := gofeed.NewParser().Parse(resp.Body); err != nil || len(f.Items) != 50 {
				b.Errorf("feed %d: %v", i, err)
			}
		})
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*feeds.n*50), "µs/item-seen")
}

// changingFeeds serves n sources' feeds of 50 items at /f/0 …; advance
// moves every feed on by 5 items, made outside any timed part.
type changingFeeds struct {
	*httptest.Server
	n     int
	mu    sync.Mutex
	feeds [][]byte
	etags []string // strong ETags: an unchanged feed answers 304
	first int
}

func newChangingFeeds(n int) *changingFeeds {
	cf := &changingFeeds{n: n, feeds: make([][]byte, n), etags: make([]string, n)}
	cf.set()
	cf.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/f/%d", &i); err != nil || i < 0 || i >= n {
			http.NotFound(w, r)
			return
		}
		cf.mu.Lock()
		body, etag := cf.feeds[i], cf.etags[i]
		cf.mu.Unlock()
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	return cf
}

func (cf *changingFeeds) advance() {
	cf.first += 5
	cf.set()
}

func (cf *changingFeeds) set() {
	cf.mu.Lock()
	defer cf.mu.Unlock()
	for i := range cf.feeds {
		cf.feeds[i] = feedFrom(i, cf.first)
		cf.etags[i] = fmt.Sprintf(`"%d-%d"`, i, cf.first)
	}
}

// benchFetch is the poller's options for feeds on loopback, all on one host.
var benchFetch = fetch.Options{UserAgent: "pressfeed-bench", AllowPrivateNetworks: true, HostSpacing: time.Microsecond,
	Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

// pollAll polls the feeds /f/0 … /f/n-1 of base, four at once, as sources
// s000 …, and fails b unless each stores want new items.
func pollAll(b *testing.B, p *fetch.Poller, base string, n, want int) {
	eachFour(n, func(i int) {
		src := benchSource(base, i)
		if res := p.Poll(b.Context(), src); res.Err != nil || res.New != want {
			b.Errorf("%s: %d new, want %d: %v", src.ID, res.New, want, res.Err)
		}
	})
}

// benchSource is source i, s000 …, whose feed is base's /f/i.
func benchSource(base string, i int) pressfeed.Source {
	return pressfeed.Source{ID: fmt.Sprintf("s%03d", i), Name: fmt.Sprintf("Source %d", i), Kind: pressfeed.KindForce,
		URL: fmt.Sprintf("%s/f/%d", base, i), Type: pressfeed.TypeFeed, Enabled: true}
}

// eachFour calls fn for 0 … n-1, four at once, as the daemon's polls run.
func eachFour(n int, fn func(i int)) {
	var wg sync.WaitGroup
	turn := make(chan struct{}, 4)
	for i := range n {
		wg.Add(1)
		turn <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-turn }()
			fn(i)
		}()
	}
	wg.Wait()
}
