package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"pressfeed"
	"pressfeed/web"
)

// do sends a request with headers and returns the response with its body
// read (not decoded: the transport's own gzip handling is off when the
// request names Accept-Encoding).
func do(t *testing.T, method, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := rawTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// rawTransport leaves Accept-Encoding and the body as the test sets them.
var rawTransport = &http.Transport{DisableCompression: true}

func TestConditionalGet(t *testing.T) {
	srv := newSiteWith(t, web.Options{MaxAge: 90 * time.Second}).srv
	for _, path := range []string{"/feed.atom", "/feed.rss", "/feed.json", "/sources.opml"} {
		t.Run(path, func(t *testing.T) {
			resp, body := do(t, "GET", srv.URL+path, nil)
			etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
			if resp.StatusCode != 200 || !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
				t.Fatalf("status %d, etag %q: want 200 and a strong etag", resp.StatusCode, etag)
			}
			if got, want := resp.Header.Get("Cache-Control"), "public, max-age=90"; got != want {
				t.Errorf("Cache-Control %q, want %q", got, want)
			}
			if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %q for %d bytes", got, len(body))
			}
			tests := []struct {
				name   string
				header map[string]string
				want   int
			}{
				{"same etag", map[string]string{"If-None-Match": etag}, 304},
				{"etag in a list", map[string]string{"If-None-Match": `"other", ` + etag}, 304},
				{"weak form of the etag", map[string]string{"If-None-Match": "W/" + etag}, 304},
				{"other etag", map[string]string{"If-None-Match": `"other"`}, 200},
				{"other etag wins over a fresh date", map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": lm}, 200},
				{"same date", map[string]string{"If-Modified-Since": lm}, 304},
				{"later date", map[string]string{"If-Modified-Since": "Sat, 01 Jan 2050 00:00:00 GMT"}, 304},
				{"earlier date", map[string]string{"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}, 200},
				{"unreadable date", map[string]string{"If-Modified-Since": "yesterday"}, 200},
			}
			for _, tt := range tests {
				resp, body := do(t, "GET", srv.URL+path, tt.header)
				if resp.StatusCode != tt.want {
					t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
				}
				if tt.want == 304 {
					if len(body) != 0 || resp.Header.Get("ETag") != etag || resp.Header.Get("Cache-Control") == "" {
						t.Errorf("%s: 304 with %d bytes, etag %q, cache-control %q", tt.name, len(body), resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
					}
				}
			}
			// HEAD: the same headers, no body.
			head, hb := do(t, "HEAD", srv.URL+path, nil)
			if head.StatusCode != 200 || len(hb) != 0 || head.Header.Get("ETag") != etag || head.Header.Get("Content-Length") != resp.Header.Get("Content-Length") {
				t.Errorf("HEAD: %d, %d bytes, etag %q, length %q", head.StatusCode, len(hb), head.Header.Get("ETag"), head.Header.Get("Content-Length"))
			}
		})
	}
}

func TestGzip(t *testing.T) {
	srv := newSite(t)
	plain, body := do(t, "GET", srv.URL+"/feed.atom", nil)
	tests := []struct {
		accept string
		gzip   bool
	}{
		{"gzip", true},
		{"br, gzip;q=0.5", true},
		{"*", true},
		{"gzip;q=0", false},
		{"*;q=0, gzip", true},
		{"identity", false},
		{"", false},
	}
	for _, tt := range tests {
		resp, got := do(t, "GET", srv.URL+"/feed.atom", map[string]string{"Accept-Encoding": tt.accept})
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%q: no Vary: Accept-Encoding", tt.accept)
		}
		isGzip := resp.Header.Get("Content-Encoding") == "gzip"
		if isGzip != tt.gzip {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", tt.accept, isGzip, tt.gzip)
			continue
		}
		if !isGzip {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(got))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unzipped, body) {
			t.Errorf("gzip body does not inflate to the plain body (%v)", err)
		}
		if len(got) >= len(body) {
			t.Errorf("gzip %d bytes, plain %d", len(got), len(body))
		}
		// A strong ETag names one representation, so the encodings differ;
		// either revalidates.
		if resp.Header.Get("ETag") == plain.Header.Get("ETag") {
			t.Error("gzip and identity share an ETag")
		}
		for _, tag := range []string{resp.Header.Get("ETag"), plain.Header.Get("ETag")} {
			r304, _ := do(t, "GET", srv.URL+"/feed.atom", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": tag})
			if r304.StatusCode != 304 {
				t.Errorf("If-None-Match %s with gzip: %d", tag, r304.StatusCode)
			}
		}
	}
}

// TestHotFeedIsALookup shows the render cache at work: repeated requests
// render once, a store change renders again, and Last-Modified moves with
// the content.
func TestHotFeedIsALookup(t *testing.T) {
	st := newSiteWith(t, web.Options{})
	srv, ws, db := st.srv, st.web, st.db
	first, _ := do(t, "GET", srv.URL+"/feed.atom?kind=force", nil)
	before := ws.CacheStats()
	for i := 0; i < 20; i++ {
		do(t, "GET", srv.URL+"/feed.atom?kind=force", nil)
	}
	// The same view spelled differently is the same cache entry.
	do(t, "GET", srv.URL+"/feed.atom?kind=force&kind=force", nil)
	after := ws.CacheStats()
	if got := after.Renders - before.Renders; got != 0 {
		t.Errorf("%d renders for 21 requests of a cached feed, want 0", got)
	}
	if got := after.Hits - before.Hits; got != 21 {
		t.Errorf("%d cache hits, want 21", got)
	}

	// A new item changes the generation: the next request renders, the
	// ETag changes, and a client holding the old one gets the new feed.
	later := t0.Add(time.Hour)
	if _, err := db.Ingest(context.Background(), "force-a", []pressfeed.Item{{GUID: "new", Title: "A new story", Link: "https://force-a.example/news/new", Published: later}}, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, "GET", srv.URL+"/feed.atom?kind=force", map[string]string{"If-None-Match": first.Header.Get("ETag")})
	if resp.StatusCode != 200 || !strings.Contains(string(body), "A new story") {
		t.Fatalf("after a new item: %d, new story present %v", resp.StatusCode, strings.Contains(string(body), "A new story"))
	}
	if ws.CacheStats().Renders != after.Renders+1 {
		t.Errorf("renders %d, want %d", ws.CacheStats().Renders, after.Renders+1)
	}

	// A change that leaves this view's bytes alone keeps its validators.
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if _, err := db.Ingest(context.Background(), "pcc-a", []pressfeed.Item{{GUID: "pcc-new", Title: "PCC news", Published: later}}, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	again, _ := do(t, "GET", srv.URL+"/feed.atom?kind=force", nil)
	if again.Header.Get("ETag") != etag || again.Header.Get("Last-Modified") != lm {
		t.Errorf("unchanged view: etag %s → %s, last-modified %s → %s", etag, again.Header.Get("ETag"), lm, again.Header.Get("Last-Modified"))
	}
}

// TestLastModifiedFollowsFirstSighting: an item first seen now but
// published long ago still moves Last-Modified, or a client revalidating by
// date alone would be told nothing changed. A second server on the same
// store stands for a restart, which empties the cache.
func TestLastModifiedFollowsFirstSighting(t *testing.T) {
	st := newSiteWith(t, web.Options{})
	resp, _ := do(t, "GET", st.srv.URL+"/feed.json", nil)
	lm := resp.Header.Get("Last-Modified")
	if want := t0.Format(http.TimeFormat); lm != want {
		t.Errorf("Last-Modified %s, want the latest first sighting %s", lm, want)
	}
	st.clock.Set(t0.Add(time.Hour))
	if _, err := st.db.Ingest(context.Background(), "pcc-a", []pressfeed.Item{{GUID: "old", Title: "Old news, seen late", Published: t0.Add(-7 * 24 * time.Hour)}}, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	restarted := httptest.NewServer(web.NewServer(st.db, web.Options{}))
	defer restarted.Close()
	resp, body := do(t, "GET", restarted.URL+"/feed.json", map[string]string{"If-Modified-Since": lm})
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Old news, seen late") {
		t.Errorf("If-Modified-Since after a late item: %d", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Last-Modified"), t0.Add(time.Hour).Format(http.TimeFormat); got != want {
		t.Errorf("Last-Modified %s, want %s", got, want)
	}
}

func TestPagingFollowsNextLinks(t *testing.T) {
	srv := newSite(t)
	for _, path := range []string{"/feed.atom", "/feed.json", "/feed.rss"} {
		t.Run(path, func(t *testing.T) {
			next := srv.URL + path + "?kind=force&kind=pcc&limit=3"
			seen := map[string]bool{}
			pages := 0
			for next != "" {
				pages++
				if pages > 10 {
					t.Fatal("more pages than items")
				}
				resp, body := do(t, "GET", next, nil)
				if resp.StatusCode != 200 {
					t.Fatalf("GET %s: %d %s", next, resp.StatusCode, body)
				}
				feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if feed.FeedLink != next {
					t.Errorf("self link %q, want the URL fetched %q", feed.FeedLink, next)
				}
				for _, it := range feed.Items {
					if seen[it.GUID] {
						t.Errorf("%s on two pages", it.GUID)
					}
					seen[it.GUID] = true
				}
				next = nextLink(t, path, body)
			}
			if len(seen) != 10 || pages != 4 {
				t.Errorf("%d items over %d pages, want 10 over 4", len(seen), pages)
			}
		})
	}
}

// nextLink finds the RFC 5005 next link (Atom, RSS's atom:link) or
// next_url (JSON Feed).
func nextLink(t *testing.T, path string, body []byte) string {
	t.Helper()
	if path == "/feed.json" {
		var doc struct {
			NextURL string `json:"next_url"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.NextURL
	}
	s := string(body)
	i := strings.Index(s, `rel="next"`)
	if i < 0 {
		return ""
	}
	rest := s[i:]
	j := strings.Index(rest, `href="`) + len(`href="`)
	href := rest[j : j+strings.Index(rest[j:], `"`)]
	return strings.ReplaceAll(href, "&amp;", "&")
}

func TestFilteredViewIsItsOwnFeed(t *testing.T) {
	srv := newSite(t)
	tests := []struct {
		query, wantSelf, wantTitle string
		items                      int
	}{
		{"?area=north&kind=pcc", "?area=North&kind=pcc", "North West police news — commissioners, North", 5},
		{"?source=force-a&q=Story+3", "?q=Story+3&source=force-a", "North West police news — Force A <Police>, “Story 3”", 1},
		{"?dedup=none&limit=2", "?dedup=none&limit=2", "North West police news — every item", 2},
		{"?limit=99999999999999999999999", "?limit=500", "North West police news", 10},
		{"?since=2026-11-20T08:00:00%2B01:00", "?since=2026-11-20T07%3A00%3A00Z", "North West police news — since 20 Nov 2026 07:00 UTC", 6},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := do(t, "GET", srv.URL+"/feed.atom"+tt.query, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := feed.FeedLink, srv.URL+"/feed.atom"+tt.wantSelf; got != want {
				t.Errorf("self %q, want %q", got, want)
			}
			if feed.Title != tt.wantTitle {
				t.Errorf("title %q, want %q", feed.Title, tt.wantTitle)
			}
			if len(feed.Items) != tt.items {
				t.Errorf("%d items, want %d", len(feed.Items), tt.items)
			}
		})
	}
}

func TestAccentInsensitiveSearch(t *testing.T) {
	st := newSiteWith(t, web.Options{})
	srv, db := st.srv, st.db
	if _, err := db.Ingest(context.Background(), "pcc-a", []pressfeed.Item{{GUID: "cafe", Title: "Commissioner visits Café Môn", Summary: "<p>Ymweliad â’r caffi</p>", Published: t0}}, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"cafe mon", "CAFÉ", "caffi ymweliad", "mon+commissioner"} {
		_, body := do(t, "GET", srv.URL+"/feed.json?q="+url.QueryEscape(q), nil)
		var doc struct{ Items []struct{ Title string } }
		json.Unmarshal(body, &doc)
		if len(doc.Items) != 1 || doc.Items[0].Title != "Commissioner visits Café Môn" {
			t.Errorf("q=%s: %+v", q, doc.Items)
		}
	}
}

func TestStoreCheckedFilters(t *testing.T) {
	srv := newSite(t)
	tests := map[string]string{
		"?source=nobody":                 `source "nobody" is not one of this server's sources`,
		"?area=Atlantis":                 `area "Atlantis" is not the area of any source (areas: North)`,
		"?q=a&q=b":                       "q is given 2 times",
		"?limit=5&limit=6":               "limit is given 2 times",
		"?limit=0":                       `limit "0" is not a positive whole number`,
		"?limit=-99999999999999999999":   `limit "-99999999999999999999" is not a positive whole number`,
		"?q=" + strings.Repeat("x", 201): "q is longer than 200 characters",
	}
	for q, want := range tests {
		for _, path := range []string{"/feed.atom", "/feed.json"} {
			resp, body := do(t, "GET", srv.URL+path+q, nil)
			if resp.StatusCode != 400 || !strings.Contains(string(body), want) {
				t.Errorf("%s%s: %d %q, want 400 containing %q", path, q, resp.StatusCode, body, want)
			}
		}
	}
	if resp, body := do(t, "GET", srv.URL+"/sources.opml?x=1", nil); resp.StatusCode != 400 || !strings.Contains(string(body), "takes no parameters") {
		t.Errorf("/sources.opml?x=1: %d %s", resp.StatusCode, body)
	}
}

func TestHubLinksOnlyOnTopics(t *testing.T) {
	st := newSiteWith(t, web.Options{BaseURL: "https://news.example", Hubs: []string{"https://hub.example/"}})
	srv, ws := st.srv, st.web
	topics := ws.Topics()
	if got, want := strings.Join(topics, " "), "https://news.example/feed.atom https://news.example/feed.rss https://news.example/feed.json"; got != want {
		t.Errorf("topics %q, want %q", got, want)
	}
	for _, tt := range []struct {
		path string
		hub  bool
	}{
		{"/feed.atom", true},
		{"/feed.rss", true},
		{"/feed.json", true},
		{"/feed.atom?kind=force", false},
		{"/feed.atom?limit=3", false},
	} {
		_, body := do(t, "GET", srv.URL+tt.path, nil)
		has := strings.Contains(string(body), "https://hub.example/")
		if has != tt.hub {
			t.Errorf("%s: hub link %v, want %v", tt.path, has, tt.hub)
		}
	}
	v1, err := ws.TopicVersion(context.Background())
	if err != nil || v1 == "" {
		t.Fatalf("TopicVersion: %q %v", v1, err)
	}
	resp, _ := do(t, "GET", srv.URL+"/feed.atom", nil)
	if resp.Header.Get("ETag") != v1 {
		t.Errorf("TopicVersion %s is not the merged Atom feed's ETag %s", v1, resp.Header.Get("ETag"))
	}
}
