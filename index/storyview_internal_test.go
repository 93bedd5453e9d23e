package index

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// inspectionStore holds one story told by a force and, seen five hours
// later but dated earlier, by the regional unit; and an unrelated item.
func inspectionStore(t *testing.T) (*DB, time.Time) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	const inspection = "The North West Regional Organised Crime Unit has been graded outstanding by HMICFRS inspectors in Warrington."
	release := func(guid, title, summary string, published time.Time) pressfeed.Item {
		return pressfeed.Item{GUID: guid, Title: title, Link: "https://x.example/" + guid, Summary: summary, Published: published}
	}
	ingest := func(src string, it pressfeed.Item) {
		t.Helper()
		if _, err := db.Ingest(ctx, src, []pressfeed.Item{it}, pressfeed.SourceState{}); err != nil {
			t.Fatal(err)
		}
	}
	ingest("force", release("f1", "Regional crime unit graded outstanding by inspectors", inspection, now.Add(-2*time.Hour)))
	ingest("other", release("o1", "Road closure in Crewe for resurfacing works", "Nantwich Road will be closed for three nights.", now.Add(-90*time.Minute)))
	now = now.Add(5 * time.Hour)
	ingest("rocu", release("r1", "North West ROCU graded outstanding by inspectors", inspection, now.Add(-8*time.Hour)))

	return db, now
}

// TestStoryViewWithoutRecordedTimes: story records written before members'
// publication times (or their first-seen and updated times) were kept
// have them zero; pages read the members
// instead and come out the same.
func TestStoryViewWithoutRecordedTimes(t *testing.T) {
	db, now := inspectionStore(t)
	ctx := context.Background()
	queries := []pressfeed.Query{
		{},
		{Sources: []string{"force"}},
		{Sources: []string{"force", "other"}, Since: now.Add(-7 * time.Hour)},
		{Text: "outstanding"},
		{Text: "outstanding", Sources: []string{"rocu"}},
	}
	pages := func() []pressfeed.Page {
		var out []pressfeed.Page
		for _, q := range queries {
			p, err := db.Stories(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
		return out
	}
	want := pages()
	if st := want[0].Stories; len(st) != 2 || st[1].Primary().SourceID != "rocu" || len(st[1].Members) != 2 {
		t.Fatalf("unfiltered: %+v; want the inspection story last, the rocu's earlier copy as primary", st)
	}
	// Records written before the member times were kept have FirstSeen and
	// Updated zero; records older still have Published zero too. Their
	// members are read instead, and the pages show the same.
	forget := []struct {
		name string
		fn   func(*storyMember)
	}{
		{"without first-seen and updated times", func(m *storyMember) { m.FirstSeen, m.Updated = time.Time{}, time.Time{} }},
		{"without any recorded time", func(m *storyMember) { m.Published = time.Time{} }},
	}
	for _, f := range forget {
		rewriteStoryRecords(t, db, f.fn)
		if got := pages(); !reflect.DeepEqual(asShown(got), asShown(want)) {
			t.Errorf("%s:\n got %+v\nwant %+v", f.name, got, want)
		}
	}
}

// TestUpgradeRewritesStoryRecords: a schema-8 store's JSON story records,
// without their members' first-seen and updated times, are rewritten at
// upgrade in binary with each member's times from its item; the pages stay
// the same.
func TestUpgradeRewritesStoryRecords(t *testing.T) {
	db, _ := inspectionStore(t)
	ctx := context.Background()
	want, err := db.Stories(ctx, pressfeed.Query{Sources: []string{"force"}})
	if err != nil {
		t.Fatal(err)
	}
	rewriteStoryRecords(t, db, func(m *storyMember) { m.FirstSeen, m.Updated = time.Time{}, time.Time{} })
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte("8"))
	})
	if err != nil {
		t.Fatal(err)
	}
	path := db.bolt.Path()
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStories).ForEach(func(k, v []byte) error {
			var rec storyRecord
			if len(v) == 0 || v[0] != recordFormat {
				t.Errorf("story %x is still JSON after the upgrade", k)
			} else if err := decodeRecord(v, &rec); err != nil {
				t.Errorf("story %x: %v", k, err)
			}
			for _, m := range rec.Members {
				if !m.complete() {
					t.Errorf("story %x: member %s has no first-seen time after the upgrade", k, m.Key)
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Stories(ctx, pressfeed.Query{Sources: []string{"force"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the upgrade:\n got %+v\nwant %+v", got, want)
	}
}

// rewriteStoryRecords applies fn to every member of every story record.
func rewriteStoryRecords(t *testing.T, db *DB, fn func(*storyMember)) {
	t.Helper()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStories)
		var keys [][]byte
		b.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil })
		for _, k := range keys {
			var rec storyRecord
			if err := decodeRecord(b.Get(k), &rec); err != nil {
				return err
			}
			for i := range rec.Members {
				fn(&rec.Members[i])
			}
			if err := putJSON(b, k, rec); err != nil { // as records were written before schema 9
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.gen.Add(1) // what a real write does: queries must not be answered from before
}

// asShown is pages as a story page reads them: each story's primary whole,
// its other members as far as Story promises (key, source, link, times).
func asShown(pages []pressfeed.Page) []pressfeed.Page {
	out := make([]pressfeed.Page, len(pages))
	for i, p := range pages {
		out[i] = p
		out[i].Stories = make([]pressfeed.Story, len(p.Stories))
		for j, st := range p.Stories {
			ms := []pressfeed.Item{st.Primary()}
			for _, m := range st.Members[1:] {
				ms = append(ms, memberOf(m).item(st.ID))
			}
			st.Members = ms
			out[i].Stories[j] = st
		}
	}
	return out
}

// TestStoryViewSkipsAMemberGone: a member whose item is gone (a damaged
// store) no longer represents its story, though the record says it was
// published first: the story shows once, as the next member.
func TestStoryViewSkipsAMemberGone(t *testing.T) {
	db, _ := inspectionStore(t)
	ctx := context.Background()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		k, err := keyBytes(pressfeed.ItemKey("rocu", "r1"))
		if err != nil {
			return err
		}
		return itemsOf(tx).Delete(k)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.gen.Add(1)
	page, err := db.Stories(ctx, pressfeed.Query{Sources: []string{"force", "rocu"}})
	if err != nil || len(page.Stories) != 1 || page.Stories[0].Primary().SourceID != "force" {
		t.Errorf("with a member gone: %+v %v; want the story once, shown as the force's copy", page.Stories, err)
	}
}
