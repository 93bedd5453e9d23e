package fetch_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
)

func TestPermanentRedirectIsRecordedNotApplied(t *testing.T) {
	feed := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>` +
		`<item><title>Relative</title><guid>r</guid><link>story/1</link></item></channel></rss>`)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/mid", http.StatusMovedPermanently)
		case "/mid":
			http.Redirect(w, r, "/news/feed", http.StatusPermanentRedirect)
		case "/temp":
			http.Redirect(w, r, "/news/feed", http.StatusFound)
		case "/mixed":
			http.Redirect(w, r, "/temp", http.StatusMovedPermanently)
		case "/news/feed":
			w.Write(feed)
		default:
			http.NotFound(w, r)
		}
	})
	db := openDB(t)
	p := newPoller(db)
	ctx := context.Background()
	for _, tc := range []struct {
		path, movedTo string
	}{
		{"/old", "/news/feed"},     // 301 then 308: moved to the end
		{"/temp", ""},              // 302: not a move
		{"/mixed", "/temp"},        // 301 then 302: moved to the end of the permanent part
		{"/news/feed", ""},         // the admin accepted: nothing to report
		{"/old?x=1", "/news/feed"}, // query strings do not confuse it
	} {
		id := "src" + strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(tc.path)
		src := source(id, srv.URL+tc.path)
		res := p.Poll(ctx, src)
		if res.Outcome != fetch.OutcomeOK {
			t.Fatalf("%s: %+v", tc.path, res)
		}
		st, _ := db.State(ctx, id)
		want := ""
		if tc.movedTo != "" {
			want = srv.URL + tc.movedTo
		}
		if st.MovedTo != want {
			t.Errorf("%s: moved_to %q, want %q", tc.path, st.MovedTo, want)
		}
		if src.URL != srv.URL+tc.path {
			t.Errorf("the source URL was rewritten")
		}
	}
	// Relative links resolve against where the feed really is.
	page, _ := db.Stories(ctx, pressfeed.Query{Sources: []string{"src-old"}})
	if got, want := page.Stories[0].Primary().Link, srv.URL+"/news/story/1"; got != want {
		t.Errorf("link %q, want %q", got, want)
	}
}

// changingServer serves its current body with its current ETag, or a 304
// when the request's If-None-Match matches; an empty ETag means it ignores
// validators entirely.
type changingServer struct {
	mu          sync.Mutex
	body        []byte
	etag        string
	contentType string
	requests    int
}

func (s *changingServer) set(body []byte, etag, contentType string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.etag, s.contentType = body, etag, contentType
}

func (s *changingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if s.etag != "" && r.Header.Get("If-None-Match") == s.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if s.etag != "" {
		w.Header().Set("ETag", s.etag)
	}
	w.Header().Set("Content-Type", s.contentType)
	w.Write(s.body)
}

func TestBrokenFeedKeepsStoredItemsAndValidators(t *testing.T) {
	cs := &changingServer{}
	srv := serve(t, cs.ServeHTTP)
	db := openDB(t)
	clock := newClock()
	p := clockedPoller(db, clock)
	ctx := context.Background()
	src := source("force", srv.URL+"/feed")

	good := rssWith("First", "Second")
	cs.set(good, `"v1"`, "application/rss+xml")
	if res := p.Poll(ctx, src); res.New != 2 {
		t.Fatalf("first poll: %+v", res)
	}
	before, _ := db.State(ctx, "force")

	for _, tc := range []struct {
		name        string
		body        []byte
		contentType string
		category    pressfeed.ErrorCategory
	}{
		{"truncated", good[:len(good)-30], "application/rss+xml", pressfeed.CatParse},
		{"an HTML error page", []byte("<!DOCTYPE html><html><head><title>Down for maintenance</title></head></html>"), "text/html", pressfeed.CatNotAFeed},
		{"garbage", []byte("\x00\x01\x02 not a feed"), "application/octet-stream", pressfeed.CatNotAFeed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs.set(tc.body, `"v2-broken"`, tc.contentType)
			clock.Advance(7 * time.Hour)
			gen := db.Generation()
			res := p.Poll(ctx, src)
			if category(res.Err) != tc.category {
				t.Fatalf("outcome %s %v, want category %s", res.Outcome, res.Err, tc.category)
			}
			if got := titles(t, db, "force"); len(got) != 2 {
				t.Errorf("items after a broken fetch: %v, want both kept", got)
			}
			if db.Generation() != gen {
				t.Error("a broken fetch changed the stored items")
			}
			st, _ := db.State(ctx, "force")
			if st.ETag != before.ETag || st.BodyHash != before.BodyHash || st.ItemCount != 2 {
				t.Errorf("a failed fetch replaced the validators: etag %q hash %q, want %q %q", st.ETag, st.BodyHash, before.ETag, before.BodyHash)
			}
		})
	}

	// The server comes back with the old validators: a 304, then all is well.
	cs.set(good, `"v1"`, "application/rss+xml")
	clock.Advance(7 * time.Hour)
	if res := p.Poll(ctx, src); res.Outcome != fetch.OutcomeNotModified {
		t.Errorf("recovery poll: %+v, want not_modified (the stored ETag was kept)", res)
	}
}

func TestUnchangedBodySkipsParsing(t *testing.T) {
	cs := &changingServer{}
	cs.set(rssWith("One"), "", "application/rss+xml") // no validators at all
	srv := serve(t, cs.ServeHTTP)
	db := openDB(t)
	p := newPoller(db)
	ctx := context.Background()
	src := source("plain", srv.URL+"/feed")

	firstPoll(t, p, src, 1)
	st1, _ := db.State(ctx, "plain")
	if !strings.HasPrefix(st1.BodyHash, "sha256:") {
		t.Fatalf("no body hash stored: %+v", st1)
	}
	gen := db.Generation()
	res := p.Poll(ctx, src)
	if res.Outcome != fetch.OutcomeNotModified || res.Items != 0 {
		t.Errorf("same body again: %+v, want not_modified without parsing", res)
	}
	if db.Generation() != gen {
		t.Error("an unchanged body changed the store")
	}
	cs.set(rssWith("One", "Two"), "", "application/rss+xml")
	if res := p.Poll(ctx, src); res.Outcome != fetch.OutcomeOK || res.New != 1 {
		t.Errorf("changed body: %+v, want one new item", res)
	}
	if st, _ := db.State(ctx, "plain"); st.BodyHash == st1.BodyHash {
		t.Error("the body hash was not updated after a change")
	}
}

func TestCapsAreNotedInState(t *testing.T) {
	long := strings.Repeat("Très long titre ", 200) // about 3.4 KB
	cs := &changingServer{}
	cs.set(rssWith("one", "two", "three", long, "five"), "", "application/rss+xml")
	srv := serve(t, cs.ServeHTTP)
	db := openDB(t)
	opts := testOptions()
	opts.Limits = fetch.Limits{MaxItems: 4}
	p := fetch.NewPoller(db, opts)
	ctx := context.Background()
	res := p.Poll(ctx, source("capped", srv.URL+"/feed"))
	if res.Outcome != fetch.OutcomeOK || res.New != 4 {
		t.Fatalf("poll: %+v, want 4 items kept", res)
	}
	st, _ := db.State(ctx, "capped")
	want := []string{"the feed has more than 4 items; kept the first 4", "1 item(s) had their title cut to 1 KiB"}
	if strings.Join(st.Warnings, "|") != strings.Join(want, "|") {
		t.Errorf("warnings %q, want %q", st.Warnings, want)
	}
	for _, title := range titles(t, db, "capped") {
		if len(title) > 1024 {
			t.Errorf("stored a title of %d bytes", len(title))
		}
		if strings.HasPrefix(title, "Très") && !strings.HasSuffix(title, "…") {
			t.Errorf("a cut title is not marked: %q", title[len(title)-20:])
		}
	}
	// The warnings stay while the body is unchanged, and go when it is clean.
	p.Poll(ctx, source("capped", srv.URL+"/feed"))
	if st, _ := db.State(ctx, "capped"); len(st.Warnings) != 2 {
		t.Errorf("warnings lost on an unchanged body: %q", st.Warnings)
	}
	cs.set(rssWith("one"), "", "application/rss+xml")
	p.Poll(ctx, source("capped", srv.URL+"/feed"))
	if st, _ := db.State(ctx, "capped"); len(st.Warnings) != 0 {
		t.Errorf("warnings kept for a clean feed: %q", st.Warnings)
	}
}
