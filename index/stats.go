package index

import (
	"context"
	"fmt"
	"os"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Stats is a snapshot of the store's size and contents.
type Stats struct {
	SizeBytes  int64 // the file on disk
	Items      int
	Stories    int
	Tombstones int
}

// statsCache keeps the last counts and the generation they were taken at.
type statsCache struct {
	mu    sync.Mutex
	gen   uint64
	valid bool
	stats Stats
}

// Stats counts what the store holds. Counting walks the buckets' pages, so
// the counts are cached until the next write that changes what a query could
// return.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	fi, err := os.Stat(db.path)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	gen := db.Generation()
	c := &db.statsCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.valid && c.gen == gen {
		st := c.stats
		st.SizeBytes = fi.Size()
		return st, nil
	}
	var st Stats
	err = db.view(ctx, func(tx *bolt.Tx) error {
		st.Items = itemsOf(tx).Len()
		st.Stories = countStories(tx, st.Items)
		if b := tx.Bucket(bucketTombstones); b != nil {
			st.Tombstones = b.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	c.stats, c.gen, c.valid = st, gen, true
	st.SizeBytes = fi.Size()
	return st, nil
}

// countStories returns the number of stories; a store without story records
// (written before stories, opened read-only) has one per item.
func countStories(tx *bolt.Tx, items int) int {
	if b := tx.Bucket(bucketStories); b != nil {
		return b.Stats().KeyN
	}
	return items
}

// Ping reports whether the store answers a read before ctx ends. A read
// waits only while a writer remaps a growing file, so a store that does not
// answer in a second or two is stuck.
func (db *DB) Ping(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		done <- db.view(ctx, func(tx *bolt.Tx) error {
			if tx.Bucket(bucketMeta) == nil {
				return fmt.Errorf("meta bucket is missing")
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("ping store: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ping store: no answer: %w", ctx.Err())
	}
}
