package index

import (
	"bytes"
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

// searchTextV1 is the first byte of a search text in the format below. An
// entry whose value is empty (written before search texts were, and read
// from a store opened read-only, so not upgraded) or starts with another
// byte is tested the slow way, on the decoded item, so a query is right
// whatever it meets. A change to what searchText or searchable produce
// therefore comes with a new first byte and a schema step that rewrites
// the texts (as backfillSearchText does); until then the old texts are
// only slower, never wrong.
const searchTextV1 = 1

// searchText returns the search text to store for it: searchTextV1, then
// the distinct words of its searchable text in byte order, separated by
// single spaces.
//
// That keeps exactly the matches: a query word is letters and digits only,
// so wherever it occurs in the searchable text it lies inside one maximal
// run of letters and digits (UTF-8 is self-synchronizing, so a byte match
// starts and ends on rune boundaries), and it occurs in the text if and only
// if it occurs in one of those runs. The space cannot be part of a query
// word, so no match spans two words. Keeping each word once makes the text
// about a quarter smaller for a press release's teaser, nearly half for a
// long summary; also leaving out words that are part of longer ones saved
// only another 3 to 7 % and cost a third of the time, so it is not done.
func searchText(it pressfeed.Item) []byte {
	words := strings.FieldsFunc(searchable(it), func(r rune) bool { return !wordRune(r) })
	slices.Sort(words)
	words = slices.Compact(words)
	n := len(words) + 1
	for _, w := range words {
		n += len(w)
	}
	out := make([]byte, 1, n)
	out[0] = searchTextV1
	for i, w := range words {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, w...)
	}
	return out
}

// matchSearchText reports whether every word is in the stored search text
// v, and known: whether v could tell. When known is false the item must be
// tested with matchWords.
func matchSearchText(v []byte, words [][]byte) (match, known bool) {
	if len(v) == 0 || v[0] != searchTextV1 {
		return false, false
	}
	for _, w := range words {
		if !bytes.Contains(v[1:], w) {
			return false, true
		}
	}
	return true, true
}

// queryWords returns the words a search text must hold for every one of
// words to be in it, for matchSearchText: each word once, and none that is
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
