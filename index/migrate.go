package index

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// migrate upgrades a store written with schema version from to the current
// layout, inside Open's write transaction. Open creates any missing bucket
// before it runs.
func (db *DB) migrate(tx *bolt.Tx, vt *vocabTx, from int) error {
	if from < 2 {
		if err := db.backfillStories(tx, vt); err != nil {
			return fmt.Errorf("backfill stories: %w", err)
		}
	}
	if from < 4 {
		if err := backfillSearchText(tx, vt); err != nil {
			return fmt.Errorf("backfill search text: %w", err)
		}
	}
	// Schema 5 compresses item values (codec.go). Nothing is rewritten:
	// items stored before stay plain JSON, which reads as it did, until
	// they are next updated; the step is recorded so that an older
	// program refuses the store instead of misreading compressed items.
	if from < 6 {
		// The word postings moved to memory (postings.go).
		for _, name := range [][]byte{bucketStoryWords, bucketStoryDF} {
			if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return fmt.Errorf("drop %s: %w", name, err)
			}
		}
	}
	if from < 8 {
		if err := convertSearchTexts(tx, vt); err != nil {
			return fmt.Errorf("number the search texts: %w", err)
		}
	}
	if from < 9 {
		if err := convertStoryRecords(tx); err != nil {
			return fmt.Errorf("rewrite the story records: %w", err)
		}
	}
	if from < 10 {
		if err := convertEntries(tx, vt); err != nil {
			return fmt.Errorf("number the story index entries: %w", err)
		}
	}
	if from < 12 {
		if err := renumberItems(tx); err != nil { // itemtable.go
			return fmt.Errorf("renumber the items: %w", err)
		}
	}
	return nil
}

// convertEntries (schema 9 to 10) rewrites every story index entry in an
// older format as format 3, numbering its words. An entry that does not
// decode is left for the next lookup to report, as it would have been.
func convertEntries(tx *bolt.Tx, vt *vocabTx) error {
	return rewriteValues(tx.Bucket(bucketStoryItems), func(v []byte) ([]byte, error) {
		if len(v) == 0 || v[0] == entryFormat {
			return nil, nil
		}
		e, err := decodeEntry(v, vt)
		if err != nil {
			return nil, nil
		}
		return encodeEntry(e, vt)
	})
}

// rewriteValues replaces each value of b for which next returns a new one
// (nil leaves it), after reading them all: bbolt forbids writes during
// ForEach.
func rewriteValues(b *bolt.Bucket, next func(v []byte) ([]byte, error)) error {
	type entry struct{ key, v []byte }
	var todo []entry
	err := b.ForEach(func(k, v []byte) error {
		nv, err := next(v)
		if err != nil {
			return fmt.Errorf("key %x: %w", k, err)
		}
		if nv != nil {
			todo = append(todo, entry{bytes.Clone(k), nv})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range todo {
		if err := b.Put(e.key, e.v); err != nil {
			return err
		}
	}
	return nil
}

// convertStoryRecords (schema 8 to 9) rewrites every JSON story record in
// binary, with each member as its stored item has it now (memberOf); a
// member whose item is gone keeps what the record said.
func convertStoryRecords(tx *bolt.Tx) error {
	stories, items := tx.Bucket(bucketStories), itemsOf(tx)
	var ids []string
	err := stories.ForEach(func(k, v []byte) error {
		if len(v) > 0 && v[0] != recordFormat {
			ids = append(ids, hex.EncodeToString(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		rec, _, err := loadStory(tx, id)
		if err != nil {
			return err
		}
		for i, m := range rec.Members {
			it, found, err := loadItem(items, m.Key)
			if err != nil {
				return err
			}
			if found {
				rec.Members[i] = memberOf(it)
			}
		}
		if err := putStory(tx, id, rec); err != nil {
			return err
		}
	}
	return nil
}

// convertSearchTexts (schema 7 to 8) rewrites every searchTextV1 text of
// the time index as searchTextV2, numbering its words; other values (none,
// or already V2) stay. The words are read from the text itself: no item
// is decoded.
func convertSearchTexts(tx *bolt.Tx, vt *vocabTx) error {
	byTime := tx.Bucket(bucketByTime)
	byTime.FillPercent = appendFill
	return rewriteValues(byTime, func(v []byte) ([]byte, error) {
		if len(v) == 0 || v[0] != searchTextV1 {
			return nil, nil
		}
		var words []string
		if len(v) > 1 {
			words = strings.Split(string(v[1:]), " ")
		}
		return encodeSearchText(words, vt)
	})
}

// backfillStories gives every item of a schema-1 store a story of its own:
// those items were shown one entry each, under ids derived from their own
// keys, and grouping them now would take entries away from readers who have
// them. Items first seen within the story window are indexed, so that items
// arriving from now on can join them.
func (db *DB) backfillStories(tx *bolt.Tx, vt *vocabTx) error {
	now := db.now().UTC()
	// Its postings are thrown away: the first lookup builds them afresh
	// from story_items.
	stories := newStoryIndex(tx, db, now, nil, scratchPostings(vt))
	horizon := now.Add(-db.window)
	items := itemsOf(tx)
	var all []pressfeed.Item
	err := items.ForEach(func(k, v []byte) error {
		var it pressfeed.Item
		if err := decodeJSON(v, &it); err != nil {
			return fmt.Errorf("decode item %x: %w", k, err)
		}
		all = append(all, it)
		return nil
	})
	if err != nil {
		return err
	}
	for _, it := range all {
		if it.StoryID != it.Key {
			it.StoryID = it.Key
			key, err := keyBytes(it.Key)
			if err != nil {
				return err
			}
			if err := putItem(items, key, it); err != nil {
				return err
			}
		}
		if err := joinStory(tx, it); err != nil {
			return err
		}
		if !it.FirstSeen.Before(horizon) {
			if err := stories.index(it); err != nil {
				return err
			}
		}
	}
	return nil
}

// backfillSearchText (schema 3 to 4) writes every item's search text as
// the value of its time-index entry (search.go), where the entry had none.
// An item without an entry is left so: that is damage for Verify to report,
// not for an upgrade to paper over.
func backfillSearchText(tx *bolt.Tx, vt *vocabTx) error {
	byTime := tx.Bucket(bucketByTime)
	return itemsOf(tx).ForEach(func(k, v []byte) error {
		var it pressfeed.Item
		if err := decodeJSON(v, &it); err != nil {
			return fmt.Errorf("decode item %x: %w", k, err)
		}
		tk := timeKey(it.Published, k)
		if got, _ := byTime.Cursor().Seek(tk); !bytes.Equal(got, tk) {
			return nil
		}
		text, err := encodeSearchText(itemWords(it), vt)
		if err != nil {
			return err
		}
		return byTime.Put(tk, text)
	})
}
