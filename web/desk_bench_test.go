package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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
	db := openStore(b, index.Options{Now: atT0})
	kinds := []pressfeed.Kind{"force", "force", "force", "force", "force", "force", "pcc", "pcc", "pcc", "pcc", "pcc", "pcc", "rocu"}
	var sources []pressfeed.Source
	for i, k := range kinds {
		sources = append(sources, pressfeed.Source{ID: fmt.Sprintf("src-%02d", i), Name: fmt.Sprintf("Source %d", i), Kind: k, Area: fmt.Sprintf("Area %d", i%6), URL: "https://x.example/", Type: "feed", Enabled: true})
	}
	const total = 20000
	seedStore(b, db, sources, pressfeed.SourceState{LastSuccess: t0, LastNewItem: t0}, func(s int, _ pressfeed.Source) []pressfeed.Item {
		var items []pressfeed.Item
		for i := s; i < total; i += len(sources) {
			items = append(items, pressfeed.Item{
				GUID: fmt.Sprint(i), Title: fmt.Sprintf("Story %d about an arrest in the town centre", i),
				Link: fmt.Sprintf("https://x.example/%d", i), Summary: "<p>Officers arrested a man after reports of a disturbance. Enquiries continue.</p>",
				Published: t0.Add(-time.Duration(i) * 365 * 24 * time.Hour / total),
			})
		}
		return items
	})
	return web.NewServer(db, web.Options{Admin: db, Now: atT0, Logger: quietLogger()})
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
