package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
	"pressfeed/internal/barefeed"
	"pressfeed/web"
)

// benchStore opens a real store with 600 items over 8 sources.
func benchStore(b *testing.B) *index.DB {
	b.Helper()
	db := openStore(b, index.Options{Now: atT0})
	var sources []pressfeed.Source
	for i := 0; i < 8; i++ {
		sources = append(sources, pressfeed.Source{ID: fmt.Sprintf("s-%d", i), Name: fmt.Sprintf("Source %d", i), Kind: pressfeed.KindForce, Area: "North", URL: "https://s.example/feed", Type: pressfeed.TypeFeed})
	}
	seedStore(b, db, sources, pressfeed.SourceState{}, func(s int, _ pressfeed.Source) []pressfeed.Item {
		var items []pressfeed.Item
		for i := s; i < 600; i += 8 {
			items = append(items, pressfeed.Item{
				GUID: fmt.Sprint(i), Title: fmt.Sprintf("Press release %d about an incident", i),
				Link:    fmt.Sprintf("https://s.example/news/%d", i),
				Summary: "<p>Officers are appealing for information. Call 101.</p>", Published: t0.Add(-time.Duration(i) * time.Minute),
			})
		}
		return items
	})
	return db
}

// churning is the real store with a generation that moves on every read,
// so every request misses the render cache: the cost of a render.
type churning struct {
	*index.DB
	gen atomic.Uint64
}

func (c *churning) Generation() uint64 { return c.gen.Add(1) }

func serve(b *testing.B, h http.Handler, header map[string]string, want int) {
	b.Helper()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/feed.atom", nil)
			for k, v := range header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				b.Fatalf("status %d, want %d", rec.Code, want)
			}
		}
	})
}

// BenchmarkFeed compares answering /feed.atom from the render cache (200
// and 304) with rendering it from the store each time. Compare the ns/op
// of the sub-benchmarks within one run; absolute numbers depend on the
// machine.
func BenchmarkFeed(b *testing.B) {
	db := benchStore(b)
	hot := web.NewServer(db, web.Options{BaseURL: "http://bench.example"})
	rec := httptest.NewRecorder()
	hot.ServeHTTP(rec, httptest.NewRequest("GET", "/feed.atom", nil))
	etag := rec.Header().Get("ETag")
	b.Run("cached-200", func(b *testing.B) { serve(b, hot, nil, 200) })
	b.Run("cached-304", func(b *testing.B) { serve(b, hot, map[string]string{"If-None-Match": etag}, 304) })
	b.Run("cached-gzip", func(b *testing.B) { serve(b, hot, map[string]string{"Accept-Encoding": "gzip"}, 200) })
	rec = httptest.NewRecorder()
	hot.ServeHTTP(rec, httptest.NewRequest("GET", "/feed.atom", nil))
	bare := barefeed.Handler(rec.Body.Bytes(), etag) // its ns/op less ours is what our chain costs
	b.Run("bare-200", func(b *testing.B) { serve(b, bare, nil, 200) })
	b.Run("bare-304", func(b *testing.B) { serve(b, bare, map[string]string{"If-None-Match": etag}, 304) })
	cold := web.NewServer(&churning{DB: db}, web.Options{BaseURL: "http://bench.example"})
	b.Run("render-200", func(b *testing.B) { serve(b, cold, nil, 200) })
}
