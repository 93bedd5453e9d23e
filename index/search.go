package index

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"pressfeed"
)

// Text search without decoding every item.
//
// A text query matches an item when every folded query word is a substring
// of the item's searchable text (text.go). Testing that on the item itself
// means decoding its JSON and folding its title and summary, tens of
// microseconds an item, and a search that matches little reads every item:
// seconds at 10,000 items, most of a minute at 100,000. So each item's
// search text is computed once, when the item is written, and kept as the
// value of its entry in the time index (by_time): a search walks that index
// in the order it already walks it, tests each entry's value, and decodes
// only the items that match.
//
// Why in by_time and not a bucket of its own keyed by item key: the walk
// reads the values in key order from the pages it reads anyway, instead of
// one random lookup per item in another bucket; every path that adds,
// moves or deletes an item already writes or deletes its by_time entry, so
// the text cannot outlive its item or be left behind when the item moves;
// and no second copy of the key is stored. A query filtered by source walks
// the per-source index and looks the text up in by_time under the same
// time key.

// The first byte of a search text says its format. An entry whose value
// is empty (written before search texts were, and read from a store opened
// read-only, so not upgraded) or starts with another byte is tested the
// slow way, on the decoded item, so a query is right whatever it meets. A
// change to what itemWords or searchable produce therefore comes with a
// new first byte and a schema step that rewrites the texts (as
// convertSearchTexts does); until then the old texts are only slower,
// never wrong.
const (
	// searchTextV1 (schemas 4 to 7): the item's words, in byte order,
	// separated by single spaces.
	searchTextV1 = 1
	// searchTextV2 (schema 8): the numbers of the item's words in the
	// vocabulary (vocab.go), ascending, the first as a uvarint and each
	// later one as a uvarint of its difference from the one before. A
	// press release's 150-odd distinct words take about 1 KB as letters
	// and a quarter of that as numbers.
	searchTextV2 = 2
)

// itemWords returns the words of an item's search text: the distinct
// words of its searchable text, in byte order.
//
// That keeps exactly the matches: a query word is letters and digits only,
// so wherever it occurs in the searchable text it lies inside one maximal
// run of letters and digits (UTF-8 is self-synchronizing, so a byte match
// starts and ends on rune boundaries), and it occurs in the text if and only
// if it occurs in one of those runs, so in one of these words. Keeping each
// word once makes the text about a quarter smaller for a press release's
// teaser, nearly half for a long summary; also leaving out words that are
// part of longer ones saved only another 3 to 7 % and cost a third of the
// time, so it is not done.
func itemWords(it pressfeed.Item) []string { return textWords(searchable(it)) }

// textWords is itemWords given the item's searchable text.
func textWords(text string) []string {
	words := strings.FieldsFunc(text, func(r rune) bool { return !wordRune(r) })
	slices.Sort(words)
	return slices.Compact(words)
}

// encodeSearchText returns the search text to store for words (itemWords),
// numbering new words in vt.
func encodeSearchText(words []string, vt *vocabTx) ([]byte, error) {
	ids := make([]uint32, len(words))
	for i, w := range words {
		id, err := vt.id(w)
		if err != nil {
			return nil, fmt.Errorf("number %q: %w", w, err)
		}
		ids[i] = id
	}
	slices.Sort(ids)
	out := make([]byte, 1, 1+2*len(ids))
	out[0] = searchTextV2
	var last uint32
	for i, id := range ids {
		if i == 0 {
			out = binary.AppendUvarint(out, uint64(id))
		} else {
			out = binary.AppendUvarint(out, uint64(id-last))
		}
		last = id
	}
	return out, nil
}

// textIDs calls fn with each word number of a searchTextV2 text, in
// order, and reports false if the text is malformed. fn returns false to
// stop early.
func textIDs(v []byte, fn func(id uint64) bool) bool {
	var id uint64
	for i := 1; i < len(v); {
		d, n := binary.Uvarint(v[i:])
		if n <= 0 {
			return false
		}
		if i == 1 {
			id = d
		} else {
			id += d
		}
		i += n
		if !fn(id) {
			return true
		}
	}
	return true
}

// textQuery is a text search made ready to test stored search texts: its
// words (queryWords) and, for searchTextV2, for each word the set of
// vocabulary numbers of the words that contain it.
type textQuery struct {
	words [][]byte
	sets  [][]uint64 // per word, a bit per vocabulary number
	last  []uint64   // per word, the highest number in its set
	none  bool       // some word is in no vocabulary word: nothing matches
	vocab int        // how many numbers the sets cover
}

// maxTextWords is the most words a query tests by number; a longer query
// (a paste of a whole release) tests searchTextV2 texts the slow way.
const maxTextWords = 64

// newTextQuery prepares words (queryWords) against vocab, the committed
// vocabulary: one pass over it per word.
func newTextQuery(words [][]byte, vocab []string) *textQuery {
	q := &textQuery{words: words, vocab: len(vocab)}
	if len(words) == 0 || len(words) > maxTextWords {
		return q
	}
	q.sets, q.last = make([][]uint64, len(words)), make([]uint64, len(words))
	for i, w := range words {
		set, found := make([]uint64, (len(vocab)+63)/64), false
		for id, v := range vocab {
			if strings.Contains(v, string(w)) {
				set[id/64] |= 1 << (id % 64)
				q.last[i], found = uint64(id), true
			}
		}
		q.sets[i] = set
		q.none = q.none || !found
	}
	return q
}

// match reports whether every query word is in the stored search text v,
// and known: whether v could tell. When known is false the item must be
// tested with matchWords.
func (q *textQuery) match(v []byte) (match, known bool) {
	if len(q.words) == 0 {
		return true, true
	}
	if len(v) == 0 {
		return false, false
	}
	switch v[0] {
	case searchTextV1:
		for _, w := range q.words {
			if !bytes.Contains(v[1:], w) {
				return false, true
			}
		}
		return true, true
	case searchTextV2:
		if q.sets == nil {
			return false, false
		}
		if q.none {
			return false, true // a word no numbered word holds
		}
		return q.matchNumbers(v)
	}
	return false, false
}

// matchNumbers is match for a searchTextV2 text. Numbers come in
// ascending order, so once they pass the highest number of a word not yet
// found, the text cannot hold it: a rare word's search reads only the start
// of most texts.
func (q *textQuery) matchNumbers(v []byte) (match, known bool) {
	all := uint64(1)<<len(q.words) - 1
	var found uint64
	limit := slices.Min(q.last) // the lowest highest number of a word not found
	unknown, missing := false, false
	ok := textIDs(v, func(id uint64) bool {
		if id >= uint64(q.vocab) {
			unknown = true // not a number the reader's vocabulary holds: damage
			return false
		}
		if id > limit {
			missing = true
			return false
		}
		for i, set := range q.sets {
			if found&(1<<i) == 0 && set[id/64]&(1<<(id%64)) != 0 {
				found |= 1 << i
				limit = q.limitOf(found)
			}
		}
		return found != all
	})
	switch {
	case !ok || unknown:
		return false, false
	case missing:
		return false, true
	}
	return found == all, true
}

// limitOf is the lowest highest number of the words not in found.
func (q *textQuery) limitOf(found uint64) uint64 {
	limit := ^uint64(0)
	for i, last := range q.last {
		if found&(1<<i) == 0 {
			limit = min(limit, last)
		}
	}
	return limit
}

// queryWords returns the words a search text must hold for every one of
// words to be in it, for textQuery.match: each word once, and none that is
// part of another (a text holding "charged" holds "charge"), longest
// first, since a long word is the likeliest to be missing. Each word costs
// a scan of every text the search tests, so without this a query of one
// common word forty times over cost forty scans an item.
func queryWords(words []string) [][]byte {
	sorted := slices.Clone(words)
	slices.SortStableFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	var out [][]byte
	for _, w := range sorted {
		if !slices.ContainsFunc(out, func(k []byte) bool { return bytes.Contains(k, []byte(w)) }) {
			out = append(out, []byte(w))
		}
	}
	return out
}
