package index

import (
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// storyRecord is a story as stored: every member, in the order the store
// first saw them, and the latest change of any of them. The first member's
// key is the story's id for ever: members only ever join at the end, and
// stories are never merged or split, so no entry id a reader has seen goes
// away. The primary, the member the story is shown as, is chosen when it is
// read (storyView): the earliest published.
type storyRecord struct {
	Members []storyMember `json:"members"`
	Updated time.Time     `json:"updated"`
}

// storyMember is one item of a story: which source published it, where and
// when. Published lets a page pick a story's representative without reading
// its members, and FirstSeen and Updated let it name the other members
// without reading them (see storyView). Records written before each was kept
// have it zero, and their members are read instead.
type storyMember struct {
	Key       string    `json:"key"`
	SourceID  string    `json:"source_id"`
	Link      string    `json:"link,omitempty"`
	Published time.Time `json:"published,omitzero"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
	Updated   time.Time `json:"updated,omitzero"`
}

// memberOf is what a story record keeps of an item.
func memberOf(it pressfeed.Item) storyMember {
	return storyMember{Key: it.Key, SourceID: it.SourceID, Link: it.Link,
		Published: it.Published, FirstSeen: it.FirstSeen, Updated: it.Updated}
}

// item returns the member as an item that carries only what a story page
// reads of a member other than its primary: key, source, link and times.
func (m storyMember) item(storyID string) pressfeed.Item {
	return pressfeed.Item{Key: m.Key, SourceID: m.SourceID, Link: m.Link,
		Published: m.Published, FirstSeen: m.FirstSeen, Updated: m.Updated, StoryID: storyID}
}

// complete reports whether the record holds all that item returns: records
// written before the member times were kept do not, and their members are
// read.
func (m storyMember) complete() bool { return !m.Published.IsZero() && !m.FirstSeen.IsZero() }

func (r *storyRecord) hasSource(id string) bool {
	for _, m := range r.Members {
		if m.SourceID == id {
			return true
		}
	}
	return false
}

// loadStory reads the story with id (hex) and reports whether it exists.
func loadStory(tx *bolt.Tx, id string) (*storyRecord, bool, error) {
	key, err := keyBytes(id)
	if err != nil {
		return nil, false, err
	}
	rec := &storyRecord{}
	b := tx.Bucket(bucketStories)
	if b == nil { // a schema-1 store opened read-only
		return rec, false, nil
	}
	v := b.Get(key)
	if v == nil {
		return rec, false, nil
	}
	if err := decodeRecord(v, rec); err != nil {
		return rec, true, fmt.Errorf("decode story %s: %w", id, err)
	}
	return rec, true, nil
}

func putStory(tx *bolt.Tx, id string, rec *storyRecord) error {
	key, err := keyBytes(id)
	if err != nil {
		return err
	}
	v, err := encodeRecord(rec)
	if err != nil {
		return fmt.Errorf("story %s: %w", id, err)
	}
	return tx.Bucket(bucketStories).Put(key, v)
}

// joinStory adds a newly stored item to its story (it.StoryID), creating the
// story when the item is its first member.
func joinStory(tx *bolt.Tx, it pressfeed.Item) error {
	rec, _, err := loadStory(tx, it.StoryID)
	if err != nil {
		return err
	}
	rec.Members = append(rec.Members, memberOf(it))
	if c := it.LastChange(); c.After(rec.Updated) {
		rec.Updated = c
	}
	return putStory(tx, it.StoryID, rec)
}

// touchStory records a changed member: its link and times, and the story's
// updated time. The member keeps its place.
func touchStory(tx *bolt.Tx, it pressfeed.Item) error {
	rec, found, err := loadStory(tx, it.StoryID)
	if err != nil || !found {
		return err
	}
	for i := range rec.Members {
		if rec.Members[i].Key == it.Key {
			rec.Members[i] = memberOf(it)
		}
	}
	if c := it.LastChange(); c.After(rec.Updated) {
		rec.Updated = c
	}
	return putStory(tx, it.StoryID, rec)
}

// place sets the story of a new item: the story it joins, or its own key
// when it starts one. The item is not stored yet.
func (s *storyIndex) place(in *pressfeed.Item) error {
	id, err := s.find(*in)
	if err != nil {
		return err
	}
	if id == "" {
		id = in.Key
	}
	in.StoryID = id
	return nil
}

// added records a newly stored item in its story and in the indexes that
// let later items find it.
func (s *storyIndex) added(it pressfeed.Item) error {
	if err := joinStory(s.tx, it); err != nil {
		return err
	}
	return s.index(it)
}

// changed records a stored item's new version: the story's link and time,
// and the index entries. The item stays in its story.
func (s *storyIndex) changed(old, next pressfeed.Item) error {
	if err := touchStory(s.tx, next); err != nil {
		return err
	}
	return s.reindex(old, next)
}

// storyView decides how the item it, reached while walking a query's index,
// appears in a grouped page. A story appears once, at the position of its
// representative: of the members the query's source and text filters let
// through, the one published earliest (the first seen, on a tie), which for
// an unfiltered query is the primary. It returns the whole story, primary
// first, and true when it is that representative, and false when another
// member represents the story.
//
// Why this way: every story has exactly one position in any view, so pages
// never repeat or skip it; a reader of source=X sees X's stories at X's
// time; and a story keeps its place when a copy published later joins it.
// A copy dated earlier, seen later, becomes the primary and moves the story
// back to its own time: the story's id, and so every entry id, stays.
func storyView(tx *bolt.Tx, it pressfeed.Item, allowed map[string]bool, words []string) (pressfeed.Story, bool, error) {
	if it.StoryID == "" {
		return pressfeed.SingleStory(it), true, nil
	}
	rec, found, err := loadStory(tx, it.StoryID)
	if err != nil {
		return pressfeed.Story{}, false, err
	}
	if !found { // an item stored before stories were
		st := pressfeed.SingleStory(it)
		st.ID = it.StoryID
		return st, true, nil
	}
	items := itemsOf(tx)
	// Is another member that passes the filters published before it? The
	// recorded times answer without reading the members, except for a text
	// filter, which needs the member itself.
	self := slices.IndexFunc(rec.Members, func(m storyMember) bool { return m.Key == it.Key })
	before := func(i int, published time.Time) bool {
		return published.Before(it.Published) || published.Equal(it.Published) && (self < 0 || i < self)
	}
	for i, m := range rec.Members {
		if i == self || allowed != nil && !allowed[m.SourceID] {
			continue
		}
		if !m.Published.IsZero() && !before(i, m.Published) {
			continue
		}
		if m.Published.IsZero() || len(words) > 0 {
			mi, found, err := loadItem(items, m.Key)
			if err != nil {
				return pressfeed.Story{}, false, err
			}
			if !found || !before(i, mi.Published) || !matchWords(words, mi) {
				continue
			}
		} else if k, err := keyBytes(m.Key); err != nil || items.Get(k) == nil {
			continue // a member gone from the store represents nothing
		}
		return pressfeed.Story{}, false, nil // an earlier member represents it
	}
	members, partial, err := storyMembers(items, rec, it)
	if err != nil {
		return pressfeed.Story{}, false, err
	}
	primary := 0
	for i := range members {
		if publishedBefore(members, i, primary) {
			primary = i
		}
	}
	if p := &members[primary]; partial[primary] {
		// The primary is shown whole: read it.
		full, found, err := loadItem(items, p.Key)
		if err != nil {
			return pressfeed.Story{}, false, err
		}
		if found {
			*p = full
		}
	}
	st := pressfeed.Story{ID: it.StoryID, Members: make([]pressfeed.Item, 0, len(members)), Updated: rec.Updated}
	st.Members = append(st.Members, members[primary])
	st.Members = append(st.Members, members[:primary]...)
	st.Members = append(st.Members, members[primary+1:]...)
	if c := it.LastChange(); c.After(st.Updated) {
		st.Updated = c
	}
	return st, true, nil
}

// storyMembers returns the members of the story rec that it belongs to, in
// the record's order, it itself whole and the others as the record names
// them (storyMember.item), read from the store only where the record is too
// old to name them. partial[i] reports that members[i] is the record's
// part. A member deleted since is left out.
func storyMembers(items itemTable, rec *storyRecord, it pressfeed.Item) (members []pressfeed.Item, partial []bool, err error) {
	members = make([]pressfeed.Item, 0, len(rec.Members)+1)
	partial = make([]bool, 0, cap(members))
	self := false
	for _, m := range rec.Members {
		switch {
		case m.Key == it.Key:
			members, partial, self = append(members, it), append(partial, false), true
		case m.complete():
			if k, err := keyBytes(m.Key); err == nil && items.Get(k) != nil {
				members, partial = append(members, m.item(it.StoryID)), append(partial, true)
			}
		default:
			mi, found, err := loadItem(items, m.Key)
			if err != nil {
				return nil, nil, err
			}
			if found {
				members, partial = append(members, mi), append(partial, false)
			}
		}
	}
	if !self { // a record that lost track of it: show it all the same
		members, partial = append(members, it), append(partial, false)
	}
	return members, partial, nil
}

// publishedBefore reports whether members[i] comes before members[j] in a
// story: published earlier, or at the same time and seen first.
func publishedBefore(members []pressfeed.Item, i, j int) bool {
	a, b := members[i].Published, members[j].Published
	return a.Before(b) || a.Equal(b) && i < j
}

// loadItem reads the item with key (hex) and reports whether it exists.
func loadItem(items itemTable, key string) (pressfeed.Item, bool, error) {
	var it pressfeed.Item
	k, err := keyBytes(key)
	if err != nil {
		return it, false, err
	}
	found, err := getJSON(items, k, &it)
	return it, found, err
}

// FindStory returns the id of the stored story an item from sourceID would
// join if it were ingested now, or "" when it would start a story of its
// own. It only reads, so the benchmarks time the lookup alone with it, and
// a tool can ask where an item would go without storing it.
func (db *DB) FindStory(ctx context.Context, sourceID string, it pressfeed.Item) (string, error) {
	it.SourceID = sourceID
	it.Key = pressfeed.ItemKey(sourceID, it.GUID)
	now := db.now().UTC()
	it.Published = clampPublished(it.Published, now)
	var id string
	err := db.storyView(ctx, func(tx *bolt.Tx, post *postingsTx) error {
		var err error
		id, err = newStoryIndex(tx, db, now, nil, post).find(it)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("find story for %s: %w", sourceID, err)
	}
	return id, nil
}
