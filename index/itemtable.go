package index

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Since schema 12 an item's value sits in item_data under its arrival
// number, so the items a feed shows (the newest) share a few pages, and a
// poll's new items append to the bucket's end instead of splitting pages
// all over it; item_seq finds an item's number from its key. A store of an
// older schema (opened read-only, or being upgraded) keeps them in items,
// by key.
var (
	bucketItemData = []byte("item_data") // arrival number (8) | item key (16) → item value (codec.go)
	bucketItemSeq  = []byte("item_seq")  // item key (16) → arrival number (8)
)

// itemTable is a transaction's view of the stored items, in whichever
// layout the store has.
type itemTable struct {
	data, seq *bolt.Bucket
	legacy    *bolt.Bucket // the items bucket of a store before schema 12
}

// itemsOf returns tx's items. A store that still has the items bucket is
// read and written in it: it has not been upgraded yet.
func itemsOf(tx *bolt.Tx) itemTable {
	if legacy := tx.Bucket(bucketItems); legacy != nil {
		return itemTable{legacy: legacy}
	}
	return itemTable{data: tx.Bucket(bucketItemData), seq: tx.Bucket(bucketItemSeq)}
}

// dataKey is an item's key in item_data, in a new slice (bbolt keeps a
// written key until the transaction ends).
func dataKey(seq, key []byte) []byte {
	return append(bytes.Clone(seq), key...)
}

// Get returns the stored value of the item with key, or nil.
func (t itemTable) Get(key []byte) []byte {
	if t.legacy != nil {
		return t.legacy.Get(key)
	}
	seq := t.seq.Get(key)
	if seq == nil {
		return nil
	}
	var k [8 + 16]byte // a read keeps no key: no allocation
	n := copy(k[:], seq)
	n += copy(k[n:], key)
	return t.data.Get(k[:n])
}

// Put stores value as the item with key: in its place when the item is
// stored, else at the end, under the next arrival number.
func (t itemTable) Put(key, value []byte) error {
	if t.legacy != nil {
		return t.legacy.Put(key, value)
	}
	if seq := t.seq.Get(key); seq != nil {
		return t.data.Put(dataKey(seq, key), value)
	}
	n, err := t.data.NextSequence()
	if err != nil {
		return fmt.Errorf("number item %x: %w", key, err)
	}
	seq := binary.BigEndian.AppendUint64(nil, n)
	// Only the last page takes new items, so it is split full.
	t.data.FillPercent = 1
	if err := t.data.Put(dataKey(seq, key), value); err != nil {
		return err
	}
	return t.seq.Put(key, seq)
}

// Delete removes the item with key, if stored.
func (t itemTable) Delete(key []byte) error {
	if t.legacy != nil {
		return t.legacy.Delete(key)
	}
	seq := t.seq.Get(key)
	if seq == nil {
		return nil
	}
	if err := t.data.Delete(dataKey(seq, key)); err != nil {
		return err
	}
	return t.seq.Delete(key)
}

// ForEach calls fn with every stored item's key and value, in key order,
// until fn returns an error, which it returns.
func (t itemTable) ForEach(fn func(key, value []byte) error) error {
	if t.legacy != nil {
		return t.legacy.ForEach(fn)
	}
	return t.seq.ForEach(func(k, seq []byte) error {
		v := t.data.Get(dataKey(seq, k))
		if v == nil {
			return fmt.Errorf("item %x is numbered %x but not stored", k, seq)
		}
		return fn(k, v)
	})
}

// Len returns the number of stored items.
func (t itemTable) Len() int {
	if t.legacy != nil {
		return t.legacy.Stats().KeyN
	}
	return t.seq.Stats().KeyN
}

// renumberItems (schema 11 to 12) moves every item from items to
// item_data, numbered in the order of the time index (oldest first, so a
// feed's newest items end up together), and drops items.
func renumberItems(tx *bolt.Tx) error {
	legacy := tx.Bucket(bucketItems)
	if legacy == nil {
		return nil
	}
	data, err := tx.CreateBucketIfNotExists(bucketItemData)
	if err != nil {
		return err
	}
	seq, err := tx.CreateBucketIfNotExists(bucketItemSeq)
	if err != nil {
		return err
	}
	t := itemTable{data: data, seq: seq}
	move := func(key, value []byte) error {
		if value == nil || t.seq.Get(key) != nil {
			return nil
		}
		return t.Put(key, bytes.Clone(value))
	}
	err = tx.Bucket(bucketByTime).ForEach(func(k, _ []byte) error {
		if len(k) != 8+16 {
			return nil
		}
		key := bytes.Clone(k[8:])
		return move(key, legacy.Get(key))
	})
	if err != nil {
		return err
	}
	// An item missing from the time index (damage Verify reports) moves too.
	err = legacy.ForEach(func(k, v []byte) error { return move(bytes.Clone(k), v) })
	if err != nil {
		return err
	}
	return tx.DeleteBucket(bucketItems)
}
