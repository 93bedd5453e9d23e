package fetch

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
)

// markedItem is one item of a test feed: its guid, title and description.
type markedItem struct{ guid, title, desc string }

// markedFeed is an RSS feed of items (each dated by its guid, a letter),
// with relative links and HTML to
// sanitize, so that normalizing has work to do that depends on the base.
func markedFeed(build string, items ...markedItem) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title><link>/</link><description>d</description><lastBuildDate>%s</lastBuildDate>`, build)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><title>%s</title><guid isPermaLink="false">%s</guid><link>/news/%s</link><pubDate>Mon, %02d Nov 2026 09:00:00 +0000</pubDate><description><![CDATA[<p>%s <a href="/more/%s" onclick="x()">more</a><script>alert(1)</script></p>]]></description></item>`,
			it.title, it.guid, it.guid, 1+int(it.guid[0]-'a'), it.desc, it.guid)
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// TestMarksChangeNothingButTheWork polls a feed source, and an auto source
// reading the same feed, through marksRun.
func TestMarksChangeNothingButTheWork(t *testing.T) {
	for _, typ := range []pressfeed.SourceType{pressfeed.TypeFeed, pressfeed.TypeAuto} {
		t.Run(string(typ), func(t *testing.T) { marksRun(t, typ) })
	}
}

// marksRun polls a feed through a run of versions
// (new items, edits, removals, repeated guids either side of a stored
// item, a body changed only in its channel, a redirect that moves the
// base, a rule change) with two pollers into two stores on one clock: one
// using marks, one whose source's max_age turns them off. Every poll's
// counts and every stored item must be the same in both; and the marked
// poller must really leave out what it marked.
func marksRun(t *testing.T, typ pressfeed.SourceType) {
	a := markedItem{"a", "Arrest after burglary", "Police arrested a man"}
	b := markedItem{"b", "Appeal for witnesses", "Officers are appealing"}
	c := markedItem{"c", "Road closed", "The road is closed"}
	d := markedItem{"d", "Missing person found", "She has been found"}
	b2 := markedItem{"b", "Appeal for witnesses: update", "Officers thank the public"}
	xa := markedItem{"a", "A second copy of a", "Repeated guid, after a"}
	xd := markedItem{"d", "A first copy of d", "Repeated guid, before d"}
	steps := []struct {
		name     string
		body     []byte
		redirect bool   // the feed moves under /v2/, so its links resolve elsewhere
		exclude  string // a keyword the source excludes
		skipped  int    // items the marked poller should leave out
		newItems int    // new items stored
	}{
		{"first poll", markedFeed("1", a, b, c), false, "", 0, 3},
		{"a new item on top", markedFeed("2", d, a, b, c), false, "", 3, 1},
		{"an edit and a removal", markedFeed("3", d, a, b2), false, "", 2, 0},
		{"a repeated guid after its stored item", markedFeed("4", d, a, b2, xa), false, "", 2, 0},
		{"a repeated guid before its stored item", markedFeed("5", xd, d, a, b2), false, "", 1, 0},
		{"only the channel changed", markedFeed("6", xd, d, a, b2), false, "", 2, 0},
		{"a redirect moves the base", markedFeed("7", a, b2, c), true, "", 0, 0},
		{"a rule now excludes an item", markedFeed("8", a, b2, c), true, "road", 0, 0},
		{"the rule is lifted", markedFeed("9", a, b2, c), true, "", 0, 0},
		{"nothing changed but the channel", markedFeed("10", a, b2, c), true, "", 3, 0},
	}
	var step atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := steps[step.Load()]
		if s.redirect && !strings.HasPrefix(r.URL.Path, "/v2/") {
			http.Redirect(w, r, "/v2"+r.URL.Path, http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(s.body)
	}))
	defer srv.Close()

	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	open := func(name string) (*index.DB, *Poller) {
		db, err := index.Open(filepath.Join(t.TempDir(), name), index.Options{Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		opts := Options{UserAgent: "pressfeed-test", AllowPrivateNetworks: true, HostSpacing: time.Millisecond, Now: clock,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		return db, NewPoller(db, opts)
	}
	markedDB, marked := open("marked.db")
	plainDB, plain := open("plain.db")
	ctx := context.Background()
	for i, s := range steps {
		step.Store(int32(i))
		now = now.Add(time.Hour)
		src := pressfeed.Source{ID: "src", Name: "Src", Kind: pressfeed.KindForce, URL: srv.URL + "/feed", Type: typ, Enabled: true}
		if s.exclude != "" {
			src.Exclude = []pressfeed.Rule{{Keyword: s.exclude}}
		}
		ref := src
		ref.MaxAge = "36500d" // drops nothing these tests date, and turns marks off

		st, err := markedDB.State(ctx, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, resp, err := marked.fetchItems(ctx, src, &st)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := len(resp.marks.skipped); got != s.skipped {
			t.Errorf("%s: the marked poller left out %d items, want %d", s.name, got, s.skipped)
		}

		got, want := marked.Poll(ctx, src), plain.Poll(ctx, ref)
		if got.Err != nil || want.Err != nil {
			t.Fatalf("%s: errors %v and %v", s.name, got.Err, want.Err)
		}
		if got.IngestResult != want.IngestResult || got.Items != want.Items || got.Dropped != want.Dropped {
			t.Errorf("%s: marked poll %+v items %d dropped %d, plain poll %+v items %d dropped %d",
				s.name, got.IngestResult, got.Items, got.Dropped, want.IngestResult, want.Items, want.Dropped)
		}
		if got.New != s.newItems {
			t.Errorf("%s: %d new items, want %d", s.name, got.New, s.newItems)
		}
		if g, w := StoredItems(t, markedDB), StoredItems(t, plainDB); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: the stores differ:\nmarked %+v\nplain  %+v", s.name, g, w)
		}
		if st, _ := plainDB.State(ctx, src.ID); len(st.Marks) != 0 {
			t.Errorf("%s: a source with max_age kept %d bytes of marks", s.name, len(st.Marks))
		}
	}
}

// StoredItems is every item db holds from sources (every source when
// none), newest first. Exported for fetch_test's tests too.
func StoredItems(t *testing.T, db interface {
	Stories(context.Context, pressfeed.Query) (pressfeed.Page, error)
}, sources ...string) []pressfeed.Item {
	t.Helper()
	page, err := db.Stories(context.Background(), pressfeed.Query{Sources: sources, Limit: pressfeed.MaxLimit, Ungrouped: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []pressfeed.Item
	for _, s := range page.Stories {
		out = append(out, s.Members...)
	}
	return out
}

func TestReadMarksRefusesTornBytes(t *testing.T) {
	if got := readMarks(make([]byte, markSize+3)); got != nil {
		t.Errorf("torn marks read as %v, want none", got)
	}
	fm := &feedMarks{skipped: []mark{{1, 2}}, byGUID: map[string]mark{"g": {3, 4}}}
	got := readMarks(fm.after([]pressfeed.Item{{GUID: "g"}, {GUID: "unmarked"}}))
	if want := map[uint64]uint64{1: 2, 3: 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("marks round trip to %v, want %v", got, want)
	}
}
