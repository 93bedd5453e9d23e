package fetch_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/index"
)

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

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

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

func htmlSource(id, url string, spec pressfeed.HTMLSpec) pressfeed.Source {
	return pressfeed.Source{ID: id, Name: id, Kind: pressfeed.KindPCC, URL: url, Type: pressfeed.TypeHTML, Enabled: true, HTML: &spec}
}

// fixedNow is the test clock: a Tuesday in late 2025.
var fixedNow = time.Date(2025, 11, 4, 12, 0, 0, 0, time.UTC)

func newHTMLPoller(sink fetch.Sink) *fetch.Poller {
	return fetch.NewPoller(sink, fetch.Options{
		UserAgent: "pressfeed/0.1.0 (+https://pressfeed.invalid/contact)", AllowPrivateNetworks: true,
		Logger: quiet, FollowDelay: time.Millisecond, HostSpacing: time.Millisecond, Now: func() time.Time { return fixedNow },
	})
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
