package index

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"pressfeed/similar"
)

// indexEntry values are read by the dozen for every new item, so they are
// stored in a compact binary form rather than JSON, which cost most of a
// lookup: a format byte, the source as a uvarint-length-prefixed string,
// the story id's 16 bytes, the link as a string, the two times as
// appendTime writes them, then seven lists, each a uvarint count and that
// many words as their numbers in the vocabulary (vocab.go), as uvarints:
// the features' Title, Words, Names, Streets, Numbers and Days, each in
// the order of its numbers (as a lookup compares them: entryNumbers; an
// entry an earlier version wrote has them in the order of their words, and
// a reader sorts a list it finds out of order), then the words the entry
// is posted under in the postings. Numbers take about a
// third of the letters' bytes, and decoding them makes no strings: a word
// is the vocabulary's own copy.
//
// Formats 1 and 2 (schemas 3 to 9) held the story id and the words as
// strings; format 2 added the posted list, and a format 1 entry was posted
// under all its Words. They still read, for a store opened read-only and
// so not upgraded.
const (
	entryFormat   = 3
	entryFormatV2 = 2
	entryFormatV1 = 1
)

var errBadEntry = errors.New("malformed story index entry")

// wordBook gives back the word a vocabulary number stands for, as one
// transaction sees the vocabulary: a vocabTx in a write transaction,
// readWords in a read one.
type wordBook interface {
	word(id uint64) (string, bool)
}

// readWords is the vocabulary a read transaction sees (vocabulary.in).
type readWords []string

func (r readWords) word(id uint64) (string, bool) {
	if id >= uint64(len(r)) {
		return "", false
	}
	return r[id], true
}

// featureLists is how many of an entry's lists are its features'; the
// last list is the words it is posted under.
const featureLists = 6

// lists are an entry's word lists in the order they are encoded.
func (e *indexEntry) lists() []*[]string {
	f := &e.Features
	return []*[]string{&f.Title, &f.Words, &f.Names, &f.Streets, &f.Numbers, &f.Days, &e.Posted}
}

// encodeEntry returns e as story_items stores it, numbering new words in
// vt.
func encodeEntry(e indexEntry, vt *vocabTx) ([]byte, error) {
	story, err := keyBytes(e.StoryID)
	if err != nil {
		return nil, fmt.Errorf("story of an index entry: %w", err)
	}
	b := appendString([]byte{entryFormat}, e.SourceID)
	b = appendString(append(b, story...), e.Link)
	b = appendTime(appendTime(b, e.Published), e.FirstSeen)
	var ids []uint32
	for i, list := range e.lists() {
		ids = ids[:0]
		for _, w := range *list {
			id, err := vt.id(w)
			if err != nil {
				return nil, fmt.Errorf("number %q: %w", w, err)
			}
			ids = append(ids, id)
		}
		if i < featureLists {
			slices.Sort(ids) // for entryNumbers; decodeEntry sorts the words again
		}
		b = binary.AppendUvarint(b, uint64(len(ids)))
		for _, id := range ids {
			b = binary.AppendUvarint(b, uint64(id))
		}
	}
	return b, nil
}

// decodeEntry decodes what encodeEntry wrote, its words looked up in
// words, or an entry in an older format. It returns errBadEntry for a
// value in another format, short or garbled, or naming a number words
// does not hold.
func decodeEntry(b []byte, words wordBook) (indexEntry, error) {
	h, d, err := readEntryHeader(b)
	if err != nil {
		return indexEntry{}, err
	}
	format := b[0]
	e := h.entry(format)
	e.Link = string(h.link)
	lists := e.lists()
	if format == entryFormatV1 {
		lists = lists[:6]
	}
	for i, list := range lists {
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			return e, errBadEntry
		}
		if n > 0 {
			*list = make([]string, 0, n)
		}
		for ; n > 0; n-- {
			if format != entryFormat {
				*list = append(*list, d.string())
				continue
			}
			w, ok := words.word(d.uvarint())
			if !ok {
				return e, errBadEntry
			}
			*list = append(*list, w)
		}
		if format == entryFormat && i < featureLists && !slices.IsSorted(*list) {
			slices.Sort(*list) // written in the order of their numbers
		}
	}
	if d.err || len(d.b) != 0 {
		return e, errBadEntry
	}
	if format == entryFormatV1 {
		e.Posted = e.Features.Words
	}
	return e, nil
}

// entryNumbers is a lookup's reading of one format-3 entry (find): what
// near and canJoin need of it, and its features as the vocabulary numbers
// it stores them as, each list sorted by number, for similar.CompareSets.
// Numbers compare faster than letters, and reading them looks up no word;
// the lists share one buffer, reused from entry to entry.
type entryNumbers struct {
	head indexEntry // SourceID, StoryID, Published and FirstSeen only
	sets similar.Sets[uint32]
	buf  []uint32
}

// readHead reads of b what near and canJoin need, into e.head. It reports
// false, reading nothing, for an entry in an older format, which holds its
// words as letters; it returns errBadEntry for a value short or garbled.
// readSets reads the rest from the decoder it returns.
func (e *entryNumbers) readHead(b []byte) (decoder, bool, error) {
	if len(b) == 0 || b[0] != entryFormat {
		return decoder{}, false, nil
	}
	h, d, err := readEntryHeader(b)
	e.head = h.entry(entryFormat)
	return d, true, err
}

// readSets reads the features' lists from d, where readHead left it, into
// e.sets. It returns errBadEntry for a value short or garbled, or naming a
// number of words or more (the count of the vocabulary the transaction
// sees).
func (e *entryNumbers) readSets(d decoder, words uint64) error {
	e.buf = e.buf[:0]
	var bounds [featureLists]int
	for i := range bounds {
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			return errBadEntry
		}
		for ; n > 0; n-- {
			id := d.uvarint()
			if id >= words {
				return errBadEntry
			}
			e.buf = append(e.buf, uint32(id))
		}
		bounds[i] = len(e.buf)
	}
	// The posted words, which comparisons do not read.
	for n := d.uvarint(); n > 0 && !d.err; n-- {
		d.uvarint()
	}
	if d.err || len(d.b) != 0 {
		return errBadEntry
	}
	lists := [featureLists]*[]uint32{&e.sets.Title, &e.sets.Words, &e.sets.Names, &e.sets.Streets, &e.sets.Numbers, &e.sets.Days}
	from := 0
	for i, list := range lists {
		*list = e.buf[from:bounds[i]:bounds[i]]
		if !slices.IsSorted(*list) { // written by an earlier version, in the order of its words
			slices.Sort(*list)
		}
		from = bounds[i]
	}
	return nil
}

// unnumbered is the number postedWords passes with a word of an entry in
// an older format, which holds its words as strings.
const unnumbered = ^uint64(0)

// postedWords reads from an entry's encoding only what the word postings
// need (postings.build): its publication time in nanoseconds, and each word
// it is posted under, passed to fn with its number in the vocabulary
// (unnumbered in an entry of an older format). The other lists are stepped
// over: a build reads every entry of the window.
func postedWords(b []byte, words wordBook, fn func(id uint64, w string)) (int64, error) {
	h, d, err := readEntryHeader(b)
	if err != nil {
		return 0, err
	}
	format := b[0]
	// Title, Words, Names, Streets, Numbers, Days, then Posted; a format 1
	// entry was posted under its Words and has no Posted.
	lists := 7
	if format == entryFormatV1 {
		lists = 6
	}
	for list := range lists {
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			return 0, errBadEntry
		}
		posted := list == 6 || format == entryFormatV1 && list == 1
		for ; n > 0 && !d.err; n-- {
			if format != entryFormat {
				if w := d.bytes(); posted && !d.err {
					fn(unnumbered, string(w))
				}
				continue
			}
			id := d.uvarint()
			if !posted || d.err {
				continue
			}
			w, ok := words.word(id)
			if !ok {
				return 0, errBadEntry
			}
			fn(id, w)
		}
	}
	if d.err || len(d.b) != 0 {
		return 0, errBadEntry
	}
	return h.published, nil
}

// entryPublished reads an entry's publication time in nanoseconds and
// nothing after its header.
func entryPublished(b []byte) (int64, error) {
	h, _, err := readEntryHeader(b)
	return h.published, err
}

// entryHeader is what an entry holds before its lists, as encoded; its
// slices are b's, valid as long as b is.
type entryHeader struct {
	source, story, link  []byte // story: its 16 bytes in format 3, else its id's letters
	published, firstSeen int64  // as appendTime writes them
}

// readEntryHeader reads the format byte and header of an entry in any
// format decodeEntry reads, and returns the decoder at its first list. It
// returns errBadEntry for another format or a header short or garbled.
func readEntryHeader(b []byte) (entryHeader, decoder, error) {
	var h entryHeader
	if len(b) == 0 || b[0] < entryFormatV1 || b[0] > entryFormat {
		return h, decoder{}, errBadEntry
	}
	d := decoder{b: b[1:]}
	h.source = d.bytes()
	if b[0] == entryFormat {
		h.story = d.key()
	} else {
		h.story = d.bytes()
	}
	h.link = d.bytes()
	h.published, h.firstSeen = d.varint(), d.varint()
	if d.err {
		return h, d, errBadEntry
	}
	return h, d, nil
}

// entry is the entry h heads, in format, without its link and lists.
func (h entryHeader) entry(format byte) indexEntry {
	var story string
	if format == entryFormat {
		story = hex.EncodeToString(h.story)
	} else {
		story = string(h.story)
	}
	return indexEntry{SourceID: string(h.source), StoryID: story,
		Published: nanoTime(h.published), FirstSeen: nanoTime(h.firstSeen)}
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decoder reads index entries and story records; a short or garbled
// value sets err and yields zero values.
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

// key is the next 16 bytes (an item or story key), not copied.
func (d *decoder) key() []byte {
	if len(d.b) < 16 {
		d.err, d.b = true, nil
		return make([]byte, 16)
	}
	k := d.b[:16:16]
	d.b = d.b[16:]
	return k
}

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
		m := &rec.Members[i]
		m.Key = hex.EncodeToString(d.key())
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
func (d *decoder) time() time.Time { return nanoTime(d.varint()) }

// nanoTime is the time appendTime wrote as n.
func nanoTime(n int64) time.Time {
	if n != 0 {
		return time.Unix(0, n).UTC()
	}
	return time.Time{}
}
