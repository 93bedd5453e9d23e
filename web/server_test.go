package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/index"
	"pressfeed/internal/testclock"
	"pressfeed/web"
)

// newSite starts the web server on a real store holding two sources with
// five items each.
func newSite(t *testing.T) *httptest.Server {
	t.Helper()
	return newSiteWith(t, web.Options{}).srv
}

// site is a running web server on a real store whose clock a test can move.
type site struct {
	srv   *httptest.Server
	web   *web.Server
	db    *index.DB
	clock *testclock.Clock
}

// newSiteWith is newSite with server options, returning the web server,
// the store and the store's clock too.
func newSiteWith(t *testing.T, opts web.Options) site {
	t.Helper()
	clock := testclock.New(t0)
	db := openStore(t, index.Options{Now: clock.Now, ValidateSource: config.CheckSource})
	sources := []pressfeed.Source{
		{ID: "force-a", Name: "Force A <Police>", Kind: pressfeed.KindForce, Area: "North", URL: "https://a.example/feed", Type: pressfeed.TypeFeed, Enabled: true},
		{ID: "pcc-a", Name: "PCC A", Kind: pressfeed.KindPCC, Area: "North", URL: "https://p.example/feed", Type: pressfeed.TypeFeed, Enabled: true},
	}
	seedStore(t, db, sources, pressfeed.SourceState{}, func(_ int, src pressfeed.Source) []pressfeed.Item {
		var items []pressfeed.Item
		for i := 0; i < 5; i++ {
			items = append(items, pressfeed.Item{
				GUID:      fmt.Sprintf("%s-%d", src.ID, i),
				Title:     fmt.Sprintf("%s story %d & more", src.ID, i),
				Link:      fmt.Sprintf("https://%s.example/news/%d", src.ID, i),
				Summary:   "<p>Summary of the story.</p>",
				Published: t0.Add(-time.Duration(i) * time.Hour),
			})
		}
		return items
	})
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	ws := web.NewServer(db, opts)
	srv := httptest.NewServer(ws)
	t.Cleanup(srv.Close)
	return site{srv: srv, web: ws, db: db, clock: clock}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestFeedsParseBackWithStableIDs(t *testing.T) {
	srv := newSite(t)
	for _, path := range []string{"/feed.atom", "/feed.rss", "/feed.json"} {
		t.Run(path, func(t *testing.T) {
			resp, body := get(t, srv.URL+path+"?limit=7")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			feed, err := gofeed.NewParser().ParseString(body)
			if err != nil {
				t.Fatalf("parse our own %s: %v", path, err)
			}
			if len(feed.Items) != 7 {
				t.Fatalf("%d items, want 7", len(feed.Items))
			}
			first := feed.Items[0]
			if first.Title != "force-a story 0 & more" && first.Title != "pcc-a story 0 & more" {
				t.Errorf("first title %q", first.Title)
			}
			if !strings.HasPrefix(first.GUID, "urn:uuid:") {
				t.Errorf("id %q is not a urn:uuid", first.GUID)
			}
			if len(first.Authors) == 0 || first.Authors[0].Name == "" {
				t.Errorf("no publishing organisation named")
			}
			// the same item has the same id in every format and request
			_, again := get(t, srv.URL+path+"?limit=7")
			feed2, _ := gofeed.NewParser().ParseString(again)
			if feed2.Items[0].GUID != first.GUID {
				t.Errorf("id changed between requests")
			}
		})
	}
}

func TestFeedFilters(t *testing.T) {
	srv := newSite(t)
	tests := []struct {
		query string
		want  int
	}{
		{"", 10},
		{"?source=pcc-a", 5},
		{"?source=pcc-a&source=force-a", 10},
		{"?kind=force", 5},
		{"?area=North&kind=pcc", 5},
		{"?limit=3", 3},
		{"?limit=100000", 10},
		{"?q=STORY+3", 2},
		{"?since=2026-11-20T07:30:00Z", 4},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, body := get(t, srv.URL+"/feed.json"+tt.query)
			feed, err := gofeed.NewParser().ParseString(body)
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Items) != tt.want {
				t.Errorf("%d items, want %d", len(feed.Items), tt.want)
			}
		})
	}
}

func TestBadParametersAre400(t *testing.T) {
	srv := newSite(t)
	tests := map[string]string{
		"?sorce=x":         `unknown parameter "sorce"`,
		"?kind=police":     `kind "police" is not one of`,
		"?limit=-1":        `limit "-1" is not a positive whole number`,
		"?since=yesterday": `since "yesterday" is not an RFC 3339 time`,
		"?cursor=zzz":      "cursor is not one this server issued",
		"?dedup=maybe":     `dedup "maybe" is not one of`,
		"?source=%3Cx%3E":  `source "<x>" is not a source id`,
	}
	for q, want := range tests {
		resp, body := get(t, srv.URL+"/feed.atom"+q)
		if resp.StatusCode != 400 || !strings.Contains(body, want) {
			t.Errorf("%s: %d %q, want 400 containing %q", q, resp.StatusCode, body, want)
		}
	}
}

func TestSourcesJSONAndHealthz(t *testing.T) {
	srv := newSite(t)
	resp, body := get(t, srv.URL+"/sources.json")
	if resp.StatusCode != 200 || !strings.Contains(body, `"id": "force-a"`) || !strings.Contains(body, `"item_count": 5`) {
		t.Errorf("sources.json: %d %s", resp.StatusCode, body)
	}
	if resp, body := get(t, srv.URL+"/healthz"); resp.StatusCode != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv.URL+"/nope"); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}
