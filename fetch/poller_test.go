package fetch_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
)

func TestPollEachFormat(t *testing.T) {
	srv := newFeedServer(t, map[string]string{"/rss": "rss.xml", "/atom": "atom.xml", "/json": "feed.json", "/noguid": "noguid.rss"})
	db := openDB(t)
	p := newPoller(db)
	ctx := context.Background()
	want := map[string]int{"rss": 2, "atom": 1, "json": 2, "noguid": 3}
	for id, n := range want {
		res := p.Poll(ctx, source(id, srv.URL+"/"+id))
		if res.Outcome != fetch.OutcomeOK || res.New != n {
			t.Errorf("%s: outcome %s new %d err %v, want ok with %d new", id, res.Outcome, res.New, res.Err, n)
		}
	}
	page, err := db.Stories(ctx, pressfeed.Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]pressfeed.Item{}
	for _, s := range page.Stories {
		items[s.Primary().Title] = s.Primary()
	}

	t.Run("html is sanitized", func(t *testing.T) {
		it := items["Man charged with burglary offences"]
		for _, bad := range []string{"<script", "onclick", "onerror", "alert("} {
			if strings.Contains(it.Summary, bad) {
				t.Errorf("summary kept %q: %s", bad, it.Summary)
			}
		}
		if !strings.Contains(it.Summary, "A 41-year-old man has been charged.") {
			t.Errorf("summary lost its text: %s", it.Summary)
		}
		if len(it.Authors) != 1 || it.Authors[0] != "Press Office" || len(it.Categories) != 1 {
			t.Errorf("authors %v categories %v", it.Authors, it.Categories)
		}
		atom := items["Commissioner welcomes inspection report"]
		if strings.Contains(atom.Content, "javascript:") {
			t.Errorf("content kept a javascript: link: %s", atom.Content)
		}
	})
	t.Run("titles are plain text", func(t *testing.T) {
		if _, ok := items["Appeal after assault in park & ride"]; !ok {
			t.Errorf("entity-laden title not decoded once; titles: %v", keys(items))
		}
	})
	t.Run("dates", func(t *testing.T) {
		atom := items["Commissioner welcomes inspection report"]
		if want := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC); !atom.Published.Equal(want) {
			t.Errorf("atom published %v, want %v", atom.Published, want)
		}
		undated := items["No date on this one"]
		if !undated.Published.Equal(undated.FirstSeen) {
			t.Errorf("undated item published %v, first seen %v", undated.Published, undated.FirstSeen)
		}
	})
	t.Run("relative links resolved, identity from canonical link", func(t *testing.T) {
		it := items["Tractor recovered"]
		if want := srv.URL + "/news/tractor?utm_source=rss&utm_medium=feed"; it.Link != want {
			t.Errorf("link %q, want %q", it.Link, want)
		}
		if want := pressfeed.CanonicalURL(srv.URL + "/news/tractor"); it.GUID != want {
			t.Errorf("guid %q, want canonical link %q", it.GUID, want)
		}
		if !strings.Contains(it.Summary, `href="`+srv.URL+`/rural"`) || !strings.Contains(it.Summary, `src="`+srv.URL+`/img/t.png"`) {
			t.Errorf("relative links in summary not resolved: %s", it.Summary)
		}
		nolink := items["No link and no guid"]
		if !strings.HasPrefix(nolink.GUID, "sha256:") {
			t.Errorf("item with neither guid nor link has identity %q", nolink.GUID)
		}
		if _, ok := items["An item with no title whose summary stands in for one"]; !ok {
			t.Errorf("untitled item not given its summary as title: %v", keys(items))
		}
	})
}

func TestSecondPollIsConditionalAndStoresNothing(t *testing.T) {
	srv := newFeedServer(t, map[string]string{"/rss": "rss.xml"})
	db := openDB(t)
	p := newPoller(db)
	ctx := context.Background()
	src := source("rss", srv.URL+"/rss")
	firstPoll(t, p, src, 2)
	gen := db.Generation()
	res := p.Poll(ctx, src)
	if res.Outcome != fetch.OutcomeNotModified {
		t.Fatalf("second poll: %+v, want not_modified", res)
	}
	if srv.conditional.Load() != 1 {
		t.Errorf("conditional requests %d, want 1", srv.conditional.Load())
	}
	if db.Generation() != gen {
		t.Error("a 304 changed the store")
	}
	st, _ := db.State(ctx, "rss")
	if st.LastSuccess.IsZero() || st.ETag == "" || st.ItemCount != 2 {
		t.Errorf("state after 304: %+v", st)
	}
}

func TestFailuresAreCategorizedAndKeepItems(t *testing.T) {
	var fail atomic.Bool
	ok := fixture(t, "rss.xml")
	page := fixture(t, "challenge.html")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/challenge":
			w.Header().Set("Content-Type", "text/html")
			w.Write(page)
		case r.URL.Path == "/mislabelled":
			w.Header().Set("Content-Type", "text/html")
			w.Write(ok)
		case fail.Load():
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			w.Write(ok)
		}
	}))
	defer srv.Close()
	db := openDB(t)
	clock := newClock()
	p := clockedPoller(db, clock)
	ctx := context.Background()

	src := source("flaky", srv.URL+"/feed")
	if res := p.Poll(ctx, src); res.New != 2 {
		t.Fatalf("first poll: %+v", res)
	}
	fail.Store(true)
	for i := 1; i <= 2; i++ {
		clock.Advance(7 * time.Hour) // past any backoff
		res := p.Poll(ctx, src)
		var fe *fetch.Error
		if res.Outcome != fetch.OutcomeError || !errors.As(res.Err, &fe) || fe.Category != pressfeed.CatHTTPStatus {
			t.Fatalf("failing poll: %+v", res)
		}
		st, _ := db.State(ctx, "flaky")
		if st.ConsecutiveFailures != i || st.ErrorCategory != pressfeed.CatHTTPStatus || !strings.Contains(st.LastError, "500") {
			t.Errorf("state after failure %d: %+v", i, st)
		}
	}
	if n, _ := db.ItemCount(ctx); n != 2 {
		t.Errorf("items after failures: %d, want 2 kept", n)
	}
	fail.Store(false)
	clock.Advance(7 * time.Hour)
	p.Poll(ctx, src)
	if st, _ := db.State(ctx, "flaky"); st.ConsecutiveFailures != 0 || st.LastError != "" {
		t.Errorf("success did not reset the failure state: %+v", st)
	}

	res := p.Poll(ctx, source("challenge", srv.URL+"/challenge"))
	if category(res.Err) != pressfeed.CatBlocked || !strings.Contains(res.Err.Error(), "blocked, not broken") {
		t.Errorf("bot challenge page: %+v", res)
	}
	if res := p.Poll(ctx, source("mislabelled", srv.URL+"/mislabelled")); res.Outcome != fetch.OutcomeOK {
		t.Errorf("a feed served as text/html should still parse: %+v", res)
	}
}

func TestPrivateAddressesRefusedByDefault(t *testing.T) {
	srv := newFeedServer(t, map[string]string{"/rss": "rss.xml"})
	db := openDB(t)
	p := fetch.NewPoller(db, fetch.Options{Logger: quiet})
	res := p.Poll(context.Background(), source("local", srv.URL+"/rss"))
	var fe *fetch.Error
	if !errors.As(res.Err, &fe) || fe.Category != pressfeed.CatBlockedAddress {
		t.Fatalf("poll of loopback: %+v, want blocked_address", res)
	}
	if srv.requests.Load() != 0 {
		t.Errorf("the blocked server got %d requests", srv.requests.Load())
	}
}

func TestCheckStoresNothing(t *testing.T) {
	fs := newFeedServer(t, map[string]string{"/rss.xml": "rss.xml", "/page.html": "html/cards.html"})
	db := openDB(t)
	p := fetch.NewPoller(db, testOptions())
	ctx := context.Background()
	src := pressfeed.Source{ID: "force", Name: "Force", Kind: "force", URL: fs.URL + "/rss.xml", Type: "feed", Enabled: true}
	st := pressfeed.SourceState{ETag: `"stale"`}
	db.SaveState(ctx, src.ID, st)

	pv, err := p.Check(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Items) != 2 || pv.Items[0].Title != "Man charged with burglary offences" || strings.Contains(pv.Items[0].Summary, "script") {
		t.Errorf("preview items %+v", pv.Items)
	}
	if pv.URL != src.URL || len(pv.Warnings) != 0 {
		t.Errorf("final URL %q, warnings %v", pv.URL, pv.Warnings)
	}
	if fs.conditional.Load() != 0 {
		t.Error("a preview sent validators; it must always see the whole document")
	}
	if n, _ := db.ItemCount(ctx); n != 0 {
		t.Errorf("preview stored %d items", n)
	}
	if got, _ := db.State(ctx, src.ID); !reflect.DeepEqual(got, st) {
		t.Errorf("preview changed the state: %+v", got)
	}

	src.URL = fs.URL + "/page.html"
	_, err = p.Check(ctx, src)
	var fe *fetch.Error
	if !errors.As(err, &fe) || fe.Category != pressfeed.CatNotAFeed {
		t.Errorf("HTML page: %v, want a not_a_feed error", err)
	}
}
