package index_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
)

// clock is an injectable clock tests move by hand.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func mustOpen(tb testing.TB, path string, c *clock) *index.DB {
	tb.Helper()
	db, err := index.Open(path, index.Options{Now: c.Now, Timeout: 200 * time.Millisecond})
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func item(guid, title string, published time.Time) pressfeed.Item {
	return pressfeed.Item{GUID: guid, Title: title, Link: "https://example.org/" + guid, Summary: "<p>" + title + "</p>", Published: published}
}

func TestSecondOpenSaysLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	mustOpen(t, path, &clock{t0})
	_, err := index.Open(path, index.Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, pressfeed.ErrStoreLocked) {
		t.Fatalf("second open: got %v, want ErrStoreLocked", err)
	}
	if got, want := err.Error(), "store is in use by another process"; !strings.Contains(got, want) {
		t.Errorf("error %q does not say %q", got, want)
	}
}

func TestIngestNewUpdatedUnchanged(t *testing.T) {
	ctx := context.Background()
	c := &clock{t0}
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)

	items := []pressfeed.Item{
		item("a", "Man charged", t0.Add(-2*time.Hour)),
		item("b", "Appeal for witnesses", time.Time{}),     // no date
		item("c", "From the future", t0.Add(48*time.Hour)), // future date
		item("a", "Duplicate guid in one feed", t0),        // the first copy wins
	}
	res, err := db.Ingest(ctx, "src", items, pressfeed.SourceState{ETag: `"v1"`})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res, (pressfeed.IngestResult{New: 3}); got != want {
		t.Fatalf("first ingest: got %+v, want %+v", got, want)
	}

	b, err := db.Item(ctx, pressfeed.ItemKey("src", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if !b.Published.Equal(t0) || !b.FirstSeen.Equal(t0) {
		t.Errorf("undated item: published %v first seen %v, want both %v", b.Published, b.FirstSeen, t0)
	}
	fut, _ := db.Item(ctx, pressfeed.ItemKey("src", "c"))
	if !fut.Published.Equal(t0) {
		t.Errorf("future item published %v, want clamped to first seen %v", fut.Published, t0)
	}

	c.t = t0.Add(time.Hour)
	items[0].Title = "Man charged with robbery"
	res, err = db.Ingest(ctx, "src", items[:3], pressfeed.SourceState{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res, (pressfeed.IngestResult{Updated: 1, Unchanged: 2}); got != want {
		t.Fatalf("second ingest: got %+v, want %+v", got, want)
	}
	a, _ := db.Item(ctx, pressfeed.ItemKey("src", "a"))
	if a.Title != "Man charged with robbery" || !a.FirstSeen.Equal(t0) || !a.Updated.Equal(c.t) {
		t.Errorf("updated item = %q first %v updated %v", a.Title, a.FirstSeen, a.Updated)
	}
	st, _ := db.State(ctx, "src")
	if st.ItemCount != 3 {
		t.Errorf("item count %d, want 3", st.ItemCount)
	}
	if n, _ := db.ItemCount(ctx); n != 3 {
		t.Errorf("stored items %d, want 3", n)
	}
}

func TestGenerationChangesOnlyWithContent(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), &clock{t0})
	g0 := db.Generation()
	db.Ingest(ctx, "src", []pressfeed.Item{item("a", "A", t0)}, pressfeed.SourceState{})
	g1 := db.Generation()
	db.Ingest(ctx, "src", []pressfeed.Item{item("a", "A", t0)}, pressfeed.SourceState{})
	if g1 == g0 {
		t.Error("generation did not change after a new item")
	}
	if db.Generation() != g1 {
		t.Error("generation changed after an unchanged poll")
	}
}

func seed(t *testing.T, db *index.DB) {
	t.Helper()
	ctx := context.Background()
	sources := []pressfeed.Source{
		{ID: "force-a", Name: "Force A", Kind: pressfeed.KindForce, Area: "North", URL: "https://a.example/", Type: pressfeed.TypeFeed, Enabled: true},
		{ID: "pcc-a", Name: "PCC A", Kind: pressfeed.KindPCC, Area: "North", URL: "https://p.example/", Type: pressfeed.TypeFeed, Enabled: true},
		{ID: "force-b", Name: "Force B", Kind: pressfeed.KindForce, Area: "South", URL: "https://b.example/", Type: pressfeed.TypeFeed, Enabled: true},
	}
	if ok, err := db.SeedSources(ctx, sources); err != nil || !ok {
		t.Fatalf("seed: %v %v", ok, err)
	}
	for i, src := range sources {
		var items []pressfeed.Item
		for j := 0; j < 10; j++ {
			// interleave the sources: source i's item j is (j*3+i) hours old
			items = append(items, item(fmt.Sprintf("%s-%d", src.ID, j), fmt.Sprintf("%s story %d", src.Name, j), t0.Add(-time.Duration(j*3+i)*time.Hour)))
		}
		if _, err := db.Ingest(ctx, src.ID, items, pressfeed.SourceState{}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStoriesNewestFirstFilteredAndPaged(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), &clock{t0})
	seed(t, db)

	tests := []struct {
		name string
		q    pressfeed.Query
		want int
	}{
		{"all", pressfeed.Query{Limit: 100}, 30},
		{"one source", pressfeed.Query{Sources: []string{"pcc-a"}}, 10},
		{"kind", pressfeed.Query{Kinds: []pressfeed.Kind{pressfeed.KindForce}}, 20},
		{"area and kind", pressfeed.Query{Kinds: []pressfeed.Kind{pressfeed.KindForce}, Areas: []string{"South"}}, 10},
		{"source and kind disagree", pressfeed.Query{Sources: []string{"pcc-a"}, Kinds: []pressfeed.Kind{pressfeed.KindForce}}, 0},
		{"text", pressfeed.Query{Text: "FORCE b STORY"}, 10},
		{"since", pressfeed.Query{Since: t0.Add(-5 * time.Hour)}, 6},
		{"unknown source", pressfeed.Query{Sources: []string{"nope"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := db.Stories(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(page.Stories); got != tt.want {
				t.Fatalf("got %d stories, want %d", got, tt.want)
			}
			for i := 1; i < len(page.Stories); i++ {
				if page.Stories[i].Primary().Published.After(page.Stories[i-1].Primary().Published) {
					t.Fatalf("story %d is newer than story %d", i, i-1)
				}
			}
		})
	}

	t.Run("paging visits every story once", func(t *testing.T) {
		for _, q := range []pressfeed.Query{{Limit: 7}, {Limit: 4, Kinds: []pressfeed.Kind{pressfeed.KindForce}}} {
			seen := map[string]bool{}
			var prev time.Time
			pages := 0
			for {
				page, err := db.Stories(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, s := range page.Stories {
					if seen[s.ID] {
						t.Fatalf("story %s returned twice", s.ID)
					}
					if !prev.IsZero() && s.Primary().Published.After(prev) {
						t.Fatalf("order broken across pages")
					}
					prev = s.Primary().Published
					seen[s.ID] = true
				}
				if page.Next == "" {
					break
				}
				q.Cursor = page.Next
			}
			want := 30
			if len(q.Kinds) > 0 {
				want = 20
			}
			if len(seen) != want {
				t.Errorf("paging with %+v saw %d stories over %d pages, want %d", q, len(seen), pages, want)
			}
		}
	})

	t.Run("bad cursor", func(t *testing.T) {
		_, err := db.Stories(ctx, pressfeed.Query{Cursor: "not-a-cursor"})
		if !errors.Is(err, pressfeed.ErrInvalidCursor) {
			t.Errorf("got %v, want ErrInvalidCursor", err)
		}
	})
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	c := &clock{t0}
	db, err := index.Open(path, index.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, db)
	db.SaveState(ctx, "force-a", pressfeed.SourceState{ETag: `"x"`, ItemCount: 10})
	db.Close()

	db = mustOpen(t, path, c)
	page, err := db.Stories(ctx, pressfeed.Query{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Stories) != 30 {
		t.Errorf("after reopen: %d stories, want 30", len(page.Stories))
	}
	srcs, _ := db.Sources(ctx)
	if len(srcs) != 3 {
		t.Errorf("after reopen: %d sources, want 3", len(srcs))
	}
	st, _ := db.State(ctx, "force-a")
	if st.ETag != `"x"` {
		t.Errorf("after reopen: etag %q", st.ETag)
	}
	if ok, _ := db.SeedSources(ctx, []pressfeed.Source{{ID: "other"}}); ok {
		t.Error("seeding a store that has sources should do nothing")
	}
}

func TestSourceCRUD(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), &clock{t0})
	src := pressfeed.Source{ID: "x", Name: "X", Kind: pressfeed.KindOther, URL: "https://x.example/", Type: pressfeed.TypeHTML,
		HTML:    &pressfeed.HTMLSpec{Item: "article", Date: "time", DateAttr: "datetime", Follow: 2},
		Include: []pressfeed.Rule{{Keyword: "policing"}}, Exclude: []pressfeed.Rule{{Field: "title", Regexp: "(?i)^test"}},
		MaxAge: "30d", IgnoreRobots: true}
	if err := db.PutSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	got, err := db.Source(ctx, "x")
	if err != nil || !reflect.DeepEqual(got, src) {
		t.Fatalf("get: %+v %v", got, err)
	}
	if err := db.DeleteSource(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Source(ctx, "x"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("get deleted: %v, want ErrNotFound", err)
	}
	if err := db.DeleteSource(ctx, "x"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("delete missing: %v, want ErrNotFound", err)
	}
}
