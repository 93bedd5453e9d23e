package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// TestUpgradeRenumbersItems: a schema-11 store keeps its items by key in
// items. Opened read-only it reads as it is; opened to write, every item
// moves to item_data, numbered oldest first by the time index, items is
// dropped, and every page, item and story reads as before. Items that
// arrive later append after them, an update keeps an item's number, and a
// value nothing numbers fails Verify.
func TestUpgradeRenumbersItems(t *testing.T) {
	ctx := context.Background()
	db, path, clock, check := copiedReleaseStore(t)
	all := pressfeed.Query{Ungrouped: true, Limit: pressfeed.MaxLimit}
	want, err := db.Stories(ctx, all)
	if err != nil || len(want.Stories) != 20 {
		t.Fatalf("the store holds %d items (%v), want 20", len(want.Stories), err)
	}
	grouped, err := db.Stories(ctx, pressfeed.Query{})
	if err != nil {
		t.Fatal(err)
	}
	toLegacy(t, db)
	db.Close()

	ro, err := Open(path, Options{ReadOnly: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ro.Stories(ctx, all); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("read-only, schema 11: %d items (%v), want the 20 stored", len(got.Stories), err)
	}
	ro.Close()

	if db, err = Open(path, clock); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.Stories(ctx, all); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after the upgrade: %d items (%v), want the 20 stored", len(got.Stories), err)
	}
	if got, err := db.Stories(ctx, pressfeed.Query{}); err != nil || !reflect.DeepEqual(got, grouped) {
		t.Errorf("after the upgrade the stories differ (%v)", err)
	}
	for _, st := range want.Stories {
		if it, err := db.Item(ctx, st.ID); err != nil || !reflect.DeepEqual(it, st.Members[0]) {
			t.Errorf("item %s after the upgrade: %+v (%v)", st.ID, it, err)
		}
	}
	check("upgraded from schema 11", db)
	if err := db.Verify(ctx); err != nil {
		t.Errorf("verify after the upgrade: %v", err)
	}
	// Oldest first: the page lists newest first.
	var order []string
	for i := len(want.Stories) - 1; i >= 0; i-- {
		order = append(order, want.Stories[i].ID)
	}
	if got := arrivalOrder(t, db); !reflect.DeepEqual(got, order) {
		t.Errorf("numbered after the upgrade:\n got %v\nwant %v (oldest first)", got, order)
	}

	changed := want.Stories[5].Members[0]
	changed.Title += " (updated)"
	fresh := pressfeed.Item{GUID: "later", Title: "A later appeal", Published: changed.Published}
	res, err := db.Ingest(ctx, "force", []pressfeed.Item{changed, fresh}, pressfeed.SourceState{})
	if err != nil || res.New != 1 || res.Updated != 1 {
		t.Fatalf("ingest after the upgrade: %+v (%v), want one new and one updated", res, err)
	}
	order = append(order, pressfeed.ItemKey("force", "later"))
	if got := arrivalOrder(t, db); !reflect.DeepEqual(got, order) {
		t.Errorf("numbered after an update and a new item:\n got %v\nwant %v", got, order)
	}
	if n, err := db.ItemCount(ctx); err != nil || n != 21 {
		t.Errorf("ItemCount = %d (%v), want 21", n, err)
	}

	// A value item_seq does not number is damage Verify names.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketItemData).Put(append(binary.BigEndian.AppendUint64(nil, 99), make([]byte, 16)...), []byte("{}"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Verify(ctx); err == nil || !strings.Contains(err.Error(), "item_data holds 22 values for 21 numbered items") {
		t.Errorf("verify with an unnumbered value: %v", err)
	}
}

// toLegacy rewrites db's items as schema 11 kept them: by key in items.
func toLegacy(t *testing.T, db *DB) {
	t.Helper()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		legacy, err := tx.CreateBucket(bucketItems)
		if err != nil {
			return err
		}
		err = itemTable{data: tx.Bucket(bucketItemData), seq: tx.Bucket(bucketItemSeq)}.ForEach(func(k, v []byte) error {
			return legacy.Put(bytes.Clone(k), bytes.Clone(v))
		})
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bucketItemData, bucketItemSeq} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte("11"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// arrivalOrder returns the stored item keys in item_data's order, checking
// that item_seq numbers each the same and that items is gone.
func arrivalOrder(t *testing.T, db *DB) []string {
	t.Helper()
	var keys []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketItems) != nil {
			t.Error("the items bucket is still there")
		}
		seq := tx.Bucket(bucketItemSeq)
		if n, m := seq.Stats().KeyN, tx.Bucket(bucketItemData).Stats().KeyN; n != m {
			t.Errorf("item_seq holds %d keys, item_data %d", n, m)
		}
		return tx.Bucket(bucketItemData).ForEach(func(k, _ []byte) error {
			if !bytes.Equal(seq.Get(k[8:]), k[:8]) {
				t.Errorf("item %x is numbered %x in item_seq", k[8:], seq.Get(k[8:]))
			}
			if n := binary.BigEndian.Uint64(k[:8]); n == 0 {
				t.Errorf("item %x has number 0", k[8:])
			}
			keys = append(keys, hex.EncodeToString(k[8:]))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
