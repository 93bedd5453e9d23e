package index

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// TestItemDictionary: a store compresses items alone until it holds
// dictSize bytes of them, then makes one dictionary from them and
// compresses later items against it, smaller; every item reads back as it
// went, after a reopen and in a compacted copy opened by a process that
// had never seen the dictionary (the registry emptied); and a value naming
// a dictionary the store lacks, or a dictionary whose content is not its
// name's, is an error that says so.
func TestItemDictionary(t *testing.T) {
	db := benchSearchStore(t, 300)
	ctx := context.Background()
	q := pressfeed.Query{Limit: 500, Ungrouped: true}
	want, err := db.Stories(ctx, q)
	if err != nil || len(want.Stories) != 300 {
		t.Fatalf("%d stories (%v), want 300", len(want.Stories), err)
	}
	var alone, against, names int
	var sizeAlone, sizeAgainst int
	err = db.bolt.View(func(tx *bolt.Tx) error {
		names = tx.Bucket(bucketDicts).Stats().KeyN
		return itemsOf(tx).ForEach(func(_, v []byte) error {
			switch v[0] {
			case zstdTag:
				alone, sizeAlone = alone+1, sizeAlone+len(v)
			case zstdDictTag:
				against, sizeAgainst = against+1, sizeAgainst+len(v)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if names != 1 || alone == 0 || against == 0 || alone+against != 300 {
		t.Fatalf("%d dictionaries, %d items alone, %d against one; want 1 and both kinds", names, alone, against)
	}
	avgAlone, avgAgainst := sizeAlone/alone, sizeAgainst/against
	t.Logf("%d items alone, %d B each; %d against the dictionary, %d B each", alone, avgAlone, against, avgAgainst)
	if avgAgainst >= avgAlone*9/10 {
		t.Errorf("an item takes %d bytes against the dictionary and %d alone: not 10 %% smaller", avgAgainst, avgAlone)
	}

	// A compacted copy, opened with the registry forgotten.
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := compactInto(ctx, db, copyPath); err != nil {
		t.Fatal(err)
	}
	dicts.Clear()
	cp, err := Open(copyPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	for name, d := range map[string]*DB{"the store": db, "its compacted copy": cp} {
		if got, err := d.Stories(ctx, q); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s reads back other stories (%v)", name, err)
		}
		if err := d.Verify(ctx); err != nil {
			t.Errorf("%s fails Verify: %v", name, err)
		}
	}

	// A value that names a dictionary nobody holds.
	err = cp.bolt.Update(func(tx *bolt.Tx) error {
		b := itemsOf(tx)
		var k, v []byte
		if err := b.ForEach(func(key, value []byte) error { k, v = key, value; return nil }); err != nil {
			return err
		}
		bad := bytes.Clone(v)
		bad[0] = zstdDictTag
		copy(bad[1:5], "nope")
		return b.Put(bytes.Clone(k), bad)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.Verify(ctx); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("an item against an unknown dictionary: Verify = %v", err)
	}

	// A dictionary whose content is not its name's.
	err = cp.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDicts)
		k, v := b.Cursor().First()
		return b.Put(bytes.Clone(k), append(bytes.Clone(v), 'x'))
	})
	if err != nil {
		t.Fatal(err)
	}
	cp.Close()
	if reopened, err := Open(copyPath, Options{}); err == nil {
		reopened.Close()
		t.Error("a store whose dictionary was changed opened")
	} else if !strings.Contains(err.Error(), "holds the content of") {
		t.Errorf("a changed dictionary: %v", err)
	}
}
