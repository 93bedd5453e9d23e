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

// TestStoryViewWithoutRecordedTimes: story records written before members'
// publication times were kept have them zero; pages read the members
// instead and come out the same.
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
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStories)
		var keys [][]byte
		b.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil })
		for _, k := range keys {
			var rec storyRecord
			if _, err := getJSON(b, k, &rec); err != nil {
				return err
			}
			for i := range rec.Members {
				rec.Members[i].Published = time.Time{}
			}
			if err := putJSON(b, k, rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.gen.Add(1) // what a real write does: queries must not be answered from before
	if got := pages(); !reflect.DeepEqual(got, want) {
		t.Errorf("without recorded times:\n got %+v\nwant %+v", got, want)
	}
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
		return tx.Bucket(bucketItems).Delete(k)
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
