package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/index"
	"pressfeed/internal/testclock"
)

// clock is a settable clock for the Poller's Now.
// clock is the settable test clock the pollers and stores read.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)) }

// serve starts a test server for one handler; each is its own host, as
// each real source is.
func serve(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// rssWith returns an RSS document whose items have the given titles, with
// guids derived from the titles.
func rssWith(titles ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel><title>T</title><link>https://force.example/</link><description>d</description>\n")
	for i, title := range titles {
		fmt.Fprintf(&b, "<item><title>%s</title><guid isPermaLink=\"false\">g-%d</guid><link>https://force.example/news/%d</link></item>\n", title, i, i)
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}

// titles returns the titles of every item stored for sourceID.
func titles(t testing.TB, db *index.DB, sourceID string) []string {
	t.Helper()
	page, err := db.Stories(context.Background(), pressfeed.Query{Sources: []string{sourceID}, Limit: pressfeed.MaxLimit, Ungrouped: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range page.Stories {
		out = append(out, s.Primary().Title)
	}
	return out
}

// category returns the category of a poll's error, or "" for none.
func category(err error) pressfeed.ErrorCategory {
	var fe *fetch.Error
	if errors.As(err, &fe) {
		return fe.Category
	}
	return ""
}

// clockedPoller returns a test poller whose clock is c.
func clockedPoller(db *index.DB, c *clock) *fetch.Poller {
	opts := testOptions()
	opts.Now = c.Now
	return fetch.NewPoller(db, opts)
}

// quiet is a logger that discards everything.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// openDB opens a fresh store in the test's temporary directory, closed
// when the test ends.
func openDB(t *testing.T) *index.DB {
	t.Helper()
	db, err := index.Open(filepath.Join(t.TempDir(), "s.db"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fixture reads testdata/name.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// feedServer serves files from testdata with an ETag, answering 304 to a
// matching If-None-Match, and counts requests and conditional requests.
type feedServer struct {
	*httptest.Server
	requests, conditional atomic.Int32
	body                  atomic.Value // map path → []byte, swappable
}

// newFeedServer serves files, a map of path to testdata name.
func newFeedServer(t *testing.T, files map[string]string) *feedServer {
	t.Helper()
	fs := &feedServer{}
	bodies := map[string][]byte{}
	for path, name := range files {
		bodies[path] = fixture(t, name)
	}
	fs.body.Store(bodies)
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.requests.Add(1)
		b, ok := fs.body.Load().(map[string][]byte)[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		etag := `"` + pressfeed.ItemKey("etag", string(b)) + `"`
		if r.Header.Get("If-None-Match") != "" {
			fs.conditional.Add(1)
		}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		switch {
		case strings.HasSuffix(r.URL.Path, ".html"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		case strings.HasSuffix(r.URL.Path, ".json"):
			w.Header().Set("Content-Type", "application/feed+json")
		default:
			w.Header().Set("Content-Type", "application/xml")
		}
		w.Write(b)
	}))
	t.Cleanup(fs.Close)
	return fs
}

// source is an enabled feed source of a force at url.
func source(id, url string) pressfeed.Source {
	return pressfeed.Source{ID: id, Name: id, Kind: pressfeed.KindForce, URL: url, Type: pressfeed.TypeFeed, Enabled: true}
}

// newPoller is a poller with testOptions.
func newPoller(db *index.DB) *fetch.Poller {
	return fetch.NewPoller(db, testOptions())
}

// firstPoll polls src and fails the test unless the poll succeeded with
// want new items.
func firstPoll(t *testing.T, p *fetch.Poller, src pressfeed.Source, want int) {
	t.Helper()
	if res := p.Poll(t.Context(), src); res.Outcome != fetch.OutcomeOK || res.New != want {
		t.Fatalf("first poll: %+v", res)
	}
}

// testOptions are the options the tests start from: loopback allowed, a
// short host spacing (every test server is one host).
func testOptions() fetch.Options {
	return fetch.Options{UserAgent: "pressfeed-test", AllowPrivateNetworks: true, Logger: quiet, HostSpacing: time.Millisecond}
}

// keys returns the titles of items, in no order.
func keys(m map[string]pressfeed.Item) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// site is a small web site for html-source tests: it serves fixture files
// (or literal bodies) by path with ETags and 304s, and counts requests per
// path, so tests can see what the fetcher asked for.
type site struct {
	*httptest.Server
	mu     sync.Mutex
	pages  map[string]page
	counts map[string]int
}

type page struct {
	body        []byte
	contentType string
	status      int
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{pages: map[string]page{}, counts: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.URL.RequestURI()]++
		pg, ok := s.pages[r.URL.RequestURI()]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		if pg.status != 0 {
			http.Error(w, http.StatusText(pg.status), pg.status)
			return
		}
		etag := `"` + pressfeed.ItemKey("etag", string(pg.body)) + `"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", pg.contentType)
		w.Write(pg.body)
	}))
	t.Cleanup(s.Close)
	return s
}

// serve puts a testdata/html fixture at path, as UTF-8 HTML.
func (s *site) serve(t *testing.T, path, fixtureName string) {
	t.Helper()
	s.put(path, "text/html; charset=utf-8", string(fixture(t, "html/"+fixtureName)))
}

// put serves body at path with the given Content-Type.
func (s *site) put(path, contentType, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = page{body: []byte(body), contentType: contentType}
}

// fail makes path answer with status.
func (s *site) fail(path string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = page{status: status}
}

// count is how many requests path has had.
func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

// total is how many requests paths starting with prefix have had.
func (s *site) total(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.counts {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// htmlSource is an enabled html source of a commissioner at url.
func htmlSource(id, url string, spec pressfeed.HTMLSpec) pressfeed.Source {
	return pressfeed.Source{ID: id, Name: id, Kind: pressfeed.KindPCC, URL: url, Type: pressfeed.TypeHTML, Enabled: true, HTML: &spec}
}

// fixedNow is the test clock: a Tuesday in late 2025.
var fixedNow = time.Date(2025, 11, 4, 12, 0, 0, 0, time.UTC)

// newHTMLPoller is a poller on fixedNow with no politeness delays.
func newHTMLPoller(sink fetch.Sink) *fetch.Poller {
	return fetch.NewPoller(sink, fetch.Options{
		UserAgent: "pressfeed/0.1.0 (+https://pressfeed.invalid/contact)", AllowPrivateNetworks: true,
		Logger: quiet, FollowDelay: time.Millisecond, HostSpacing: time.Millisecond, Now: func() time.Time { return fixedNow },
	})
}

// newsSite serves the testdata/html fixture name at /news/, and returns the
// site with a fresh store and an html poller into it.
func newsSite(t *testing.T, name string) (*site, *index.DB, *fetch.Poller) {
	t.Helper()
	s := newSite(t)
	s.serve(t, "/news/", name)
	db := openDB(t)
	return s, db, newHTMLPoller(db)
}

// storedByTitle returns every stored item by title.
func storedByTitle(t *testing.T, db *index.DB) map[string]pressfeed.Item {
	t.Helper()
	page, err := db.Stories(t.Context(), pressfeed.Query{Limit: pressfeed.MaxLimit, Ungrouped: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]pressfeed.Item{}
	for _, s := range page.Stories {
		for _, m := range s.Members {
			out[m.Title] = m
		}
	}
	return out
}
