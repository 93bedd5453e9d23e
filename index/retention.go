package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// bucketTombstones holds the identities of items removed by retention:
// item key (16 bytes) → time of removal (8 bytes, Unix nanoseconds). Ingest
// never stores an item whose key is here, so a source that lists an old item
// again cannot bring it back. It is created by the first prune. Tombstones
// are small (about 50 bytes each on disk) and kept for ever.
var bucketTombstones = []byte("tombstones")

// pruneBatch is how many items one prune transaction removes, so that polls
// are never kept waiting long for the write lock.
const pruneBatch = 500

// Prune removes every item first seen before cutoff, with its index entries,
// and records its identity as a tombstone. It works in small transactions
// and returns how many items it removed, also when it stops early because
// ctx ended or a write failed.
func (db *DB) Prune(ctx context.Context, cutoff time.Time) (int, error) {
	if old, err := db.anyPublishedBefore(ctx, cutoff); err != nil || !old {
		// Nothing to prune: no write, and the story postings, which a
		// prune updates, need not be built (a daemon starting with
		// nothing new to store never builds them).
		return 0, err
	}
	total := 0
	var resume []byte // the last time key looked at
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		n, next, err := db.pruneBatch(cutoff, resume)
		total += n
		if n > 0 {
			db.changed()
		}
		if err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		if next == nil {
			return total, nil
		}
		resume = next
	}
}

// anyPublishedBefore reports whether any stored item was published before
// t: every item Prune removes is (pruneBatch).
func (db *DB) anyPublishedBefore(ctx context.Context, t time.Time) (bool, error) {
	var old bool
	err := db.view(ctx, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketByTime).Cursor().First()
		old = k != nil && bytes.Compare(k, timeKey(t, nil)) < 0
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("prune: %w", err)
	}
	return old, nil
}

// pruneBatch removes up to pruneBatch items published and first seen before
// cutoff, walking the time index from resume (exclusive; nil for the start).
// Publication never comes after first sight, so every candidate is
// published before cutoff and the walk stops there. It returns where to
// resume, or nil when the walk is done.
func (db *DB) pruneBatch(cutoff time.Time, resume []byte) (int, []byte, error) {
	var (
		removed int
		next    []byte
	)
	now := db.now().UTC()
	err := db.storyUpdate(context.Background(), func(tx *bolt.Tx, post *postingsTx) error {
		removed, next = 0, nil
		tombs, err := tx.CreateBucketIfNotExists(bucketTombstones)
		if err != nil {
			return err
		}
		items := itemsOf(tx)
		end := timeKey(cutoff, nil)
		c := tx.Bucket(bucketByTime).Cursor()
		var k []byte
		if resume == nil {
			k, _ = c.First()
		} else if k, _ = c.Seek(resume); bytes.Equal(k, resume) {
			k, _ = c.Next()
		}
		var doomed []pressfeed.Item
		var last []byte
		looked := 0
		for ; k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
			last = append(last[:0], k...)
			var it pressfeed.Item
			if found, err := getJSON(items, k[8:], &it); err != nil {
				return err
			} else if found && it.FirstSeen.Before(cutoff) {
				doomed = append(doomed, it)
			}
			// Bound the work of one transaction, kept items included.
			if looked++; len(doomed) == pruneBatch || looked == 20*pruneBatch {
				next = append([]byte(nil), last...)
				break
			}
		}
		stamp := make([]byte, 8)
		binary.BigEndian.PutUint64(stamp, uint64(now.UnixNano()))
		stories := newStoryIndex(tx, db, now, nil, post)
		for _, it := range doomed {
			if err := deleteItem(tx, it); err != nil {
				return err
			}
			if err := leaveStory(tx, stories, it); err != nil {
				return err
			}
			key, err := keyBytes(it.Key)
			if err != nil {
				return err
			}
			if err := tombs.Put(key, stamp); err != nil {
				return err
			}
			removed++
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return removed, next, nil
}

// deleteItem removes an item and its index entries.
func deleteItem(tx *bolt.Tx, it pressfeed.Item) error {
	key, err := keyBytes(it.Key)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketByTime).Delete(timeKey(it.Published, key)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketBySource).Delete(sourceKey(it.SourceID, it.Published, key)); err != nil {
		return err
	}
	return itemsOf(tx).Delete(key)
}

// leaveStory takes a pruned item out of its story and out of the indexes
// that find stories. A story keeps its id when the member that gave it goes:
// the id is the entry id readers have seen, and the earliest-published
// member left is shown as the primary. A story whose last member goes is
// deleted. The pruned member's key cannot come back as a new item (it is a
// tombstone), so no later story can take the same id.
func leaveStory(tx *bolt.Tx, stories *storyIndex, it pressfeed.Item) error {
	key, err := keyBytes(it.Key)
	if err != nil {
		return err
	}
	if tx.Bucket(bucketStoryItems) != nil {
		if _, err := stories.unindex(key); err != nil {
			return err
		}
	}
	if it.StoryID == "" {
		return nil
	}
	rec, found, err := loadStory(tx, it.StoryID)
	if err != nil || !found {
		return err
	}
	kept := rec.Members[:0]
	for _, m := range rec.Members {
		if m.Key != it.Key {
			kept = append(kept, m)
		}
	}
	if len(kept) == 0 {
		id, err := keyBytes(it.StoryID)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketStories).Delete(id)
	}
	rec.Members = kept
	return putStory(tx, it.StoryID, rec)
}

// tombstoned reports whether the item key was pruned before.
func tombstoned(tx *bolt.Tx, key []byte) bool {
	b := tx.Bucket(bucketTombstones)
	return b != nil && b.Get(key) != nil
}
