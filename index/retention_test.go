package index_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"pressfeed"
)

func TestPruneByFirstSeenKeepsTombstones(t *testing.T) {
	ctx := context.Background()
	c := &clock{t0}
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)
	day := 24 * time.Hour

	// Day 0: two items, one published long before it was first seen.
	first := []pressfeed.Item{
		item("old", "Published years ago, first seen today", t0.Add(-5*365*day)),
		item("fresh", "Published today", t0),
	}
	if _, err := db.Ingest(ctx, "src", first, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	// Day 100: a back-catalogue item, published before both, first seen now.
	c.t = t0.Add(100 * day)
	late := item("late", "Back catalogue", t0.Add(-6*365*day))
	if _, err := db.Ingest(ctx, "src", []pressfeed.Item{late}, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}

	// Retention of 50 days on day 100: both day-0 items go, whatever their
	// publication date; the late item stays although it is the oldest
	// published.
	cutoff := c.t.Add(-50 * day)
	n, err := db.Prune(ctx, cutoff)
	if err != nil || n != 2 {
		t.Fatalf("prune: %d, %v; want 2", n, err)
	}
	for _, key := range []string{"old", "fresh"} {
		if _, err := db.Item(ctx, pressfeed.ItemKey("src", key)); err == nil {
			t.Errorf("%s survived the prune", key)
		}
	}
	if _, err := db.Item(ctx, pressfeed.ItemKey("src", "late")); err != nil {
		t.Errorf("late item pruned: %v", err)
	}
	page, err := db.Stories(ctx, pressfeed.Query{})
	if err != nil || len(page.Stories) != 1 {
		t.Fatalf("feed after prune: %d stories, %v; want 1", len(page.Stories), err)
	}
	if err := db.Verify(ctx); err != nil {
		t.Fatalf("store after prune: %v", err)
	}

	// The source lists the pruned items again: they stay gone, and a new
	// item still gets in.
	c.t = t0.Add(101 * day)
	again := append(first, item("new", "Really new", c.t))
	res, err := db.Ingest(ctx, "src", again, pressfeed.SourceState{})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || res.Unchanged != 2 {
		t.Errorf("re-listing: %+v, want 1 new and 2 unchanged (tombstoned)", res)
	}
	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Items != 2 || st.Tombstones != 2 {
		t.Errorf("stats %+v, want 2 items and 2 tombstones", st)
	}

	// A second prune at the same cutoff finds nothing more.
	if n, err := db.Prune(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("second prune: %d, %v; want 0", n, err)
	}
}

func TestPruneInManyBatches(t *testing.T) {
	ctx := context.Background()
	c := &clock{t0}
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)
	// 1,234 items first seen on day 0 and 300 on day 10, interleaved in
	// publication time so the walk must skip kept items between doomed ones.
	fill(t, db, "a", 0, 1234, 10)
	c.t = t0.Add(10 * 24 * time.Hour)
	fill(t, db, "b", 0, 300, 10)
	gen := db.Generation()
	n, err := db.Prune(ctx, t0.Add(time.Hour))
	if err != nil || n != 1234 {
		t.Fatalf("prune: %d, %v; want 1234", n, err)
	}
	if got := count(t, db); got != 300 {
		t.Errorf("%d items left, want 300", got)
	}
	if db.Generation() == gen {
		t.Error("pruning did not change the generation, so cached feeds would go stale")
	}
	if err := db.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPruneStopsWithItsContext(t *testing.T) {
	c := &clock{t0}
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)
	fill(t, db, "a", 0, 10, 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.Prune(ctx, t0.Add(time.Hour)); err == nil {
		t.Error("prune ran on a cancelled context")
	}
	if got := count(t, db); got != 10 {
		t.Errorf("%d items left, want 10", got)
	}
}
