package index

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// TestPanickingWriteIsAnError: a story write that panics returns an error
// and rolls back, and the store stays writable: no lock is left held, and
// the postings hold nothing of it.
func TestPanickingWriteIsAnError(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	const story = "The North West Regional Organised Crime Unit has been graded outstanding by HMICFRS inspectors in Warrington."
	release := func(guid, title string) []pressfeed.Item {
		return []pressfeed.Item{{GUID: guid, Title: title, Link: "https://x.example/" + guid, Summary: story, Published: now.Add(-time.Hour)}}
	}
	// The panic comes after the write has numbered words and posted an item.
	err = db.storyUpdate(ctx, func(tx *bolt.Tx, post *postingsTx) error {
		if err := tx.Bucket(bucketState).Put([]byte("half"), []byte("{}")); err != nil {
			return err
		}
		if _, err := post.vocab.id("halfwrittenword"); err != nil {
			return err
		}
		panic("a bug")
	})
	if err == nil || !strings.Contains(err.Error(), "the write panicked: a bug") {
		t.Fatalf("the panicking write returned %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.Ingest(ctx, "force", release("f1", "Regional crime unit graded outstanding by inspectors"), pressfeed.SourceState{})
		if err == nil {
			_, err = db.Ingest(ctx, "rocu", release("r1", "North West ROCU graded outstanding by inspectors"), pressfeed.SourceState{})
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an ingest after the panic did not return: a lock is still held")
	}
	f, err := db.Item(ctx, pressfeed.ItemKey("force", "f1"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.Item(ctx, pressfeed.ItemKey("rocu", "r1"))
	if err != nil {
		t.Fatal(err)
	}
	if f.StoryID != r.StoryID {
		t.Errorf("after the panic, one story told twice is in stories %s and %s", f.StoryID, r.StoryID)
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketState).Get([]byte("half")) != nil {
			return errors.New("the panicking write's put was committed")
		}
		if _, ok := db.vocab.ids["halfwrittenword"]; ok {
			return errors.New("the panicking write's word is in the vocabulary")
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
