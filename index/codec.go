package index

import (
	"encoding/json"
	"fmt"

	"github.com/klauspost/compress/zstd"

	"pressfeed"
)

// Items are the bulk of a store, and their text compresses about three to
// one: since schema 5 an item's value is its JSON compressed with zstd,
// behind a one-byte tag (zstdTag; since schema 11 zstdDictTag for an item
// compressed against the store's dictionary, dict.go). A JSON value starts
// with '{', never with a tag, so values written before schema 5 read as
// they always did, and every reader goes through decodeJSON. Other buckets
// hold small records and stay plain JSON.
const zstdTag = 0x01

// The encoder and decoder are safe for concurrent use. They keep small
// windows: an item is at most a few hundred KiB (the field caps), and a
// large window would cost memory for nothing.
var (
	itemEncoder = mustEncoder(zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(1<<20),
		zstd.WithLowerEncoderMem(true)))
	itemDecoder = mustDecoder(zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(64<<20),
		zstd.WithDecoderLowmem(true)))
)

func mustEncoder(e *zstd.Encoder, err error) *zstd.Encoder {
	if err != nil {
		panic(fmt.Sprintf("zstd encoder: %v", err)) // only for bad options, fixed above
	}
	return e
}

func mustDecoder(d *zstd.Decoder, err error) *zstd.Decoder {
	if err != nil {
		panic(fmt.Sprintf("zstd decoder: %v", err)) // only for bad options, fixed above
	}
	return d
}

// encodeItem returns an item's stored value: its JSON, compressed against
// d (dict.go), or alone when d is nil.
func encodeItem(it pressfeed.Item, d *itemDict) ([]byte, error) {
	data, err := json.Marshal(it)
	if err != nil {
		return nil, err
	}
	if d != nil {
		return d.enc.EncodeAll(data, append([]byte{zstdDictTag}, d.name[:]...)), nil
	}
	return itemEncoder.EncodeAll(data, []byte{zstdTag}), nil
}

// putItem stores it under key in the items b, compressed alone.
func putItem(b itemTable, key []byte, it pressfeed.Item) error {
	data, err := encodeItem(it, nil)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// plainItem returns a stored value's JSON: as it is, or decompressed.
func plainItem(data []byte) ([]byte, error) {
	if len(data) == 0 {
		return data, nil
	}
	var err error
	switch data[0] {
	case zstdTag:
		data, err = itemDecoder.DecodeAll(data[1:], nil)
	case zstdDictTag:
		data, err = decompressWithDict(data[1:])
	}
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	return data, nil
}

// decodeJSON decodes a stored value into v: plain JSON, or JSON compressed
// by encodeItem.
func decodeJSON(data []byte, v any) error {
	plain, err := plainItem(data)
	if err != nil {
		return err
	}
	return json.Unmarshal(plain, v)
}
