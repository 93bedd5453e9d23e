package index

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// TestItemsAreStoredCompressed checks that an item's stored value is its
// JSON compressed (and much smaller), that it reads back whole, and that
// a store of schema 4, whose items are plain JSON, upgrades without
// rewriting them: they read, search and verify as before, and an item
// written again is stored compressed.
func TestItemsAreStoredCompressed(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "s.db")
	open := func() *DB {
		db, err := Open(path, Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	ctx := context.Background()
	body := strings.Repeat("<p>Officers in the town are appealing for witnesses after a burglary at a shop on the high street.</p>", 20)
	var items []pressfeed.Item
	for i := range 10 {
		items = append(items, pressfeed.Item{GUID: fmt.Sprint(i), Title: fmt.Sprintf("Appeal %d after burglary", i),
			Link: fmt.Sprintf("https://force.example/news/%d", i), Summary: body, Published: now.Add(-time.Duration(i) * time.Hour)})
	}
	if _, err := db.Ingest(ctx, "force", items, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	raw := storedItems(t, db.bolt)
	if len(raw) != 10 {
		t.Fatalf("%d items stored, want 10", len(raw))
	}
	for key, v := range raw {
		if v[0] != zstdTag {
			t.Fatalf("item %s is stored as %q…, want it compressed", key, v[:min(len(v), 8)])
		}
		it, err := db.Item(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := json.Marshal(it)
		if it.Summary != body || len(v)*3 > len(plain) {
			t.Errorf("item %s: %d bytes stored for %d of JSON, summary intact %v", key, len(v), len(plain), it.Summary == body)
		}
	}

	// Make it a schema-4 store: every item plain JSON.
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := itemsOf(tx)
		for key, v := range raw {
			var it pressfeed.Item
			if err := decodeJSON(v, &it); err != nil {
				return err
			}
			k, _ := hex.DecodeString(key)
			if err := putJSON(b, k, it); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte("4"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = open()
	defer db.Close()
	for key, v := range storedItems(t, db.bolt) {
		if v[0] != '{' {
			t.Errorf("the upgrade rewrote item %s", key)
		}
	}
	if err := db.Verify(ctx); err != nil {
		t.Errorf("a store with plain JSON items does not verify: %v", err)
	}
	page, err := db.Stories(ctx, pressfeed.Query{Text: "burglary", Limit: 50, Ungrouped: true})
	if err != nil || len(page.Stories) != 10 {
		t.Fatalf("search over plain JSON items: %d found, %v", len(page.Stories), err)
	}
	items[0].Title = "Appeal 0 after burglary: man charged"
	if _, err := db.Ingest(ctx, "force", items[:1], pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	compressed := 0
	for _, v := range storedItems(t, db.bolt) {
		if v[0] == zstdTag {
			compressed++
		}
	}
	if compressed != 1 {
		t.Errorf("%d items compressed after one was updated, want 1", compressed)
	}
}

// storedItems returns the items bucket's raw values by hex key.
func storedItems(t *testing.T, b *bolt.DB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := b.View(func(tx *bolt.Tx) error {
		return itemsOf(tx).ForEach(func(k, v []byte) error {
			out[hex.EncodeToString(k)] = append([]byte(nil), v...)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
