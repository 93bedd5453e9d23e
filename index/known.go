package index

import (
	"context"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// KnownItems returns which of guids the source with sourceID already has
// items for, so the fetcher spends requests only on new items.
func (db *DB) KnownItems(ctx context.Context, sourceID string, guids []string) (map[string]bool, error) {
	known := make(map[string]bool)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b := itemsOf(tx)
		for _, g := range guids {
			key, err := hex.DecodeString(pressfeed.ItemKey(sourceID, g))
			if err != nil {
				return err
			}
			if b.Get(key) != nil || tombstoned(tx, key) || aliased(tx, key) { // a pruned item stays gone: no need to fetch it
				known[g] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("known items of %s: %w", sourceID, err)
	}
	return known, nil
}
