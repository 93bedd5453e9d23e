package index

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// TestSchema2StoreGetsWordCounts upgrades a store as schema 2 left it (no
// story_df bucket) and checks the counts it builds are those the store
// would have kept itself, so lookups pick the same rarest words.
func TestSchema2StoreGetsWordCounts(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, src := range []string{"force", "pcc"} {
		var items []pressfeed.Item
		for i := 0; i < 20; i++ {
			items = append(items, pressfeed.Item{GUID: fmt.Sprint(i), Title: fmt.Sprintf("Appeal %d after burglary in town %d", i, i%5),
				Summary: "Officers in the town are appealing for witnesses after a burglary at a shop.", Published: now.Add(-time.Duration(i) * time.Hour)})
		}
		if _, err := db.Ingest(ctx, src, items, pressfeed.SourceState{}); err != nil {
			t.Fatal(err)
		}
	}
	want := wordCounts(t, db.bolt)
	if len(want) == 0 {
		t.Fatal("no word counts kept")
	}
	// Make it a schema-2 store: no counts.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketStoryDF); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte("2"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := wordCounts(t, db.bolt); !reflect.DeepEqual(got, want) {
		t.Errorf("rebuilt counts differ from kept ones:\n got %v\nwant %v", got, want)
	}
}

func wordCounts(t *testing.T, b *bolt.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := b.View(func(tx *bolt.Tx) error {
		df := tx.Bucket(bucketStoryDF)
		if df == nil {
			return nil
		}
		return df.ForEach(func(k, v []byte) error { out[string(k)] = fmt.Sprintf("%x", v); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNewerSchemaIsRefusedReadOnlyToo: a store a newer pressfeed wrote is
// refused by every open, the read-only one of backup, check and verify
// included, naming both versions; an older store still opens read-only.
func TestNewerSchemaIsRefusedReadOnlyToo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	setSchema := func(v int) {
		t.Helper()
		b, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if err := b.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte(fmt.Sprint(v)))
		}); err != nil {
			t.Fatal(err)
		}
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	setSchema(SchemaVersion + 1)
	want := fmt.Sprintf("schema version %d is newer than this program's %d", SchemaVersion+1, SchemaVersion)
	for _, ro := range []bool{true, false} {
		db, err := Open(path, Options{ReadOnly: ro})
		if err == nil {
			db.Close()
			t.Errorf("read-only %v: a newer store opened", ro)
		} else if !strings.Contains(err.Error(), want) {
			t.Errorf("read-only %v: %v, want it to say %q", ro, err, want)
		}
	}

	setSchema(SchemaVersion - 1)
	db, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("an older store, read-only: %v", err)
	}
	db.Close()
}
