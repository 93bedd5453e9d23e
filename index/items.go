package index

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// Ingest stores the items of one fetched feed and the source's new state in
// one write transaction, so a poll is either wholly stored or not at all.
//
// A new item is inserted with the store's clock as its first-seen time; an
// unknown publication time becomes the first-seen time and a future one is
// clamped to it. A known item whose title, link, text, authors, categories or
// image changed is updated in place: it keeps its key and first-seen time and
// gets an updated time. An unchanged item is not rewritten. The state's item
// count and last-new-item time are maintained here.
//
// A new item joins a story in the same transaction (see stories.go): the
// story of a recent item from another source with the same canonical link
// or telling the same story, else a story of its own. A changed item stays
// in its story.
//
// The state's Marks replace the source's stored marks in the same
// transaction, so they always describe the items as stored.
func (db *DB) Ingest(ctx context.Context, sourceID string, items []pressfeed.Item, st pressfeed.SourceState) (pressfeed.IngestResult, error) {
	var res pressfeed.IngestResult
	now := db.now().UTC()
	var (
		flushed map[string]pendingState
		made    *itemDict // the store's first dictionary, made by this ingest
	)
	dict := db.dict.Load()
	pre, err := db.prepare(sourceID, items, now, dict)
	if err != nil {
		return pressfeed.IngestResult{}, fmt.Errorf("ingest %s: %w", sourceID, err)
	}
	err = db.storyUpdate(ctx, func(tx *bolt.Tx, post *postingsTx) error {
		res, made = pressfeed.IngestResult{}, nil
		var err error
		if flushed, err = db.states.writePending(tx); err != nil { // statebuf.go
			return err
		}
		itemsB := itemsOf(tx)
		stories := newStoryIndex(tx, db, now, pre.features, post)
		var prev pressfeed.SourceState
		if _, err := getJSON(tx.Bucket(bucketState), []byte(sourceID), &prev); err != nil {
			return err
		}
		alias := newAliases(tx, sourceID, prev, st)
		seen := make(map[string]bool, len(items))
		for _, in := range items {
			in.SourceID = sourceID
			in.Key = pressfeed.ItemKey(sourceID, in.GUID)
			if seen[in.Key] {
				continue // a feed that repeats a guid: the first copy wins
			}
			seen[in.Key] = true
			key, err := hex.DecodeString(in.Key)
			if err != nil {
				return err
			}
			var old pressfeed.Item
			found, err := getJSON(itemsB, key, &old)
			if err != nil {
				return err
			}
			if !found && tombstoned(tx, key) {
				res.Unchanged++ // pruned by retention: it stays gone (retention.go)
				continue
			}
			if !found {
				// The same article under another identity (alias.go).
				to, err := alias.find(key, in.Link)
				if err != nil {
					return err
				}
				if to != nil {
					if key, in.Key = to, hex.EncodeToString(to); seen[in.Key] {
						continue
					}
					seen[in.Key] = true
					if found, err = getJSON(itemsB, key, &old); err != nil {
						return err
					}
				}
			}
			if !found {
				in = freshItem(in, now)
				if err := stories.place(&in); err != nil {
					return err
				}
				if err := insertItem(tx, itemsB, post.vocab, dict, key, in, pre.items[in.Key]); err != nil {
					return err
				}
				if err := stories.added(in); err != nil {
					return err
				}
				res.New++
				continue
			}
			next, changed := mergeItem(old, in, now)
			if !changed {
				res.Unchanged++
				continue
			}
			if err := replaceItem(tx, itemsB, post.vocab, dict, key, old, next); err != nil {
				return err
			}
			if err := stories.changed(old, next); err != nil {
				return err
			}
			res.Updated++
		}
		// Pruning the story indexes comes last: bbolt leaves the nodes it
		// empties in place until commit, and a cursor's Last and Prev step
		// over every empty node, so lookups after a large prune in the same
		// transaction (the first poll after a long stop) took quadratic time.
		if err := stories.prune(); err != nil {
			return err
		}
		if dict == nil && res.New > 0 {
			if made, err = dictFrom(tx); err != nil {
				return fmt.Errorf("make the item dictionary: %w", err)
			}
		}
		st.ItemCount = prev.ItemCount + res.New
		st.LastNewItem = prev.LastNewItem
		if res.New > 0 {
			st.LastNewItem = now
		}
		if err := putMarks(tx, sourceID, st.Marks); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketState), []byte(sourceID), st)
	})
	if err != nil {
		return pressfeed.IngestResult{}, fmt.Errorf("ingest %s: %w", sourceID, err)
	}
	db.states.committed(flushed)
	if made != nil {
		db.dict.CompareAndSwap(nil, made)
	}
	if res.New > 0 || res.Updated > 0 {
		db.changed()
	}
	return res, nil
}

// putMarks stores the marks of a source's poll, or removes the last
// poll's when there are none: marks must describe the items as stored.
func putMarks(tx *bolt.Tx, sourceID string, marks []byte) error {
	b := tx.Bucket(bucketMarks)
	if len(marks) == 0 {
		return b.Delete([]byte(sourceID))
	}
	return b.Put([]byte(sourceID), marks)
}

// freshItem is in as it is stored when first seen at now.
func freshItem(in pressfeed.Item, now time.Time) pressfeed.Item {
	in.FirstSeen = now
	in.Published = clampPublished(in.Published, now)
	in.Updated = time.Time{}
	return in
}

// clampPublished returns the publication time to store for an item first
// seen at firstSeen: unknown and future times become firstSeen.
func clampPublished(published, firstSeen time.Time) time.Time {
	if published.IsZero() || published.After(firstSeen) {
		return firstSeen
	}
	return published.UTC()
}

// mergeItem applies a fresh copy of a stored item and reports whether
// anything a reader sees changed.
func mergeItem(old, in pressfeed.Item, now time.Time) (pressfeed.Item, bool) {
	next := old
	next.Title, next.Link, next.Summary, next.Content = in.Title, in.Link, in.Summary, in.Content
	next.Authors, next.Categories, next.Image = in.Authors, in.Categories, in.Image
	if !in.Published.IsZero() {
		next.Published = clampPublished(in.Published, old.FirstSeen)
	}
	changed := next.Title != old.Title || next.Link != old.Link ||
		next.Summary != old.Summary || next.Content != old.Content ||
		next.Image != old.Image || !next.Published.Equal(old.Published) ||
		!slices.Equal(next.Authors, old.Authors) || !slices.Equal(next.Categories, old.Categories)
	if changed {
		next.Updated = now
	}
	return next, changed
}

// appendFill is how full bbolt splits the pages of the buckets that grow at
// their ends.
const appendFill = 0.9

// insertItem writes an item and its index entries; the time index's entry
// carries the item's search text (search.go), its words numbered in vt.
// Writing a stored item again under the same publication time replaces its
// search text. pre, when given, carries the value and search words prepare
// worked out; the value is used only if the item started a story of its
// own, as prepare assumed.
func insertItem(tx *bolt.Tx, items itemTable, vt *vocabTx, d *itemDict, key []byte, it pressfeed.Item, pre preparedItem) error {
	value := pre.encoded
	if value == nil || it.StoryID != it.Key {
		var err error
		if value, err = encodeItem(it, d); err != nil {
			return err
		}
	}
	if err := items.Put(key, value); err != nil {
		return err
	}
	// The time and source indexes grow mostly at their ends (new items are
	// the newest); splitting their pages fuller than bbolt's half leaves
	// them about half the size on disk.
	byTime, bySource := tx.Bucket(bucketByTime), tx.Bucket(bucketBySource)
	byTime.FillPercent, bySource.FillPercent = appendFill, appendFill
	words := pre.words
	if words == nil {
		words = itemWords(it)
	}
	text, err := encodeSearchText(words, vt)
	if err != nil {
		return err
	}
	if err := byTime.Put(timeKey(it.Published, key), text); err != nil {
		return err
	}
	return bySource.Put(sourceKey(it.SourceID, it.Published, key), nil)
}

// replaceItem writes next over the stored item old, moving its index
// entries when its publication time changed.
func replaceItem(tx *bolt.Tx, items itemTable, vt *vocabTx, d *itemDict, key []byte, old, next pressfeed.Item) error {
	if !old.Published.Equal(next.Published) {
		if err := tx.Bucket(bucketByTime).Delete(timeKey(old.Published, key)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBySource).Delete(sourceKey(old.SourceID, old.Published, key)); err != nil {
			return err
		}
	}
	return insertItem(tx, items, vt, d, key, next, preparedItem{})
}

// timeKey orders items by publication time, then key, so a reverse cursor
// walk yields newest first. Times before 1970 sort as 1970.
func timeKey(t time.Time, key []byte) []byte {
	out := make([]byte, 8, 8+len(key))
	binary.BigEndian.PutUint64(out, timeNS(t))
	return append(out, key...)
}

// timeNS is t as the time indexes key it: nanoseconds since 1970, times
// before it counted as 1970.
func timeNS(t time.Time) uint64 {
	return uint64(max(t.UnixNano(), 0))
}

func sourceKey(sourceID string, t time.Time, key []byte) []byte {
	out := append([]byte(sourceID), 0)
	return append(out, timeKey(t, key)...)
}

// Item returns the item with key (hex), or an error wrapping
// pressfeed.ErrNotFound.
func (db *DB) Item(ctx context.Context, key string) (pressfeed.Item, error) {
	raw, err := hex.DecodeString(key)
	if err != nil {
		return pressfeed.Item{}, fmt.Errorf("item %q: %w", key, pressfeed.ErrNotFound)
	}
	var it pressfeed.Item
	err = db.view(ctx, func(tx *bolt.Tx) error {
		ok, err := getJSON(itemsOf(tx), raw, &it)
		if err == nil && !ok {
			err = pressfeed.ErrNotFound
		}
		return err
	})
	if err != nil {
		return pressfeed.Item{}, fmt.Errorf("item %s: %w", key, err)
	}
	return it, nil
}

// ItemCount returns the number of stored items.
func (db *DB) ItemCount(ctx context.Context) (int, error) {
	var n int
	err := db.view(ctx, func(tx *bolt.Tx) error {
		n = itemsOf(tx).Len()
		return nil
	})
	return n, err
}
