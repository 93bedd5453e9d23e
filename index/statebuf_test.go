package index

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

func openTest(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func (b *stateBuffer) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

func TestSavedStatesAreReadAtOnceAndWrittenLater(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	db := openTest(t, path)
	st := pressfeed.SourceState{ETag: `"a"`, LastStatus: 304, ConsecutiveFailures: 2}
	if err := db.SaveState(ctx, "a", st); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.State(ctx, "a"); got.ETag != `"a"` || got.ConsecutiveFailures != 2 {
		t.Errorf("State right after SaveState: %+v", got)
	}
	if all, _ := db.States(ctx); all["a"].ETag != `"a"` {
		t.Errorf("States right after SaveState: %+v", all)
	}
	// The timer commits it; a generous deadline only catches a timer that
	// never fires.
	deadline := time.Now().Add(30 * time.Second)
	for db.states.size() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the buffered state was never committed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var onDisk pressfeed.SourceState
	db.bolt.View(func(tx *bolt.Tx) error { _, err := getJSON(tx.Bucket(bucketState), []byte("a"), &onDisk); return err })
	if onDisk.ETag != `"a"` {
		t.Errorf("committed state %+v", onDisk)
	}
	db.Close()
}

func TestCloseAndIngestCommitBufferedStates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	db := openTest(t, path)
	db.SaveState(ctx, "a", pressfeed.SourceState{ETag: `"a"`})
	db.SaveState(ctx, "gone", pressfeed.SourceState{ETag: `"gone"`})
	if err := db.PutSource(ctx, pressfeed.Source{ID: "gone", Name: "Gone", Kind: pressfeed.KindOther, URL: "https://gone.example/feed", Type: pressfeed.TypeFeed}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSource(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	// An Ingest of another source carries the buffered states with it.
	if _, err := db.Ingest(ctx, "b", []pressfeed.Item{{GUID: "x", Title: "x"}}, pressfeed.SourceState{ETag: `"b"`}); err != nil {
		t.Fatal(err)
	}
	if n := db.states.size(); n != 0 {
		t.Errorf("%d states still buffered after an Ingest", n)
	}
	db.SaveState(ctx, "c", pressfeed.SourceState{ETag: `"c"`})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveState(ctx, "d", pressfeed.SourceState{}); err == nil {
		t.Error("SaveState on a closed store succeeded")
	}
	db = openTest(t, path)
	defer db.Close()
	all, err := db.States(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if all[id].ETag != `"`+id+`"` {
			t.Errorf("state of %s after reopening: %+v", id, all[id])
		}
	}
	if _, ok := all["gone"]; ok {
		t.Error("a deleted source's buffered state came back")
	}
}
