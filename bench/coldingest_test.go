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
// (so 45 of its 50 items are ones the store holds), polled four at once.
// The cold cycle that fills the store comes first, untimed but in a
// profile: profile with enough iterations (-benchtime 20x) to outweigh it.
func BenchmarkChangedIngest(b *testing.B) {
	const sources = 100
	var (
		mu    sync.Mutex
		feeds = make([][]byte, sources) // made between cycles, so their cost is not timed
		first int
	)
	setFeeds := func() {
		mu.Lock()
		defer mu.Unlock()
		for i := range feeds {
			feeds[i] = feedFrom(i, first)
		}
	}
	setFeeds()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/f/%d", &i); err != nil || i < 0 || i >= sources {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		body := feeds[i]
		mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	defer srv.Close()
	db, err := index.Open(filepath.Join(b.TempDir(), "s.db"), index.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	p := fetch.NewPoller(db, benchFetch)
	pollAll(b, p, srv.URL, sources, 50)
	for b.Loop() {
		b.StopTimer()
		first += 5
		setFeeds()
		b.StartTimer()
		pollAll(b, p, srv.URL, sources, 5)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*sources*50), "µs/item-seen")
}

// benchFetch is the poller's options for feeds on loopback, all on one host.
var benchFetch = fetch.Options{UserAgent: "pressfeed-bench", AllowPrivateNetworks: true, HostSpacing: time.Microsecond,
	Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

// pollAll polls the feeds /f/0 … /f/n-1 of base, four at once, as sources
// s000 …, and fails b unless each stores want new items.
func pollAll(b *testing.B, p *fetch.Poller, base string, n, want int) {
	var wg sync.WaitGroup
	turn := make(chan struct{}, 4)
	for i := range n {
		wg.Add(1)
		turn <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-turn }()
			src := pressfeed.Source{ID: fmt.Sprintf("s%03d", i), Name: fmt.Sprintf("Source %d", i), Kind: pressfeed.KindForce,
				URL: fmt.Sprintf("%s/f/%d", base, i), Type: pressfeed.TypeFeed, Enabled: true}
			if res := p.Poll(b.Context(), src); res.Err != nil || res.New != want {
				b.Errorf("%s: %d new, want %d: %v", src.ID, res.New, want, res.Err)
			}
		}()
	}
	wg.Wait()
}
