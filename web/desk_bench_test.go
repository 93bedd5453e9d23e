package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
	"pressfeed/web"
)

// benchSite is a store the size of a busy year: 13 sources, 20,000 items
// spread over 365 days, served with the admin store so /sources counts.
func benchSite(b *testing.B) http.Handler {
	b.Helper()
	db, err := index.Open(filepath.Join(b.TempDir(), "bench.db"), index.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	kinds := []pressfeed.Kind{"force", "force", "force", "force", "force", "force", "pcc", "pcc", "pcc", "pcc", "pcc", "pcc", "rocu"}
	var sources []pressfeed.Source
	for i, k := range kinds {
		sources = append(sources, pressfeed.Source{ID: fmt.Sprintf("src-%02d", i), Name: fmt.Sprintf("Source %d", i), Kind: k, Area: fmt.Sprintf("Area %d", i%6), URL: "https://x.example/", Type: "feed", Enabled: true})
	}
	db.SeedSources(ctx, sources)
	const total = 20000
	for s, src := range sources {
		var items []pressfeed.Item
		for i := s; i < total; i += len(sources) {
			items = append(items, pressfeed.Item{
				GUID: fmt.Sprint(i), Title: fmt.Sprintf("Story %d about an arrest in the town centre", i),
				Link: fmt.Sprintf("https://x.example/%d", i), Summary: "<p>Officers arrested a man after reports of a disturbance. Enquiries continue.</p>",
				Published: t0.Add(-time.Duration(i) * 365 * 24 * time.Hour / total),
			})
		}
		if _, err := db.Ingest(ctx, src.ID, items, pressfeed.SourceState{LastSuccess: t0, LastNewItem: t0}); err != nil {
			b.Fatal(err)
		}
	}
	return web.NewServer(db, web.Options{Admin: db, Now: func() time.Time { return t0 }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func benchGet(b *testing.B, h http.Handler, path string) {
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			b.Fatalf("%s: %d", path, rec.Code)
		}
	}
}

func BenchmarkNewsPage(b *testing.B) {
	h := benchSite(b)
	for _, path := range []string{"/", "/?kind=pcc&area=Area+1", "/?q=arrest+disturbance", "/?q=nothing+matches"} {
		b.Run(path, func(b *testing.B) { benchGet(b, h, path) })
	}
}

func BenchmarkSourcesPage(b *testing.B) { benchGet(b, benchSite(b), "/sources") }
