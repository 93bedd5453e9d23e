package index

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"html"
	"net/url"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
	"pressfeed/similar"
)

// How hard a new item looks for its story. Both bound the work of one
// lookup whatever the store holds: postingCap is how many items one word
// can bring in (the nearest in time first; a word that common says little),
// maxCandidates how many of those are compared.
const (
	postingCap    = 256
	maxCandidates = 32
	minHits       = 3 // the weakest rule needs three shared words
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
}

// storyIndex finds stories for a poll's items inside Ingest's write
// transaction (or FindStory's read one), and keeps the indexes it finds
// them through: story_words (significant word → items by publication
// time), story_links (canonical link → items), story_items (item → its
// indexEntry) and story_recent (first-seen time → item, for pruning). Only
// items first seen within the window are indexed, so a lookup costs about
// the same in a store of a thousand items as in one of a million.
type storyIndex struct {
	tx      *bolt.Tx
	window  time.Duration
	horizon time.Time // items first seen before it can no longer be joined
	params  similar.Params
	sources map[string]pressfeed.Source // read once per transaction
}

// newStoryIndex works in tx as of the time now.
func newStoryIndex(tx *bolt.Tx, db *DB, now time.Time) *storyIndex {
	return &storyIndex{tx: tx, window: db.window, horizon: now.Add(-db.window), params: db.params, sources: make(map[string]pressfeed.Source)}
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
	text := it.Summary
	if text == "" {
		text = it.Content
	}
	return similar.Extract(similar.Doc{
		Title:     html.UnescapeString(it.Title),
		Text:      html.UnescapeString(stripTags(text)),
		Publisher: publisher,
	})
}

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

	f := features(it, src.Name)
	var (
		best     string
		strength float64
	)
	for _, key := range s.candidates(f.Words, lo, hi) {
		e, found, err := s.entry(key[:])
		if err != nil {
			return "", err
		}
		if !found {
			continue
		}
		ok, err := near(e)
		if err != nil {
			return "", err
		}
		if !ok {
			continue
		}
		v := s.params.Compare(f, e.Features)
		if !v.Same || best != "" && v.Strength() <= strength {
			continue
		}
		if ok, err = canJoin(e.StoryID); err != nil {
			return "", err
		}
		if ok {
			best, strength = e.StoryID, v.Strength()
		}
	}
	return best, nil
}

// candidates returns the keys of indexed items published between lo and hi
// that share at least minHits of words, most shared first, at most
// maxCandidates of them.
func (s *storyIndex) candidates(words []string, lo, hi time.Time) [][16]byte {
	hits := make(map[[16]byte]int)
	c := s.tx.Bucket(bucketStoryWords).Cursor()
	upper := timeKey(hi.Add(time.Nanosecond), nil)
	for _, w := range words {
		prefix := append([]byte(w), 0)
		k, _ := c.Seek(append(append([]byte(nil), prefix...), upper...))
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for n := 0; k != nil && bytes.HasPrefix(k, prefix) && n < postingCap; n++ {
			tk := k[len(prefix):]
			if keyTime(tk).Before(lo) {
				break
			}
			hits[[16]byte(tk[8:])]++
			k, _ = c.Prev()
		}
	}
	var keys [][16]byte
	for k, n := range hits {
		if n >= minHits {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := hits[keys[i]], hits[keys[j]]
		return a > b || a == b && bytes.Compare(keys[i][:], keys[j][:]) < 0
	})
	if len(keys) > maxCandidates {
		keys = keys[:maxCandidates]
	}
	return keys
}

// entry reads the index entry of the item with key.
func (s *storyIndex) entry(key []byte) (indexEntry, bool, error) {
	var e indexEntry
	v := s.tx.Bucket(bucketStoryItems).Get(key)
	if v == nil {
		return e, false, nil
	}
	if err := e.UnmarshalBinary(v); err != nil {
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
		Link: storyLink(it.Link), Features: features(it, src.Name)}
	words := s.tx.Bucket(bucketStoryWords)
	for _, w := range e.Features.Words {
		if err := words.Put(append(append([]byte(w), 0), timeKey(it.Published, key)...), nil); err != nil {
			return err
		}
	}
	if e.Link != "" {
		if err := s.tx.Bucket(bucketStoryLinks).Put(append(append([]byte(e.Link), 0), key...), nil); err != nil {
			return err
		}
	}
	if err := s.tx.Bucket(bucketStoryRecent).Put(timeKey(it.FirstSeen, key), nil); err != nil {
		return err
	}
	v, err := e.MarshalBinary()
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
	words := s.tx.Bucket(bucketStoryWords)
	for _, w := range e.Features.Words {
		if err := words.Delete(append(append([]byte(w), 0), timeKey(e.Published, key)...)); err != nil {
			return true, err
		}
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
