package index

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
)

// Item dictionaries. One item is a kilobyte or two of JSON, too little for
// zstd to find much of its redundancy inside it alone: the field names,
// the markup, the words and phrases a region's releases share. Compressed
// against a dictionary of the store's own items, it takes about 30 % fewer
// bytes on bench/scale's items (1,060 B → 745 B; press releases, with
// their boilerplate, share more), and at that size a 4 KiB page holds
// four items instead of three.
//
// The dictionary is raw content: items as the store holds them, about
// dictSize bytes of their JSON. Ingest makes it once the store has that
// much (dictFrom); until then items are compressed alone, and those stay
// so. A dictionary, once stored, is never removed or changed: it is named
// by a hash of its content, and every value compressed against it names it
// (zstdDictTag, the name, then the zstd frame). Decoders are registered
// for every stored dictionary when a store is opened or verified, in a
// registry shared by every open store: a name stands for one content, so
// two stores can share one.
const (
	zstdDictTag = 0x02
	dictSize    = 64 << 10
)

var bucketDicts = []byte("dicts") // dictionary name (4) → its content

// itemDict is a dictionary items are compressed against.
type itemDict struct {
	name [4]byte
	enc  *zstd.Encoder
}

// dicts holds each dictionary registered, by name, with its decoder and
// encoder: both are safe for concurrent use, so every store that holds the
// dictionary shares them.
var dicts sync.Map // [4]byte → *registeredDict

type registeredDict struct {
	content []byte
	dec     *zstd.Decoder
	dict    *itemDict
}

// dictName names a dictionary by its content.
func dictName(content []byte) [4]byte {
	h := sha256.Sum256(content)
	return [4]byte(h[:4])
}

// zstdDictID is the id zstd frames carry for a dictionary named name: never
// 0, which zstd reserves for no dictionary.
func zstdDictID(name [4]byte) uint32 {
	return binary.BigEndian.Uint32(name[:]) | 1
}

// registerDict makes values compressed against content decodable, and
// returns the dictionary to compress against it.
func registerDict(name [4]byte, content []byte) (*itemDict, error) {
	if got := dictName(content); got != name {
		return nil, fmt.Errorf("item dictionary %x holds the content of %x", name, got)
	}
	if r, ok := dicts.Load(name); ok {
		if !bytes.Equal(r.(*registeredDict).content, content) {
			return nil, fmt.Errorf("two item dictionaries are named %x", name)
		}
		return r.(*registeredDict).dict, nil
	}
	id := zstdDictID(name)
	content = bytes.Clone(content) // bbolt's bytes live only as long as the transaction
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(64<<20),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderDictRaw(id, content))
	if err != nil {
		return nil, fmt.Errorf("item dictionary %x: %w", name, err)
	}
	// The fastest level, not the default: against a dictionary it was both
	// smaller and faster on bench/scale's items (737 B in 34 µs, against
	// 751 B in 60 µs).
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(1<<20),
		zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderDictRaw(id, content))
	if err != nil {
		dec.Close()
		return nil, fmt.Errorf("item dictionary %x: %w", name, err)
	}
	r := &registeredDict{content: content, dec: dec, dict: &itemDict{name: name, enc: enc}}
	if prev, loaded := dicts.LoadOrStore(name, r); loaded { // registered meanwhile: the same content
		dec.Close()
		enc.Close()
		return prev.(*registeredDict).dict, nil
	}
	return r.dict, nil
}

// loadDicts registers every dictionary stored in tx and returns the one to
// compress new items against (the last by name), or nil when there is
// none.
func loadDicts(tx *bolt.Tx) (*itemDict, error) {
	b := tx.Bucket(bucketDicts)
	if b == nil {
		return nil, nil
	}
	var last *itemDict
	err := b.ForEach(func(k, v []byte) error {
		if len(k) != 4 {
			return fmt.Errorf("item dictionary name %x is not 4 bytes", k)
		}
		d, err := registerDict([4]byte(k), v)
		last = d
		return err
	})
	return last, err
}

// dictFrom returns the store's dictionary: the one stored (by a
// transaction that committed since the caller looked), else one made from
// the items it holds, in key order (by hash, so from all sources alike),
// once they come to dictSize bytes of JSON, and stored. It returns nil
// while they do not.
func dictFrom(tx *bolt.Tx) (*itemDict, error) {
	if d, err := loadDicts(tx); d != nil || err != nil {
		return d, err
	}
	var content []byte
	enough := errors.New("enough content")
	err := itemsOf(tx).ForEach(func(k, v []byte) error {
		plain, err := plainItem(v)
		if err != nil {
			return fmt.Errorf("item %x: %w", k, err)
		}
		if content = append(content, plain...); len(content) >= dictSize {
			return enough
		}
		return nil
	})
	if err != nil && err != enough {
		return nil, err
	}
	if len(content) < dictSize {
		return nil, nil
	}
	content = content[:dictSize]
	name := dictName(content)
	d, err := registerDict(name, content)
	if err != nil {
		return nil, err
	}
	b, err := tx.CreateBucketIfNotExists(bucketDicts)
	if err != nil {
		return nil, err
	}
	return d, b.Put(name[:], content)
}

// decompressWithDict decompresses a zstdDictTag value (tag stripped).
func decompressWithDict(v []byte) ([]byte, error) {
	if len(v) < 4 {
		return nil, fmt.Errorf("value compressed against a dictionary is cut short")
	}
	r, ok := dicts.Load([4]byte(v[:4]))
	if !ok {
		return nil, fmt.Errorf("value compressed against item dictionary %x, which the store does not hold", v[:4])
	}
	return r.(*registeredDict).dec.DecodeAll(v[4:], nil)
}
