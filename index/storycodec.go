package index

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"pressfeed/similar"
)

// indexEntry values are read by the dozen for every new item, so they are
// stored in a compact binary form rather than JSON, which cost most of a
// lookup: a format byte, then uvarint-length-prefixed strings and lists of
// strings, and the two times as appendTime writes them. Format 2 adds the
// list of words posted in story_words; a format 1 entry posted all its
// words.
const (
	entryFormat   = 2
	entryFormatV1 = 1
)

var errBadEntry = errors.New("malformed story index entry")

// MarshalBinary encodes e as story_items stores it. It never fails.
func (e indexEntry) MarshalBinary() ([]byte, error) {
	b := []byte{entryFormat}
	for _, s := range []string{e.SourceID, e.StoryID, e.Link} {
		b = appendString(b, s)
	}
	b = appendTime(appendTime(b, e.Published), e.FirstSeen)
	f := e.Features
	for _, list := range [][]string{f.Title, f.Words, f.Names, f.Streets, f.Numbers, f.Days, e.Posted} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = appendString(b, s)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote. It returns
// errBadEntry for a value in another format, short or garbled.
func (e *indexEntry) UnmarshalBinary(b []byte) error {
	if len(b) == 0 || b[0] != entryFormat && b[0] != entryFormatV1 {
		return errBadEntry
	}
	format := b[0]
	d := decoder{b: b[1:]}
	e.SourceID, e.StoryID, e.Link = d.string(), d.string(), d.string()
	e.Published, e.FirstSeen = d.time(), d.time()
	e.Features = similar.Features{}
	lists := []*[]string{&e.Features.Title, &e.Features.Words, &e.Features.Names, &e.Features.Streets, &e.Features.Numbers, &e.Features.Days, &e.Posted}
	if format == entryFormatV1 {
		lists = lists[:6]
	}
	for _, list := range lists {
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			return errBadEntry
		}
		*list = nil
		if n > 0 {
			*list = make([]string, 0, n)
		}
		for ; n > 0; n-- {
			*list = append(*list, d.string())
		}
	}
	if d.err {
		return errBadEntry
	}
	if format == entryFormatV1 {
		e.Posted = e.Features.Words
	}
	return nil
}

// postedWords reads from an entry's encoding only what the word postings
// need (postings.build): its publication time in nanoseconds, and each word
// it is posted under, passed to fn as bytes valid only during the call.
// The other strings are stepped over, not copied: a build reads every
// entry of the window.
func postedWords(b []byte, fn func(w []byte)) (int64, error) {
	if len(b) == 0 || b[0] != entryFormat && b[0] != entryFormatV1 {
		return 0, errBadEntry
	}
	format := b[0]
	d := decoder{b: b[1:]}
	d.bytes() // source
	d.bytes() // story
	d.bytes() // link
	published := d.varint()
	d.varint() // first seen
	// Title, Words, Names, Streets, Numbers, Days, then Posted; a format 1
	// entry was posted under its Words.
	for list := range 7 {
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			return 0, errBadEntry
		}
		posted := list == 6 || format == entryFormatV1 && list == 1
		for ; n > 0; n-- {
			if w := d.bytes(); posted && !d.err {
				fn(w)
			}
		}
		if format == entryFormatV1 && list == 5 {
			break
		}
	}
	if d.err {
		return 0, errBadEntry
	}
	return published, nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decoder reads what MarshalBinary wrote; a short or garbled value sets err
// and yields zero values.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string { return string(d.bytes()) }

// bytes is the next string's bytes, not copied.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err, d.b = true, nil
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

// Story records are read for every story a page shows, so since the member
// times were kept they are written in binary too: recordFormat, the
// story's updated time, then each member's key (16 bytes), source, link
// and its publication, first-seen and updated times. A JSON record (written
// before) starts with '{' and still reads. Times are as appendTime writes
// them.
const recordFormat = 0x02

var errBadRecord = errors.New("malformed story record")

// encodeRecord returns rec as the stories bucket stores it.
func encodeRecord(rec *storyRecord) ([]byte, error) {
	b := appendTime([]byte{recordFormat}, rec.Updated)
	b = binary.AppendUvarint(b, uint64(len(rec.Members)))
	for _, m := range rec.Members {
		key, err := keyBytes(m.Key)
		if err != nil {
			return nil, err
		}
		b = append(b, key...)
		b = appendString(appendString(b, m.SourceID), m.Link)
		b = appendTime(appendTime(appendTime(b, m.Published), m.FirstSeen), m.Updated)
	}
	return b, nil
}

// decodeRecord decodes a stored story record, binary or JSON. It returns
// an error wrapping errBadRecord for a short or garbled binary record.
func decodeRecord(v []byte, rec *storyRecord) error {
	if len(v) == 0 || v[0] != recordFormat {
		return decodeJSON(v, rec)
	}
	d := decoder{b: v[1:]}
	rec.Updated = d.time()
	n := d.uvarint()
	if n > uint64(len(d.b))/16 {
		return errBadRecord
	}
	rec.Members = make([]storyMember, n)
	for i := range rec.Members {
		if len(d.b) < 16 {
			return errBadRecord
		}
		m := &rec.Members[i]
		m.Key = hex.EncodeToString(d.b[:16])
		d.b = d.b[16:]
		m.SourceID, m.Link = d.string(), d.string()
		m.Published, m.FirstSeen, m.Updated = d.time(), d.time(), d.time()
	}
	if d.err || len(d.b) != 0 {
		return errBadRecord
	}
	return nil
}

// appendTime appends t as Unix nanoseconds, the zero time as 0: every
// time in an index entry or a story record.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixNano())
}

// time reads what appendTime wrote, in UTC.
func (d *decoder) time() time.Time {
	if n := d.varint(); n != 0 {
		return time.Unix(0, n).UTC()
	}
	return time.Time{}
}
