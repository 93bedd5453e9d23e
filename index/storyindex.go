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
// maxCandidates how many of those are compared in full.
const (
	postingCap    = 256
	maxCandidates = 32
	minHits       = 3 // the weakest rule needs three shared words
)

// recentEntry is what story_recent keeps of an item first seen within the
// window: enough to delete its postings and link again.
type recentEntry struct {
	Published time.Time `json:"published"`
	Link      string    `json:"link,omitempty"` // canonical; empty when not indexed
	Words     []string  `json:"words"`
}

// storyIndex finds stories for a poll's items inside Ingest's write
// transaction, and keeps the indexes it finds them through: story_words
// (significant word → items), story_links (canonical link → items) and
// story_recent (first-seen time → what to delete when the item leaves the
// window). Only items first seen within the window are indexed, so a lookup
// costs the same in a store of a thousand items as in one of a million.
type storyIndex struct {
	tx      *bolt.Tx
	window  time.Duration
	params  similar.Params
	sources map[string]pressfeed.Source // read once per transaction
}

func newStoryIndex(tx *bolt.Tx, db *DB) *storyIndex {
	return &storyIndex{tx: tx, window: db.window, params: db.params, sources: make(map[string]pressfeed.Source)}
}

// source returns the stored definition of id; an unknown source (one
// deleted, or never defined, as in tests) clusters under its id's name.
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
// for the item: an absolute http(s) URL with a path. A site's home page, which
// feeds give for items that have no page of their own, stands for nothing.
func storyLink(link string) string {
	c := pressfeed.CanonicalURL(link)
	u, err := url.Parse(c)
	if err != nil || u.Scheme != "https" || u.Path == "/" {
		return ""
	}
	return c
}

// find returns the id of the story it should join: that of a recent item
// from another source with the same canonical link, else that of the
// recent item from another source that Compare finds the same story (the
// strongest, if several). It returns "" when the item starts its own story.
// A story that already has a member from the item's source is never
// joined: a source's second copy of a release is an item of its own.
func (s *storyIndex) find(it pressfeed.Item) (string, error) {
	src, err := s.source(it.SourceID)
	if err != nil || !src.Clusters() {
		return "", err
	}
	lo, hi := it.Published.Add(-s.window), it.Published.Add(s.window)
	stories := make(map[string]*storyRecord)
	eligible := func(cand pressfeed.Item) (bool, error) {
		if cand.SourceID == it.SourceID || cand.StoryID == "" {
			return false, nil
		}
		if cand.Published.Before(lo) || cand.Published.After(hi) {
			return false, nil
		}
		csrc, err := s.source(cand.SourceID)
		if err != nil || !csrc.Clusters() {
			return false, err
		}
		rec, ok := stories[cand.StoryID]
		if !ok {
			var err error
			if rec, _, err = loadStory(s.tx, cand.StoryID); err != nil {
				return false, err
			}
			stories[cand.StoryID] = rec
		}
		return !rec.hasSource(it.SourceID), nil
	}

	if link := storyLink(it.Link); link != "" {
		prefix := append([]byte(link), 0)
		c := s.tx.Bucket(bucketStoryLinks).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			cand, err := s.item(k[len(prefix):])
			if err != nil {
				return "", err
			}
			if ok, err := eligible(cand); err != nil || ok {
				return cand.StoryID, err
			}
		}
	}

	f := features(it, src.Name)
	var (
		best     string
		strength float64
	)
	for _, key := range s.candidates(f.Words, lo, hi) {
		cand, err := s.item(key)
		if err != nil {
			return "", err
		}
		ok, err := eligible(cand)
		if err != nil {
			return "", err
		}
		if !ok {
			continue
		}
		csrc, err := s.source(cand.SourceID)
		if err != nil {
			return "", err
		}
		v := s.params.Compare(f, features(cand, csrc.Name))
		if v.Same && (best == "" || v.Strength() > strength) {
			best, strength = cand.StoryID, v.Strength()
		}
	}
	return best, nil
}

// candidates returns the keys of indexed items published between lo and hi
// that share at least minHits of words, most shared first, at most
// maxCandidates of them.
func (s *storyIndex) candidates(words []string, lo, hi time.Time) [][]byte {
	hits := make(map[string]int)
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
			hits[string(tk[8:])]++
			k, _ = c.Prev()
		}
	}
	var keys [][]byte
	for k, n := range hits {
		if n >= minHits {
			keys = append(keys, []byte(k))
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := hits[string(keys[i])], hits[string(keys[j])]
		return a > b || a == b && bytes.Compare(keys[i], keys[j]) < 0
	})
	if len(keys) > maxCandidates {
		keys = keys[:maxCandidates]
	}
	return keys
}

func (s *storyIndex) item(key []byte) (pressfeed.Item, error) {
	var it pressfeed.Item
	found, err := getJSON(s.tx.Bucket(bucketItems), key, &it)
	if err == nil && !found {
		err = fmt.Errorf("indexed item %x is not stored", key)
	}
	return it, err
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
	e := recentEntry{Published: it.Published, Link: storyLink(it.Link), Words: features(it, src.Name).Words}
	words := s.tx.Bucket(bucketStoryWords)
	for _, w := range e.Words {
		if err := words.Put(append(append([]byte(w), 0), timeKey(it.Published, key)...), nil); err != nil {
			return err
		}
	}
	if e.Link != "" {
		if err := s.tx.Bucket(bucketStoryLinks).Put(append(append([]byte(e.Link), 0), key...), nil); err != nil {
			return err
		}
	}
	return putJSON(s.tx.Bucket(bucketStoryRecent), timeKey(it.FirstSeen, key), e)
}

// reindex replaces a changed item's index entries, if it still has any: a
// changed title must find later copies by its new words. The item keeps its
// story; only later arrivals see the change.
func (s *storyIndex) reindex(old, next pressfeed.Item) error {
	key, err := keyBytes(old.Key)
	if err != nil {
		return err
	}
	found, err := s.unindex(timeKey(old.FirstSeen, key))
	if err != nil || !found {
		return err
	}
	return s.index(next)
}

// unindex deletes the entries recorded under the story_recent key rk and
// reports whether there were any.
func (s *storyIndex) unindex(rk []byte) (bool, error) {
	recent := s.tx.Bucket(bucketStoryRecent)
	var e recentEntry
	found, err := getJSON(recent, rk, &e)
	if err != nil || !found {
		return false, err
	}
	key := rk[8:]
	words := s.tx.Bucket(bucketStoryWords)
	for _, w := range e.Words {
		if err := words.Delete(append(append([]byte(w), 0), timeKey(e.Published, key)...)); err != nil {
			return true, err
		}
	}
	if e.Link != "" {
		if err := s.tx.Bucket(bucketStoryLinks).Delete(append(append([]byte(e.Link), 0), key...)); err != nil {
			return true, err
		}
	}
	return true, recent.Delete(rk)
}

// prune drops the entries of items first seen before now less the window:
// they can no longer be joined. Each Ingest prunes what aged out since the
// last, so the cost is spread over polls.
func (s *storyIndex) prune(now time.Time) error {
	horizon := timeKey(now.Add(-s.window), nil)
	var old [][]byte
	c := s.tx.Bucket(bucketStoryRecent).Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], horizon) < 0; k, _ = c.Next() {
		old = append(old, append([]byte(nil), k...))
	}
	for _, rk := range old {
		if _, err := s.unindex(rk); err != nil {
			return err
		}
	}
	return nil
}

// keyBytes decodes an item or story key (32 hex digits) as stored in the
// binary indexes.
func keyBytes(key string) ([]byte, error) {
	b, err := hex.DecodeString(key)
	if err != nil || len(b) != 16 {
		return nil, fmt.Errorf("key %q is not 32 hex digits", key)
	}
	return b, nil
}
