package fetch

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"hash"
	"net/url"

	"github.com/mmcdole/gofeed"

	"pressfeed"
)

// Marks let a feed source's poll skip the items the store already holds as
// they are. A changed feed mostly repeats what the last poll stored (a new
// item or two at the top, the rest as before), and normalizing an item —
// sanitizing its HTML above all — costs more than parsing it; for an item
// the store holds unchanged, Ingest then decodes the stored copy only to
// find nothing to do.
//
// So each stored poll of a feed source leaves, with its items and in the
// same transaction (pressfeed.SourceState.Marks), a mark for every item it
// handed to the store: a hash of the item as gofeed parsed it, together with
// everything else that shapes its normalizing (markVersion, the feed's URL
// after redirects, the source's rules), and a hash of its identity. The
// next poll hashes each parsed item the same way; one whose hash is marked
// is counted unchanged and neither normalized nor stored again, which is
// what Ingest would have found. An item whose identity another item of the
// same feed shares is always normalized, so the first copy still wins as
// in Ingest. Sources with a max_age use no marks: an item kept last time
// may be too old now. The store drops a source's marks when its fetch
// settings change.

// markVersion is part of every item's hash: change it whenever normalizing
// changes what it makes of the same parsed item (normalize.go, sanitize.go,
// absolutize), so items are normalized afresh once after an upgrade.
const markVersion = "1"

// markSize is the bytes of one mark: the item's hash, then its identity's.
const markSize = 16

// marker hashes the parsed items of one poll of one source.
type marker struct {
	seed []byte
	h    hash.Hash
	enc  *json.Encoder
	sum  []byte
}

// newMarker returns the marker for src's feed fetched from base, or nil
// when the source uses no marks.
func newMarker(src pressfeed.Source, base *url.URL) *marker {
	if src.MaxAge != "" {
		return nil
	}
	seed, err := json.Marshal(struct {
		Version, Base    string
		Include, Exclude []pressfeed.Rule
	}{markVersion, base.String(), src.Include, src.Exclude})
	if err != nil {
		return nil // rules are plain strings: cannot happen, and no marks is always safe
	}
	m := &marker{seed: seed, h: sha256.New()}
	m.enc = json.NewEncoder(m.h)
	m.enc.SetEscapeHTML(false)
	return m
}

// item hashes a parsed item, with the marker's seed.
func (m *marker) item(fi *gofeed.Item) (uint64, bool) {
	m.h.Reset()
	m.h.Write(m.seed)
	if err := m.enc.Encode(fi); err != nil {
		return 0, false // a value JSON cannot hold (a NaN in an extension): never marked
	}
	m.sum = m.h.Sum(m.sum[:0])
	return binary.BigEndian.Uint64(m.sum), true
}

// guidHash is the hash of an item's identity that a mark keeps.
func guidHash(guid string) uint64 {
	sum := sha256.Sum256([]byte(guid))
	return binary.BigEndian.Uint64(sum[:])
}

// readMarks decodes stored marks: each item hash with its identity's. Bytes
// that are not whole marks read as none, which only costs a full poll.
func readMarks(b []byte) map[uint64]uint64 {
	if len(b) == 0 || len(b)%markSize != 0 {
		return nil
	}
	out := make(map[uint64]uint64, len(b)/markSize)
	for ; len(b) > 0; b = b[markSize:] {
		out[binary.BigEndian.Uint64(b)] = binary.BigEndian.Uint64(b[8:])
	}
	return out
}

// found is how many items the way found: those it returns and those its
// feed's marks left out.
func (res *wayResult) found() int {
	if res.resp == nil || res.resp.marks == nil {
		return len(res.items)
	}
	return len(res.items) + len(res.resp.marks.skipped)
}

// mark is one item's hash and its identity's hash.
type mark struct{ item, guid uint64 }

// feedMarks is what marking found in one fetched feed.
type feedMarks struct {
	skipped []mark          // items left out, as the last stored poll saw them
	byGUID  map[string]mark // the normalized items that may be marked, by identity
}

// after is the marks to store with kept, the items a poll hands the store
// once its rules have run: the skipped items' and those of kept.
func (fm *feedMarks) after(kept []pressfeed.Item) []byte {
	if fm == nil {
		return nil
	}
	out := make([]byte, 0, (len(fm.skipped)+len(kept))*markSize)
	add := func(m mark) {
		out = binary.BigEndian.AppendUint64(out, m.item)
		out = binary.BigEndian.AppendUint64(out, m.guid)
	}
	for _, m := range fm.skipped {
		add(m)
	}
	for _, it := range kept {
		if m, ok := fm.byGUID[it.GUID]; ok {
			add(m)
		}
	}
	return out
}

// normalizeMarked is normalizeFeed for a poll with a marker: it leaves out
// the items whose hashes last holds (the last stored poll's marks) and
// says what to mark. With a nil marker it is normalizeFeed.
func (p *Poller) normalizeMarked(feed *gofeed.Feed, base *url.URL, m *marker, last map[uint64]uint64) ([]pressfeed.Item, *feedMarks) {
	if m == nil {
		return p.normalizeFeed(feed, base), nil
	}
	type entry struct {
		mark   mark
		hashed bool
		skip   bool
		item   pressfeed.Item
	}
	entries := make([]entry, len(feed.Items))
	guids := make(map[uint64]int, len(feed.Items)) // identity hash → items of this feed with it
	normalize := func(i int) {
		e := &entries[i]
		e.item = p.normalizeItem(feed.Items[i], base)
		e.mark.guid = guidHash(e.item.GUID)
		guids[e.mark.guid]++
	}
	for i, fi := range feed.Items {
		if fi == nil {
			continue
		}
		e := &entries[i]
		e.mark.item, e.hashed = m.item(fi)
		if g, ok := last[e.mark.item]; ok && e.hashed {
			e.skip, e.mark.guid = true, g
			guids[g]++
			continue
		}
		normalize(i)
	}
	fm := &feedMarks{byGUID: make(map[string]mark)}
	items := make([]pressfeed.Item, 0, len(feed.Items))
	for i, fi := range feed.Items {
		e := &entries[i]
		switch {
		case fi == nil:
			continue
		case e.skip && guids[e.mark.guid] == 1:
			fm.skipped = append(fm.skipped, e.mark)
			continue
		case e.skip: // its identity is shared: normalize it, so the first copy wins
			guids[e.mark.guid]--
			normalize(i)
		}
		if e.hashed && guids[e.mark.guid] == 1 {
			fm.byGUID[e.item.GUID] = e.mark
		}
		items = append(items, e.item)
	}
	return items, fm
}
