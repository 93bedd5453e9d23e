package index

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
	"pressfeed/similar"
)

// How hard a new item looks for its story. Both bound the work of one
// lookup whatever the store holds: postingCap is how many items one word
// can bring in (the nearest in time first; a word that common says little),
// maxCandidates how many of those are compared. With 16, a copy of a
// templated release could lose its place to other releases of the same
// template sharing as many words (bench's TestSyntheticProbesGroup); 32
// costs about 3 % more CPU in a cold poll cycle.
const (
	postingCap     = 256
	maxCandidates  = 32
	maxLookupWords = 16 // a lookup walks the postings of so many words: the title's, then the rarest
	maxPostWords   = 24 // an item is posted under so many words: the title's, then the rarest
	minHits        = 3  // the weakest rule needs three shared words
)

// indexEntry is what story_items keeps of an item first seen within the
// window: all a lookup needs to decide on it, and all pruning needs to
// delete its postings and link.
type indexEntry struct {
	SourceID  string           `json:"source_id"`
	StoryID   string           `json:"story_id"`
	Published time.Time        `json:"published"`
	FirstSeen time.Time        `json:"first_seen"`
	Link      string           `json:"link,omitempty"` // canonical; empty when it stands for nothing
	Features  similar.Features `json:"features"`
	Posted    []string         `json:"posted"` // the words it is posted under in story_words (postingWords)
}

// storyIndex finds stories for a poll's items inside Ingest's write
// transaction (or FindStory's read one), and keeps the indexes it finds
// them through: the word postings (significant word → items by publication
// time, in memory: postings.go), story_links (canonical link → items),
// story_items (item → its indexEntry, which lists the words it is posted
// under) and story_recent (first-seen time → item, for pruning). Only
// items first seen within the window are indexed, so a lookup costs about
// the same in a store of a thousand items as in one of a million.
type storyIndex struct {
	tx      *bolt.Tx
	post    *postingsTx // the word postings, in memory (postings.go)
	window  time.Duration
	horizon time.Time // items first seen before it can no longer be joined
	params  similar.Params
	sources map[string]pressfeed.Source // read once per transaction
	// extracted keeps the features find computed for an item until index
	// stores them, so a new item's text is analysed once; ranked keeps the
	// ranking of its words, by item key, so they are counted once.
	extracted map[string]similar.Features
	ranked    map[string]ranking
}

// newStoryIndex works in tx as of the time now. extracted holds features
// already extracted (see DB.prepare); it may be nil.
func newStoryIndex(tx *bolt.Tx, db *DB, now time.Time, extracted map[string]similar.Features, post *postingsTx) *storyIndex {
	if extracted == nil {
		extracted = make(map[string]similar.Features)
	}
	return &storyIndex{tx: tx, post: post, window: db.window, horizon: now.Add(-db.window), params: db.params,
		sources: make(map[string]pressfeed.Source), extracted: extracted, ranked: make(map[string]ranking)}
}

// prepared is what Ingest works out for a poll's new items before its
// write transaction, in a read transaction and outside any, so that it
// runs beside other polls' writes instead of inside the store's one
// writer: their similarity features (most of a new item's cost), their
// search texts and their stored values.
type prepared struct {
	features map[string]similar.Features // by extractedKey, for a clustering source
	items    map[string]preparedItem     // by item key
}

// preparedItem is a new item's search text and its stored value as it is
// when it starts a story of its own (the value names the story).
type preparedItem struct {
	words   []string // of the search text (itemWords), numbered by the writer
	encoded []byte
}

// prepare works out the items of sourceID the store does not hold yet, as
// Ingest will store them at now, compressed against dict. Ingest uses the
// features while the source's name is unchanged, and the value while the
// item's story is its own.
func (db *DB) prepare(sourceID string, items []pressfeed.Item, now time.Time, dict *itemDict) (prepared, error) {
	var (
		fresh    []pressfeed.Item
		name     string
		clusters bool
	)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var src pressfeed.Source
		if _, err := getJSON(tx.Bucket(bucketSources), []byte(sourceID), &src); err != nil {
			return err
		}
		name, clusters = src.Name, src.Clusters()
		b := itemsOf(tx)
		for _, it := range items {
			it.SourceID, it.Key = sourceID, pressfeed.ItemKey(sourceID, it.GUID)
			key, err := hex.DecodeString(it.Key)
			if err != nil {
				return err
			}
			if b.Get(key) == nil && !tombstoned(tx, key) {
				fresh = append(fresh, it)
			}
		}
		return nil
	})
	if err != nil {
		return prepared{}, err
	}
	out := prepared{features: make(map[string]similar.Features, len(fresh)), items: make(map[string]preparedItem, len(fresh))}
	for _, it := range fresh {
		if _, dup := out.items[it.Key]; dup {
			continue // a feed that repeats a guid: the first copy wins
		}
		it = freshItem(it, now)
		it.StoryID = it.Key
		encoded, err := encodeItem(it, dict)
		if err != nil {
			return prepared{}, err
		}
		summary := summaryText(it.Summary) // once, for the search text and the features
		out.items[it.Key] = preparedItem{words: textWords(searchableWith(it, summary)), encoded: encoded}
		if clusters {
			out.features[extractedKey(it.Key, name)] = featuresWith(it, name, summary)
		}
	}
	return out, nil
}

// source returns the stored definition of id. An unknown source (deleted,
// or never defined, as in tests) has no name and clusters.
func (s *storyIndex) source(id string) (pressfeed.Source, error) {
	if src, ok := s.sources[id]; ok {
		return src, nil
	}
	var src pressfeed.Source
	if _, err := getJSON(s.tx.Bucket(bucketSources), []byte(id), &src); err != nil {
		return src, err
	}
	src.ID = id
	s.sources[id] = src
	return src, nil
}

// features reduces an item to what similarity compares: its title and the
// plain text of its summary (or, lacking one, its content).
func features(it pressfeed.Item, publisher string) similar.Features {
	return featuresWith(it, publisher, summaryText(it.Summary))
}

// featuresWith is features given the item's summary as summaryText makes
// it, which its search text also reads (DB.prepare).
func featuresWith(it pressfeed.Item, publisher, summary string) similar.Features {
	if it.Summary == "" {
		summary = summaryText(it.Content)
	}
	return similar.Extract(similar.Doc{
		Title:     html.UnescapeString(it.Title),
		Text:      summary,
		Publisher: publisher,
	})
}

// features returns the features of it: those find kept for it, once, or
// freshly extracted. find keeps them because index follows it for every new
// item, and extraction is most of a new item's cost.
func (s *storyIndex) features(it pressfeed.Item, publisher string) similar.Features {
	k := extractedKey(it.Key, publisher)
	if f, ok := s.extracted[k]; ok {
		delete(s.extracted, k)
		return f
	}
	return features(it, publisher)
}

// extractedKey is where storyIndex.extracted keeps an item's features:
// under its key and its publisher's name, which the features depend on.
func extractedKey(itemKey, publisher string) string { return itemKey + "\x00" + publisher }

// storyLink returns the canonical form of an item's link when it can stand
// for the item: an absolute http(s) URL with a path. A site's home page,
// which feeds give for items that have no page of their own, stands for
// nothing.
func storyLink(link string) string {
	c := pressfeed.CanonicalURL(link)
	u, err := url.Parse(c)
	if err != nil || u.Scheme != "https" || u.Path == "/" {
		return ""
	}
	return c
}

// find returns the id of the story it should join: that of a recent item
// from another source with the same canonical link, else that of the recent
// item from another source that Compare finds the same story (the strongest
// match, if several). It returns "" when the item starts a story of its
// own. A story that already has a member from the item's source is never
// joined: a source's second copy of a release is an item of its own.
func (s *storyIndex) find(it pressfeed.Item) (string, error) {
	src, err := s.source(it.SourceID)
	if err != nil || !src.Clusters() {
		return "", err
	}
	lo, hi := it.Published.Add(-s.window), it.Published.Add(s.window)
	// near reports whether e is from another clustering source and close
	// enough in time; joinable, whether its story has no member from the
	// item's source yet. The second reads the story, so it is asked last.
	near := func(e indexEntry) (bool, error) {
		if e.SourceID == it.SourceID || e.Published.Before(lo) || e.Published.After(hi) || e.FirstSeen.Before(s.horizon) {
			return false, nil
		}
		esrc, err := s.source(e.SourceID)
		return err == nil && esrc.Clusters(), err
	}
	joinable := make(map[string]bool)
	canJoin := func(storyID string) (bool, error) {
		ok, seen := joinable[storyID]
		if !seen {
			rec, _, err := loadStory(s.tx, storyID)
			if err != nil {
				return false, err
			}
			ok = !rec.hasSource(it.SourceID)
			joinable[storyID] = ok
		}
		return ok, nil
	}

	if link := storyLink(it.Link); link != "" {
		prefix := append([]byte(link), 0)
		c := s.tx.Bucket(bucketStoryLinks).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			e, found, err := s.entry(k[len(prefix):])
			if err != nil || !found {
				if err != nil {
					return "", err
				}
				continue
			}
			ok, err := near(e)
			if err == nil && ok {
				ok, err = canJoin(e.StoryID)
			}
			if err != nil || ok {
				return e.StoryID, err
			}
		}
	}

	f := s.features(it, src.Name)
	s.extracted[extractedKey(it.Key, src.Name)] = f
	c := s.comparer(f)
	var (
		best     string
		strength float64
	)
	r := s.rank(f)
	s.ranked[it.Key] = r
	for _, key := range s.candidates(r.lookupWords(), lo, hi) {
		e, v, found, err := c.compare(key[:], near)
		if err != nil {
			return "", err
		}
		if !found || !v.Same || best != "" && v.Strength() <= strength {
			continue
		}
		ok, err := canJoin(e.StoryID)
		if err != nil {
			return "", err
		}
		if ok {
			best, strength = e.StoryID, v.Strength()
		}
	}
	return best, nil
}

// comparer compares a new item's features with its candidates' entries:
// as vocabulary numbers in a write transaction, whose vocabulary can give
// the item's words their numbers (entryNumbers), or as words.
type comparer struct {
	s     *storyIndex
	f     similar.Features
	sets  similar.Sets[uint32] // f as numbers, when numbered
	words uint64               // the numbers the transaction sees
	read  entryNumbers         // a candidate's entry, reused
}

// comparer returns the comparer of features f.
func (s *storyIndex) comparer(f similar.Features) *comparer {
	c := &comparer{s: s, f: f}
	vt := s.post.vocab
	if vt == nil {
		return c
	}
	c.words = vt.count()
	// A word the vocabulary lacks is in no entry: it stands for itself
	// with a number no entry holds, from the top down.
	unknown := ^uint32(0)
	number := func(words []string) []uint32 {
		out := make([]uint32, len(words))
		for i, w := range words {
			id, ok := vt.number(w)
			if !ok {
				id, unknown = unknown, unknown-1
			}
			out[i] = id
		}
		slices.Sort(out)
		return out
	}
	c.sets = similar.Sets[uint32]{Title: number(f.Title), Words: number(f.Words), Names: number(f.Names),
		Streets: number(f.Streets), Numbers: number(f.Numbers), Days: number(f.Days)}
	return c
}

// compare reads the entry of the item with key and, when near passes it,
// compares it with the features. found is false for a key with no entry
// and for an entry near turns away.
func (c *comparer) compare(key []byte, near func(indexEntry) (bool, error)) (e indexEntry, v similar.Verdict, found bool, err error) {
	if c.words > 0 {
		raw := c.s.tx.Bucket(bucketStoryItems).Get(key)
		if raw == nil {
			return e, v, false, nil
		}
		d, numbered, err := c.read.readHead(raw)
		if err == nil && numbered {
			ok, nearErr := near(c.read.head)
			if nearErr != nil || !ok {
				return e, v, false, nearErr
			}
			err = c.read.readSets(d, c.words)
		}
		if err != nil {
			return e, v, true, fmt.Errorf("story index entry %x: %w", key, err)
		}
		if numbered {
			return c.read.head, similar.CompareSets(c.s.params, c.sets, c.read.sets), true, nil
		}
	}
	e, found, err = c.s.entry(key)
	if err != nil || !found {
		return e, v, found, err
	}
	ok, err := near(e)
	if err != nil || !ok {
		return e, v, false, err
	}
	return e, c.s.params.Compare(c.f, e.Features), true, nil
}

// lookupWords picks the words a lookup walks the postings of: every title
// word (the title rule needs three shared title words, so none may be left
// out) and then the rarest others, up to maxLookupWords in all, skipping
// words under which nothing is posted. Rarity is the number of indexed
// items posted under the word: a word most recent items share
// finds everything and tells nothing, while the words two copies of one
// release share are their names and particulars, which are rare.
func (r ranking) lookupWords() []string { return r.pick(maxLookupWords, true) }

// postingWords picks the words a new item is posted under, the same way:
// every title word, then the rarest others (a word never seen counts as
// rarest), up to maxPostWords. Posting fewer words than an item has keeps
// the index small and cheap to write; the words left out are the common
// ones, which a later lookup would not pick either.
func (r ranking) postingWords() []string { return r.pick(maxPostWords, false) }

// ranking is an item's significant words as the postings count them: its
// title words in the order of Features.Words, then the others, rarest
// first (fewest items posted under them, then by their letters).
type ranking struct {
	title, rest []counted
}

// counted is a word and how many items are posted under it.
type counted struct {
	word string
	n    int
}

// rank ranks f's words by the postings as they are. A new item's lookup
// and its posting, a few writes later in the same transaction, see the
// same counts, so find keeps its ranking for index (ranked).
func (s *storyIndex) rank(f similar.Features) ranking {
	var r ranking
	for _, w := range f.Words {
		c := counted{w, s.post.p.count(w)}
		if _, inTitle := slices.BinarySearch(f.Title, w); inTitle {
			r.title = append(r.title, c)
		} else {
			r.rest = append(r.rest, c)
		}
	}
	slices.SortFunc(r.rest, func(a, b counted) int {
		if a.n != b.n {
			return a.n - b.n
		}
		return strings.Compare(a.word, b.word)
	})
	return r
}

// pick returns every title word, then the rarest others up to max words
// in all; skipUnposted leaves out the words under which nothing is posted.
func (r ranking) pick(max int, skipUnposted bool) []string {
	var out []string
	for _, c := range r.title {
		if c.n > 0 || !skipUnposted {
			out = append(out, c.word)
		}
	}
	for _, c := range r.rest {
		if len(out) >= max {
			break
		}
		if c.n > 0 || !skipUnposted {
			out = append(out, c.word)
		}
	}
	return out
}

// candidates returns the keys of indexed items published between lo and hi
// that share at least minHits of words, most shared first, at most
// maxCandidates of them.
func (s *storyIndex) candidates(words []string, lo, hi time.Time) [][16]byte {
	p := s.post.p
	found := p.shared(words, timeNS(lo), timeNS(hi), postingCap, minHits)
	// Only the maxCandidates that sort first are wanted, and a common
	// word's lookup finds hundreds: those with fewer hits than the
	// maxCandidates-th most are left out before sorting. Each is sorted by
	// its key as two numbers, which compare faster than 16 bytes.
	least := 0
	if len(found) > maxCandidates {
		var byHits [maxLookupWords + 1]int
		for _, h := range found {
			byHits[min(h.hits, maxLookupWords)]++
		}
		n := 0
		for least = maxLookupWords; least > 0; least-- {
			if n += byHits[least]; n >= maxCandidates {
				break
			}
		}
	}
	type candidate struct {
		hits   int
		hi, lo uint64 // the key
	}
	kept := make([]candidate, 0, min(len(found), 2*maxCandidates))
	for _, h := range found {
		if h.hits >= least {
			k := p.key(h.n)
			kept = append(kept, candidate{h.hits, binary.BigEndian.Uint64(k[:8]), binary.BigEndian.Uint64(k[8:])})
		}
	}
	slices.SortFunc(kept, func(a, b candidate) int {
		switch {
		case a.hits != b.hits:
			return b.hits - a.hits
		case a.hi != b.hi:
			return cmp.Compare(a.hi, b.hi)
		default:
			return cmp.Compare(a.lo, b.lo)
		}
	})
	keys := make([][16]byte, min(len(kept), maxCandidates))
	for i := range keys {
		binary.BigEndian.PutUint64(keys[i][:8], kept[i].hi)
		binary.BigEndian.PutUint64(keys[i][8:], kept[i].lo)
	}
	return keys
}

// entry reads the index entry of the item with key.
func (s *storyIndex) entry(key []byte) (indexEntry, bool, error) {
	v := s.tx.Bucket(bucketStoryItems).Get(key)
	if v == nil {
		return indexEntry{}, false, nil
	}
	e, err := decodeEntry(v, s.post.words())
	if err != nil {
		return e, true, fmt.Errorf("story index entry %x: %w", key, err)
	}
	return e, true, nil
}

// index records a newly stored item in the finding indexes, unless its
// source keeps out of stories.
func (s *storyIndex) index(it pressfeed.Item) error {
	src, err := s.source(it.SourceID)
	if err != nil || !src.Clusters() {
		return err
	}
	key, err := keyBytes(it.Key)
	if err != nil {
		return err
	}
	e := indexEntry{SourceID: it.SourceID, StoryID: it.StoryID, Published: it.Published, FirstSeen: it.FirstSeen,
		Link: storyLink(it.Link), Features: s.features(it, src.Name)}
	r, ok := s.ranked[it.Key]
	if ok {
		delete(s.ranked, it.Key)
	} else {
		r = s.rank(e.Features)
	}
	e.Posted = r.postingWords()
	x := posting{at: timeNS(it.Published), key: [16]byte(key)}
	for _, w := range e.Posted {
		s.post.add(w, x)
	}
	if e.Link != "" {
		if err := s.tx.Bucket(bucketStoryLinks).Put(append(append([]byte(e.Link), 0), key...), nil); err != nil {
			return err
		}
	}
	recent := s.tx.Bucket(bucketStoryRecent)
	recent.FillPercent = appendFill // keyed by first sighting: it grows at its end
	if err := recent.Put(timeKey(it.FirstSeen, key), nil); err != nil {
		return err
	}
	v, err := encodeEntry(e, s.post.vocab)
	if err != nil {
		return err
	}
	return s.tx.Bucket(bucketStoryItems).Put(key, v)
}

// reindex replaces a changed item's index entries, if it still has any: a
// changed title must find later copies by its new words. The item keeps its
// story; only later arrivals see the change.
func (s *storyIndex) reindex(old, next pressfeed.Item) error {
	key, err := keyBytes(old.Key)
	if err != nil {
		return err
	}
	found, err := s.unindex(key)
	if err != nil || !found {
		return err
	}
	return s.index(next)
}

// unindex deletes every index entry of the item with key and reports
// whether it had any.
func (s *storyIndex) unindex(key []byte) (bool, error) {
	e, found, err := s.entry(key)
	if err != nil || !found {
		return false, err
	}
	x := posting{at: timeNS(e.Published), key: [16]byte(key)}
	for _, w := range e.Posted {
		s.post.remove(w, x)
	}
	if e.Link != "" {
		if err := s.tx.Bucket(bucketStoryLinks).Delete(append(append([]byte(e.Link), 0), key...)); err != nil {
			return true, err
		}
	}
	if err := s.tx.Bucket(bucketStoryRecent).Delete(timeKey(e.FirstSeen, key)); err != nil {
		return true, err
	}
	return true, s.tx.Bucket(bucketStoryItems).Delete(key)
}

// prune drops the entries of items first seen before the horizon: they can
// no longer be joined (find ignores them until then). Each Ingest prunes what
// aged out since the last, so the cost is spread over polls.
func (s *storyIndex) prune() error {
	horizon := timeKey(s.horizon, nil)
	recent := s.tx.Bucket(bucketStoryRecent)
	var old [][]byte
	c := recent.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], horizon) < 0; k, _ = c.Next() {
		old = append(old, append([]byte(nil), k...))
	}
	for _, rk := range old {
		found, err := s.unindex(rk[8:])
		if err != nil {
			return err
		}
		if !found { // an entry lost its item's record: drop it all the same
			if err := recent.Delete(rk); err != nil {
				return err
			}
		}
	}
	return nil
}

// keyBytes decodes an item or story key (32 hex digits) as the binary
// indexes hold it.
func keyBytes(key string) ([]byte, error) {
	b, err := hex.DecodeString(key)
	if err != nil || len(b) != 16 {
		return nil, fmt.Errorf("key %q is not 32 hex digits", key)
	}
	return b, nil
}
