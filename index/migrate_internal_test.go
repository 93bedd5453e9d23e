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

// TestPostingsAreRebuiltAndOldBucketsDropped: the word postings live in
// memory, so a reopened store must find the same stories, and a schema-5
// store (with story_words and story_df on disk) loses those buckets at
// its upgrade and still finds them.
func TestPostingsAreRebuiltAndOldBucketsDropped(t *testing.T) {
	db, path, clock, check := copiedReleaseStore(t)
	ctx := context.Background()
	var err error
	// The postings kept up by every ingest are the ones a build makes.
	var built postings
	if err := built.build(db.bolt, &db.vocab); err != nil {
		t.Fatal(err)
	}
	if len(built.words) == 0 || !reflect.DeepEqual(built.lists(), db.post.lists()) {
		t.Errorf("built postings (%d words) differ from those kept up (%d words)", len(built.words), len(db.post.words))
	}
	db.Close()
	if db, err = Open(path, clock); err != nil {
		t.Fatal(err)
	}
	check("reopened", db)

	// Make it a schema-5 store: the postings on disk, as it kept them.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		words, err := tx.CreateBucket(bucketStoryWords)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bucketStoryDF); err != nil {
			return err
		}
		if err := words.Put([]byte("burglary\x00posting"), nil); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte("5"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(path, clock); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketStoryWords) != nil || tx.Bucket(bucketStoryDF) != nil {
			return fmt.Errorf("story_words or story_df is still there")
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	check("upgraded from schema 5", db)
	if err := db.Verify(ctx); err != nil {
		t.Errorf("verify after the upgrade: %v", err)
	}
}

// copiedReleaseStore is a store of 20 releases of one force, open (the
// caller closes it), with check, which requires a copy of one of
// them from another source to find the story it found at first.
func copiedReleaseStore(t *testing.T) (db *DB, path string, clock Options, check func(when string, db *DB)) {
	t.Helper()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	clock = Options{Now: func() time.Time { return now }}
	path = filepath.Join(t.TempDir(), "s.db")
	db, err := Open(path, clock)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	release := func(i int) pressfeed.Item {
		return pressfeed.Item{GUID: fmt.Sprint(i), Title: fmt.Sprintf("Appeal %d after burglary at %s shop in town %d", i, []string{"Aintree", "Bootle", "Crosby", "Formby"}[i%4], i%5),
			Summary: fmt.Sprintf("Officers in town %d are appealing for witnesses after a burglary at a shop on Mill Lane number %d.", i%5, i), Published: now.Add(-time.Duration(i) * time.Hour)}
	}
	var items []pressfeed.Item
	for i := 0; i < 20; i++ {
		items = append(items, release(i))
	}
	if _, err := db.Ingest(ctx, "force", items, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	probe := release(7)
	probe.GUID = "pcc-copy"
	want, err := db.FindStory(ctx, "pcc", probe)
	if err != nil || want == "" {
		t.Fatalf("a copy of a stored release finds no story (%v)", err)
	}
	check = func(when string, db *DB) {
		t.Helper()
		if got, err := db.FindStory(ctx, "pcc", probe); err != nil || got != want {
			t.Errorf("%s: the copy finds %q (%v), want %q", when, got, err, want)
		}
	}
	return db, path, clock, check
}

// TestUpgradeNumbersEntries: a schema-9 store's story index entries, their
// words in letters, are rewritten with word numbers at its upgrade, read
// back the same, and still find the same story.
func TestUpgradeNumbersEntries(t *testing.T) {
	db, path, clock, check := copiedReleaseStore(t)
	var want map[string]indexEntry
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		words, err := db.vocab.in(tx)
		if err != nil {
			return err
		}
		if want, err = entriesInLetters(tx, readWords(words)); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte("9"))
	})
	if err != nil || len(want) == 0 {
		t.Fatalf("writing %d format-2 entries: %v", len(want), err)
	}
	db.Close()
	if db, err = Open(path, clock); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.bolt.View(func(tx *bolt.Tx) error {
		words, err := db.vocab.in(tx)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketStoryItems).ForEach(func(k, v []byte) error {
			if v[0] != entryFormat {
				t.Errorf("entry %x is in format %d after the upgrade", k, v[0])
			}
			if got, err := decodeEntry(v, readWords(words)); err != nil || !reflect.DeepEqual(got, want[string(k)]) {
				t.Errorf("entry %x after the upgrade (%v):\n got %+v\nwant %+v", k, err, got, want[string(k)])
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	check("upgraded from schema 9", db)
	if err := db.Verify(context.Background()); err != nil {
		t.Errorf("verify after the upgrade: %v", err)
	}
}

// entriesInLetters rewrites every story index entry in format 2, its
// words in letters, as schemas 4 to 9 wrote them, and returns the entries
// by key.
func entriesInLetters(tx *bolt.Tx, words wordBook) (map[string]indexEntry, error) {
	b := tx.Bucket(bucketStoryItems)
	entries := make(map[string]indexEntry)
	err := b.ForEach(func(k, v []byte) error {
		e, err := decodeEntry(v, words)
		entries[string(k)] = e
		return err
	})
	if err != nil {
		return nil, err
	}
	for k, e := range entries {
		if err := b.Put([]byte(k), encodeEntryV2(e)); err != nil {
			return nil, err
		}
	}
	return entries, nil
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
