package index_test

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"pressfeed"
)

// TestMarksFollowTheItems checks that a source's marks are what its last
// stored poll left: written by Ingest with the items, never by a state-only
// save, kept across a reopen, and gone once the source's fetch settings
// change or the source is deleted, so a poll never skips an item on the
// strength of marks that describe something else.
func TestMarksFollowTheItems(t *testing.T) {
	c := &clock{t0}
	path := filepath.Join(t.TempDir(), "s.db")
	db := mustOpen(t, path, c)
	marksOf := func(what string) []byte {
		t.Helper()
		st, err := db.State(bgCtx, srcA.ID)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return st.Marks
	}
	want := bytes.Repeat([]byte{7}, 32)
	if _, err := db.ApplySourceChanges(bgCtx, web, []pressfeed.SourceChange{change(pressfeed.ActionCreate, srcA)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest(bgCtx, srcA.ID, []pressfeed.Item{item("a", "Man charged", t0)}, pressfeed.SourceState{LastSuccess: t0, Marks: want}); err != nil {
		t.Fatal(err)
	}
	if got := marksOf("after ingest"); !bytes.Equal(got, want) {
		t.Fatalf("marks after ingest %x, want %x", got, want)
	}

	// A 304 or a failure saves the state alone, buffered: the marks read
	// are still the store's, whatever the saved state carried.
	if err := db.SaveState(bgCtx, srcA.ID, pressfeed.SourceState{LastSuccess: t0.Add(time.Hour), Marks: []byte("not marks")}); err != nil {
		t.Fatal(err)
	}
	if got := marksOf("after a state-only save"); !bytes.Equal(got, want) {
		t.Errorf("marks after a state-only save %q, want the stored %x", got, want)
	}
	db.Close()
	db = mustOpen(t, path, c)
	if got := marksOf("after reopening"); !bytes.Equal(got, want) {
		t.Errorf("marks after reopening %x, want %x", got, want)
	}

	renamed := srcA
	renamed.Name = "Force A (renamed)"
	if _, err := db.ApplySourceChanges(bgCtx, web, []pressfeed.SourceChange{change(pressfeed.ActionUpdate, renamed)}); err != nil {
		t.Fatal(err)
	}
	if got := marksOf("after a rename"); !bytes.Equal(got, want) {
		t.Errorf("a rename dropped the marks: %x", got)
	}
	moved := renamed
	moved.URL = "https://a.example/news.rss"
	if _, err := db.ApplySourceChanges(bgCtx, web, []pressfeed.SourceChange{change(pressfeed.ActionUpdate, moved)}); err != nil {
		t.Fatal(err)
	}
	if got := marksOf("after a new URL"); got != nil {
		t.Errorf("marks survived a change of URL: %x", got)
	}

	if _, err := db.Ingest(bgCtx, srcA.ID, nil, pressfeed.SourceState{Marks: want}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest(bgCtx, srcA.ID, nil, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	if got := marksOf("after an ingest without marks"); got != nil {
		t.Errorf("an ingest without marks left %x", got)
	}
	if _, err := db.Ingest(bgCtx, srcA.ID, nil, pressfeed.SourceState{Marks: want}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApplySourceChanges(bgCtx, web, []pressfeed.SourceChange{change(pressfeed.ActionDelete, moved)}); err != nil {
		t.Fatal(err)
	}
	if got := marksOf("after deleting the source"); got != nil {
		t.Errorf("marks survived deleting the source: %x", got)
	}
}
