package index_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
)

// storySources are three publishers of one region; "apart" keeps out of
// stories.
var storySources = []pressfeed.Source{
	{ID: "force", Name: "Merseyside Police", Kind: pressfeed.KindForce, Area: "Merseyside", URL: "https://force.example/feed", Type: pressfeed.TypeFeed, Enabled: true},
	{ID: "pcc", Name: "Merseyside Police and Crime Commissioner", Kind: pressfeed.KindPCC, Area: "Merseyside", URL: "https://pcc.example/feed", Type: pressfeed.TypeFeed, Enabled: true},
	{ID: "rocu", Name: "North West Regional Organised Crime Unit", Kind: pressfeed.KindROCU, Area: "North West", URL: "https://rocu.example/feed", Type: pressfeed.TypeFeed, Enabled: true},
	{ID: "apart", Name: "Apart", Kind: pressfeed.KindOther, URL: "https://apart.example/feed", Type: pressfeed.TypeFeed, Enabled: true, Cluster: new(bool)},
}

func storyDB(t *testing.T, c *clock) *index.DB {
	t.Helper()
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)
	if _, err := db.SeedSources(context.Background(), storySources); err != nil {
		t.Fatal(err)
	}
	return db
}

// release is one press release as a source's feed would give it.
func release(guid, link, title, summary string, published time.Time) pressfeed.Item {
	return pressfeed.Item{GUID: guid, Link: link, Title: title, Summary: "<p>" + summary + "</p>", Published: published}
}

func ingest(t *testing.T, db *index.DB, source string, items ...pressfeed.Item) {
	t.Helper()
	if _, err := db.Ingest(context.Background(), source, items, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
}

func storyOf(t *testing.T, db *index.DB, source, guid string) string {
	t.Helper()
	it, err := db.Item(context.Background(), pressfeed.ItemKey(source, guid))
	if err != nil {
		t.Fatal(err)
	}
	return it.StoryID
}

// The ROCU's inspection release, as the force and the commissioner
// published it the same day.
var (
	rocuRelease = release("r1", "https://rocu.example/news/graded-outstanding",
		"North West Regional Organised Crime Unit graded 'outstanding' by HMICFRS",
		"His Majesty's Inspectorate has graded the North West Regional Organised Crime Unit outstanding at tackling serious and organised crime.",
		t0.Add(-3*time.Hour))
	forceRelease = release("f1", "https://force.example/news/rocu-outstanding",
		"Regional organised crime unit rated outstanding by inspectors",
		"Officers and staff from Merseyside Police seconded to the North West Regional Organised Crime Unit helped it achieve an outstanding grading.",
		t0.Add(-2*time.Hour))
	pccRelease = release("p1", "https://pcc.example/news/commissioners-welcome",
		"Commissioners welcome outstanding inspection of the regional organised crime unit",
		"The Commissioner welcomed the inspectorate's finding that the North West Regional Organised Crime Unit is outstanding at disrupting serious and organised crime.",
		t0.Add(-1*time.Hour))
)

func TestCrossPostedStoryIsOneStory(t *testing.T) {
	ctx := context.Background()
	c := &clock{t0}
	db := storyDB(t, c)
	ingest(t, db, "rocu", rocuRelease)
	c.t = t0.Add(10 * time.Minute)
	ingest(t, db, "force", forceRelease, release("f2", "https://force.example/news/parade", "Road closures for the remembrance parade", "Roads in the town centre will close on Sunday.", t0.Add(-30*time.Minute)))
	c.t = t0.Add(20 * time.Minute)
	ingest(t, db, "pcc", pccRelease)

	id := storyOf(t, db, "rocu", "r1")
	if got, want := id, pressfeed.ItemKey("rocu", "r1"); got != want {
		t.Errorf("story id %s, want the first member's key %s", got, want)
	}
	for _, m := range [][2]string{{"force", "f1"}, {"pcc", "p1"}} {
		if got := storyOf(t, db, m[0], m[1]); got != id {
			t.Errorf("%s's copy is in story %s, want %s", m[0], got, id)
		}
	}
	page, err := db.Stories(ctx, pressfeed.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(page.Stories); got != 2 {
		t.Fatalf("%d stories, want 2 (the inspection and the parade)", got)
	}
	st := page.Stories[1]
	if st.ID != id || st.Primary().SourceID != "rocu" {
		t.Errorf("story %s with primary from %s, want %s from rocu", st.ID, st.Primary().SourceID, id)
	}
	if got, want := st.SourceIDs(), []string{"rocu", "force", "pcc"}; !slices.Equal(got, want) {
		t.Errorf("publishers %v, want %v", got, want)
	}
	if !st.Updated.Equal(pccRelease.Published) {
		t.Errorf("story updated %v, want the latest member's time %v", st.Updated, pccRelease.Published)
	}

	every, err := db.Stories(ctx, pressfeed.Query{Ungrouped: true})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, s := range every.Stories {
		ids[s.ID] = true
	}
	if len(every.Stories) != 4 || len(ids) != 4 {
		t.Errorf("dedup=none: %d entries with %d ids, want 4 and 4", len(every.Stories), len(ids))
	}
	if !ids[id] {
		t.Error("dedup=none does not show the primary under the story's id")
	}
}

func TestLinkSpellingsAreOneStory(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"utm parameters", "https://force.example/news/hubs-open", "https://force.example/news/hubs-open?utm_source=pcc&utm_medium=rss&utm_campaign=weekly"},
		{"www and trailing slash", "https://www.force.example/news/hubs-open/", "http://force.example/news/hubs-open#main"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t0}
			db := storyDB(t, c)
			ingest(t, db, "force", release("f1", tt.a, "New neighbourhood hubs open in Kirkby and Halewood", "Two new hubs have opened.", t0))
			ingest(t, db, "pcc", release("p1", tt.b, "Read more", "This week's round-up.", t0.Add(time.Hour)))
			if a, b := storyOf(t, db, "force", "f1"), storyOf(t, db, "pcc", "p1"); a != b {
				t.Errorf("same page under %q and %q: stories %s and %s", tt.a, tt.b, a, b)
			}
		})
	}
	t.Run("a home page stands for nothing", func(t *testing.T) {
		db := storyDB(t, &clock{t0})
		ingest(t, db, "force", release("f1", "https://www.force.example/", "Road closures for the parade", "Roads will close.", t0))
		ingest(t, db, "pcc", release("p1", "https://force.example", "Funding for victim services", "Charities will share funding.", t0))
		if a, b := storyOf(t, db, "force", "f1"), storyOf(t, db, "pcc", "p1"); a == b {
			t.Error("two unrelated items linking to one home page became one story")
		}
	})
}

func TestStabbingsInDifferentTownsStayApart(t *testing.T) {
	db := storyDB(t, &clock{t0})
	ingest(t, db, "force", release("f1", "https://force.example/news/bootle", "Man charged after stabbing in Bootle",
		"A 22-year-old man has been charged with wounding with intent after a man was stabbed on Stanley Road, Bootle, at around 10pm on Friday.", t0))
	ingest(t, db, "rocu", release("r1", "https://rocu.example/news/wigan", "Man charged after stabbing in Wigan",
		"A 19-year-old man has been charged with wounding with intent following a stabbing on Wallgate, Wigan, on Friday night.", t0.Add(time.Hour)))
	if a, b := storyOf(t, db, "force", "f1"), storyOf(t, db, "rocu", "r1"); a == b {
		t.Error("stabbings in Bootle and Wigan became one story")
	}
}

// TestEditedTitleStaysOneStory: an item edited after it joined a story
// stays in it, the story keeps its id and primary, and its updated time
// moves; an edit never moves an item to another story.
func TestEditedTitleStaysOneStory(t *testing.T) {
	ctx := context.Background()
	c := &clock{t0}
	db := storyDB(t, c)
	ingest(t, db, "rocu", rocuRelease)
	c.t = t0.Add(time.Hour)
	ingest(t, db, "force", forceRelease)
	id := storyOf(t, db, "rocu", "r1")

	c.t = t0.Add(2 * time.Hour)
	edited := forceRelease
	edited.Title = "Statement on road closures for the remembrance parade"
	edited.Summary = "<p>Roads in the town centre will close on Sunday.</p>"
	if res, err := db.Ingest(ctx, "force", []pressfeed.Item{edited}, pressfeed.SourceState{}); err != nil || res.Updated != 1 {
		t.Fatalf("edit: %+v %v", res, err)
	}
	if got := storyOf(t, db, "force", "f1"); got != id {
		t.Errorf("edited item moved to story %s, want %s", got, id)
	}
	page, err := db.Stories(ctx, pressfeed.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Stories) != 1 || page.Stories[0].ID != id || len(page.Stories[0].Members) != 2 {
		t.Fatalf("after the edit: %d stories, want the one story %s with 2 members", len(page.Stories), id)
	}
	if got := page.Stories[0].Updated; !got.Equal(c.t) {
		t.Errorf("story updated %v, want the edit's time %v", got, c.t)
	}
	if got := page.Stories[0].Members[1]; !got.Updated.Equal(c.t) || got.Link != edited.Link {
		t.Errorf("member as the story names it: updated %v, link %q; want the edit's %v, %q", got.Updated, got.Link, c.t, edited.Link)
	}
	flat, err := db.Stories(ctx, pressfeed.Query{Ungrouped: true, Sources: []string{"force"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(flat.Stories) != 1 || flat.Stories[0].Primary().Title != edited.Title {
		t.Errorf("the edited item, ungrouped: %+v; want the title %q", flat.Stories, edited.Title)
	}

	// The edited item is found by its new words: a later release about
	// the parade joins its story, not one of its own.
	c.t = t0.Add(3 * time.Hour)
	ingest(t, db, "pcc", release("p9", "https://pcc.example/news/parade", "Road closures for the remembrance parade on Sunday",
		"Roads in the town centre will close on Sunday for the remembrance parade.", t0.Add(3*time.Hour)))
	if got := storyOf(t, db, "pcc", "p9"); got != id {
		t.Errorf("a release matching the edited title went to story %s, want %s", got, id)
	}
	// re-posting the edited item kept postings and word counts in step
	if err := db.Verify(ctx); err != nil {
		t.Error(err)
	}
}

func TestSameSourceNeverMerged(t *testing.T) {
	db := storyDB(t, &clock{t0})
	// A feed that re-issues a release under a new guid: two items of
	// one source, never one story.
	ingest(t, db, "force", forceRelease)
	again := forceRelease
	again.GUID = "f1-reissued"
	ingest(t, db, "force", again)
	if a, b := storyOf(t, db, "force", "f1"), storyOf(t, db, "force", "f1-reissued"); a == b {
		t.Error("two items of one source became one story")
	}
	// A third source's copy joins one story, and only one.
	ingest(t, db, "rocu", rocuRelease)
	r := storyOf(t, db, "rocu", "r1")
	if r != storyOf(t, db, "force", "f1") && r != storyOf(t, db, "force", "f1-reissued") {
		t.Error("the ROCU's copy joined neither of the force's items")
	}
}

func TestClusterOptOut(t *testing.T) {
	db := storyDB(t, &clock{t0})
	ingest(t, db, "force", forceRelease)
	copied := forceRelease
	copied.Link = "https://apart.example/copy"
	ingest(t, db, "apart", copied)
	if a, b := storyOf(t, db, "force", "f1"), storyOf(t, db, "apart", "f1"); a == b {
		t.Error("an item of a cluster = false source joined another source's story")
	}
	// Nor do others join its items.
	db2 := storyDB(t, &clock{t0})
	ingest(t, db2, "apart", copied)
	ingest(t, db2, "force", forceRelease)
	if a, b := storyOf(t, db2, "apart", "f1"), storyOf(t, db2, "force", "f1"); a == b {
		t.Error("another source's item joined a cluster = false source's story")
	}
}

// TestStoryWindow: items published more than a window apart are different
// stories, and an item can be joined for one window after it is first seen.
func TestStoryWindow(t *testing.T) {
	week := index.DefaultStoryWindow
	tests := []struct {
		name      string
		seen      time.Duration // when the force's copy arrives, after the ROCU's
		published time.Duration // and when it says it was published, after t0
		same      bool
	}{
		{"published six days apart", week - 24*time.Hour, week - 24*time.Hour, true},
		{"published eight days apart", week + 24*time.Hour, week + 24*time.Hour, false},
		// a source added later, with an old release: too late to join
		{"first seen more than a window ago", week + time.Hour, forceRelease.Published.Sub(t0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t0}
			db := storyDB(t, c)
			ingest(t, db, "rocu", rocuRelease)
			c.t = t0.Add(tt.seen)
			late := forceRelease
			late.Published = t0.Add(tt.published)
			ingest(t, db, "force", late)
			if got := storyOf(t, db, "rocu", "r1") == storyOf(t, db, "force", "f1"); got != tt.same {
				t.Errorf("one story: %v, want %v", got, tt.same)
			}
			// pruning the window kept postings and word counts in step
			if err := db.Verify(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestPrimaryIsEarliestPublished: a copy seen later but dated earlier joins
// the story and becomes its primary, shown first and placing the story at
// its own time; the story keeps its id, so entry ids never change.
func TestPrimaryIsEarliestPublished(t *testing.T) {
	ctx := context.Background()
	c := &clock{t0}
	db := storyDB(t, c)
	ingest(t, db, "force", forceRelease) // published t0-2h, seen t0
	id := pressfeed.ItemKey("force", "f1")
	only := func() pressfeed.Story {
		t.Helper()
		page, err := db.Stories(ctx, pressfeed.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Stories) != 1 {
			t.Fatalf("%d stories, want 1", len(page.Stories))
		}
		return page.Stories[0]
	}
	if st := only(); st.ID != id || st.Primary().SourceID != "force" {
		t.Errorf("alone: story %s with primary from %s", st.ID, st.Primary().SourceID)
	}
	c.t = t0.Add(5 * time.Hour)
	ingest(t, db, "rocu", rocuRelease) // published t0-3h, seen t0+5h
	st := only()
	if st.ID != id || st.Primary().SourceID != "rocu" || !st.Primary().Published.Equal(rocuRelease.Published) {
		t.Errorf("story %s with primary from %s; want id %s kept and the rocu's earlier copy as primary", st.ID, st.Primary().SourceID, id)
	}
	if got, want := st.SourceIDs(), []string{"rocu", "force"}; !slices.Equal(got, want) {
		t.Errorf("publishers %v, want %v", got, want)
	}
	// Placed at the primary's time: a since between the two copies leaves it out.
	page, err := db.Stories(ctx, pressfeed.Query{Since: rocuRelease.Published.Add(time.Minute)})
	if err != nil || len(page.Stories) != 0 {
		t.Errorf("since after the primary: %d stories, %v; want none", len(page.Stories), err)
	}
	// Filtered to the force, the story sits at the force's time, still whole.
	page, err = db.Stories(ctx, pressfeed.Query{Sources: []string{"force"}, Since: rocuRelease.Published.Add(time.Minute)})
	if err != nil || len(page.Stories) != 1 || len(page.Stories[0].Members) != 2 {
		t.Errorf("source=force: %+v, %v; want the story with both members", page.Stories, err)
	}
}

// TestStoryFilters: a filtered feed shows each story the filter lets in
// once, at its representative's time, with every publisher.
func TestStoryFilters(t *testing.T) {
	ctx := context.Background()
	c := &clock{t0}
	db := storyDB(t, c)
	ingest(t, db, "rocu", rocuRelease)
	ingest(t, db, "force", forceRelease)
	ingest(t, db, "pcc", pccRelease)
	var filler []pressfeed.Item
	for _, h := range []int{-5, -4, 1, 2} {
		filler = append(filler, release("x"+time.Duration(h).String(), "https://force.example/news/x"+time.Duration(h).String(),
			"Unrelated item "+time.Duration(h).String(), "Nothing to do with it.", t0.Add(time.Duration(h)*time.Hour)))
	}
	ingest(t, db, "force", filler...)
	id := storyOf(t, db, "rocu", "r1")

	tests := []struct {
		name    string
		q       pressfeed.Query
		stories int
		at      time.Time // when the story should sit, if shown
	}{
		{"all", pressfeed.Query{}, 5, rocuRelease.Published},
		{"commissioner only", pressfeed.Query{Sources: []string{"pcc"}}, 1, pccRelease.Published},
		{"forces and commissioners", pressfeed.Query{Kinds: []pressfeed.Kind{pressfeed.KindForce, pressfeed.KindPCC}}, 5, forceRelease.Published},
		{"words only a later member has", pressfeed.Query{Text: "commissioners welcome"}, 1, pccRelease.Published},
		{"since after the primary", pressfeed.Query{Since: t0.Add(-150 * time.Minute)}, 2, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := db.Stories(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(page.Stories); got != tt.stories {
				t.Fatalf("%d stories, want %d", got, tt.stories)
			}
			shown := false
			for i, st := range page.Stories {
				if st.ID != id {
					continue
				}
				shown = true
				if got := st.SourceIDs(); len(got) != 3 {
					t.Errorf("story names %v, want all three publishers", got)
				}
				// its neighbours place it at the representative's time
				if i > 0 && page.Stories[i-1].Primary().Published.Before(tt.at) {
					t.Errorf("story sits after an older entry")
				}
				if i+1 < len(page.Stories) && page.Stories[i+1].Primary().Published.After(tt.at) {
					t.Errorf("story sits before a newer entry")
				}
			}
			if shown == tt.at.IsZero() {
				t.Errorf("story shown: %v, want %v", shown, !tt.at.IsZero())
			}
		})
	}

	t.Run("paging shows each story once", func(t *testing.T) {
		for _, q := range []pressfeed.Query{{Limit: 1}, {Limit: 2, Kinds: []pressfeed.Kind{pressfeed.KindForce, pressfeed.KindPCC, pressfeed.KindROCU}}} {
			seen := map[string]int{}
			for {
				page, err := db.Stories(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, st := range page.Stories {
					seen[st.ID]++
				}
				if page.Next == "" {
					break
				}
				q.Cursor = page.Next
			}
			if len(seen) != 5 {
				t.Errorf("limit %d: %d stories over all pages, want 5", q.Limit, len(seen))
			}
			for sid, n := range seen {
				if n != 1 {
					t.Errorf("limit %d: story %s shown %d times", q.Limit, sid, n)
				}
			}
		}
	})
}

// TestSchema1StoreUpgrades opens a store written by the walking skeleton
// (schema 1; testdata/mkschema1.go.txt made it): every old item becomes a
// story of its own, and new items can join the recent ones.
func TestSchema1StoreUpgrades(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	copyFile(t, "testdata/schema1.db", path)

	t.Run("read only, before the upgrade", func(t *testing.T) {
		db, err := index.Open(path, index.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		page, err := db.Stories(ctx, pressfeed.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Stories) != 3 {
			t.Errorf("%d stories, want each of the 3 items on its own", len(page.Stories))
		}
	})

	made := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) // the fixture's clock
	c := &clock{made.Add(24 * time.Hour)}
	db := mustOpen(t, path, c)
	page, err := db.Stories(ctx, pressfeed.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Stories) != 3 {
		t.Fatalf("%d stories after the upgrade, want 3: old items are not grouped", len(page.Stories))
	}
	for _, st := range page.Stories {
		if st.ID != st.Primary().Key || len(st.Members) != 1 {
			t.Errorf("story %s: primary %s, %d members; want the item's own key and 1 member", st.ID, st.Primary().Key, len(st.Members))
		}
	}
	ingest(t, db, "rocu", release("r1", "https://rocu.example/news/outstanding", "Regional organised crime unit graded 'outstanding' by HMICFRS",
		"The regional organised crime unit has been graded outstanding in the inspectorate's latest report.", made.Add(-time.Hour)))
	force := pressfeed.ItemKey("force", "f-1")
	if got := storyOf(t, db, "rocu", "r1"); got != force && got != pressfeed.ItemKey("pcc", "p-1") {
		t.Errorf("a new copy of an upgraded item's story started story %s", got)
	}
	db.Close()
	// Opening again does not upgrade twice.
	db = mustOpen(t, path, c)
	if page, err = db.Stories(ctx, pressfeed.Query{}); err != nil || len(page.Stories) != 3 {
		t.Errorf("reopened: %d stories, %v; want 3", len(page.Stories), err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFindStoryOnlyReads(t *testing.T) {
	ctx := context.Background()
	c := &clock{t0}
	db := storyDB(t, c)
	ingest(t, db, "rocu", rocuRelease)
	g := db.Generation()
	id, err := db.FindStory(ctx, "force", forceRelease)
	if err != nil {
		t.Fatal(err)
	}
	if want := pressfeed.ItemKey("rocu", "r1"); id != want {
		t.Errorf("FindStory = %q, want %q", id, want)
	}
	if n, _ := db.ItemCount(ctx); n != 1 || db.Generation() != g {
		t.Errorf("FindStory wrote: %d items, generation %d→%d", n, g, db.Generation())
	}
	if id, _ := db.FindStory(ctx, "force", release("z", "https://force.example/z", "Road closures for the parade", "Roads will close.", t0)); id != "" {
		t.Errorf("an unrelated item would join story %q", id)
	}
	// A window later, with no poll in between to prune, the ROCU's item
	// can no longer be joined.
	c.t = t0.Add(index.DefaultStoryWindow + time.Minute)
	if id, _ := db.FindStory(ctx, "force", forceRelease); id != "" {
		t.Errorf("a window later, FindStory = %q, want no story", id)
	}
}
