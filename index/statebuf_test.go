package index

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
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

// TestStateFollowsEveryWrite: after every kind of write to a source's
// state — an Ingest with marks and without, a buffered save and its
// flush, an admin's poll-now reset, an edit that resets validators and
// marks, a delete — State says what the store holds, before the buffer is
// flushed and after.
func TestStateFollowsEveryWrite(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	actor := pressfeed.Actor{Name: "test", Via: "cli"}
	src := pressfeed.Source{ID: "a", Name: "A", Kind: pressfeed.KindOther, URL: "https://a.example/feed", Type: pressfeed.TypeFeed}
	apply := func(action pressfeed.Action, s pressfeed.Source) {
		t.Helper()
		if _, err := db.ApplySourceChanges(ctx, actor, []pressfeed.SourceChange{{Action: action, Source: s}}); err != nil {
			t.Fatal(err)
		}
	}
	// check flushes the buffer and compares State with the store's bytes.
	check := func(step string, want func(pressfeed.SourceState) bool) {
		t.Helper()
		got, err := db.State(ctx, "a")
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if !want(got) {
			t.Errorf("%s: State %+v", step, got)
		}
		if err := db.flushStates(); err != nil {
			t.Fatal(err)
		}
		var disk pressfeed.SourceState
		db.bolt.View(func(tx *bolt.Tx) error {
			if _, err := getJSON(tx.Bucket(bucketState), []byte("a"), &disk); err != nil {
				return err
			}
			disk.Marks = bytes.Clone(tx.Bucket(bucketMarks).Get([]byte("a")))
			return nil
		})
		if got, _ = db.State(ctx, "a"); !reflect.DeepEqual(got, disk) {
			t.Errorf("%s: State %+v, the store holds %+v", step, got, disk)
		}
	}
	check("never polled", func(st pressfeed.SourceState) bool { return st.ETag == "" && st.Marks == nil })
	apply(pressfeed.ActionCreate, src)

	marks := bytes.Repeat([]byte{7}, 16)
	if _, err := db.Ingest(ctx, "a", []pressfeed.Item{{GUID: "x", Title: "x"}}, pressfeed.SourceState{ETag: `"1"`, Marks: marks}); err != nil {
		t.Fatal(err)
	}
	check("ingest", func(st pressfeed.SourceState) bool { return st.ETag == `"1"` && bytes.Equal(st.Marks, marks) })

	next := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := db.SaveState(ctx, "a", pressfeed.SourceState{ETag: `"1"`, ItemCount: 1, NextAttempt: next, ConsecutiveFailures: 3}); err != nil {
		t.Fatal(err)
	}
	check("save", func(st pressfeed.SourceState) bool { return st.NextAttempt.Equal(next) && bytes.Equal(st.Marks, marks) })

	apply(pressfeed.ActionPoll, src) // lifts the backoff in the store
	check("poll now", func(st pressfeed.SourceState) bool { return st.NextAttempt.IsZero() && st.ConsecutiveFailures == 3 })

	if _, err := db.Ingest(ctx, "a", nil, pressfeed.SourceState{ETag: `"2"`}); err != nil {
		t.Fatal(err)
	}
	check("ingest without marks", func(st pressfeed.SourceState) bool { return st.ETag == `"2"` && st.Marks == nil })

	if _, err := db.Ingest(ctx, "a", nil, pressfeed.SourceState{ETag: `"3"`, Marks: marks}); err != nil {
		t.Fatal(err)
	}
	moved := src
	moved.URL = "https://a.example/news.rss"
	apply(pressfeed.ActionUpdate, moved) // a new URL: validators and marks go
	check("moved", func(st pressfeed.SourceState) bool { return st.ETag == "" && st.Marks == nil && st.ItemCount == 1 })

	apply(pressfeed.ActionDelete, moved)
	check("deleted", func(st pressfeed.SourceState) bool { return st.ETag == "" && st.ItemCount == 0 })
}
