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

func TestPruneKeepsStoriesConsistent(t *testing.T) {
	ctx := context.Background()
	c := &clock{t0}
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)
	day := 24 * time.Hour
	story := func(guid string) pressfeed.Item {
		it := item(guid, "Man charged with murder after Bootle stabbing", t0)
		it.Link = "https://police.example/news/bootle-stabbing-charge"
		it.Summary = "<p>A 32-year-old man has been charged with murder after a stabbing in Bootle on Saturday night.</p>"
		return it
	}
	// The force publishes at t0, the commissioner the same story an hour on.
	if _, err := db.Ingest(ctx, "force", []pressfeed.Item{story("f1")}, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	c.t = t0.Add(time.Hour)
	if _, err := db.Ingest(ctx, "pcc", []pressfeed.Item{story("p1")}, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	primary, _ := db.Item(ctx, pressfeed.ItemKey("force", "f1"))
	second, _ := db.Item(ctx, pressfeed.ItemKey("pcc", "p1"))
	if primary.StoryID == "" || second.StoryID != primary.StoryID {
		t.Fatalf("the two items are not one story (%q, %q); the test needs them to be", primary.StoryID, second.StoryID)
	}
	storyID := primary.StoryID

	// Prune the primary only: the story keeps its id (the entry id readers
	// have), now shown through the commissioner's item.
	c.t = t0.Add(100 * day)
	if n, err := db.Prune(ctx, t0.Add(30*time.Minute)); err != nil || n != 1 {
		t.Fatalf("prune: %d, %v; want 1", n, err)
	}
	if err := db.Verify(ctx); err != nil {
		t.Fatalf("after pruning the primary: %v", err)
	}
	page, err := db.Stories(ctx, pressfeed.Query{})
	if err != nil || len(page.Stories) != 1 {
		t.Fatalf("stories after pruning the primary: %+v, %v", page.Stories, err)
	}
	if st := page.Stories[0]; st.ID != storyID || len(st.Members) != 1 || st.Primary().SourceID != "pcc" {
		t.Errorf("story %s with %d members, primary from %s; want id %s, one member, from pcc", st.ID, len(st.Members), st.Primary().SourceID, storyID)
	}
	stats, _ := db.Stats(ctx)
	if stats.Stories != 1 || stats.Items != 1 {
		t.Errorf("stats %+v, want one story of one item", stats)
	}

	// The force lists its item again: it stays pruned, the story unchanged.
	if res, err := db.Ingest(ctx, "force", []pressfeed.Item{story("f1")}, pressfeed.SourceState{}); err != nil || res.New != 0 {
		t.Errorf("re-listing the pruned primary: %+v, %v", res, err)
	}
	if known, _ := db.KnownItems(ctx, "force", []string{"f1"}); !known["f1"] {
		t.Error("a pruned item is not known, so the fetcher would fetch it again")
	}

	// Prune the last member: the story goes.
	if n, err := db.Prune(ctx, t0.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("second prune: %d, %v; want 1", n, err)
	}
	if err := db.Verify(ctx); err != nil {
		t.Fatalf("after pruning every member: %v", err)
	}
	if page, _ := db.Stories(ctx, pressfeed.Query{}); len(page.Stories) != 0 {
		t.Errorf("%d stories left, want none", len(page.Stories))
	}
	if stats, _ := db.Stats(ctx); stats.Stories != 0 || stats.Tombstones != 2 {
		t.Errorf("stats %+v, want no stories and two tombstones", stats)
	}
}
