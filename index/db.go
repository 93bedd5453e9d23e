// Package index is pressfeed's store: one bbolt file holding the source
// list, each source's fetch state, every item and the indexes the merged
// feed is read through. It is the only package that touches the file.
package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
	"pressfeed/similar"
)

// SchemaVersion is the layout version written to a new store. Open refuses a
// file written by a newer version rather than misreading it, and upgrades an
// older one in place (see migrate.go).
//
//   - 1: sources, state, items, by_time, by_source.
//   - 2: adds stories and the story_words, story_links, story_items and
//     story_recent indexes that find an item's story.
//   - 3: adds story_df, the count of story_words postings under each word.
//   - 4: by_time's values hold each item's search text (search.go).
//   - 5: items are compressed (codec.go).
//   - 6: the word postings live in memory (postings.go): story_words and
//     story_df are dropped.
//   - 7: adds marks, the fetcher's marks of each source's last stored poll
//     (pressfeed.SourceState.Marks), written with the poll's items; an
//     older program, which would leave them stale, refuses the store.
//   - 8: search texts hold word numbers (searchTextV2) from the new vocab
//     bucket (vocab.go) instead of the words themselves.
//   - 9: story records are binary (storycodec.go) and carry each member's
//     first-seen and updated times, so a page names a story's members
//     without reading them.
//   - 10: story index entries hold word numbers from the vocabulary and
//     their story id in binary (entry format 3, storycodec.go).
//   - 11: adds dicts; items may be compressed against the store's
//     dictionary (dict.go), which an older program could not read.
//   - 12: items move from items (by key) to item_data (by arrival number),
//     found through item_seq (itemtable.go).
const SchemaVersion = 12

// Bucket names. Keys are described where each bucket is used.
var (
	bucketMeta     = []byte("meta")      // "schema" → version
	bucketSources  = []byte("sources")   // source id → Source JSON
	bucketState    = []byte("state")     // source id → SourceState JSON
	bucketItems    = []byte("items")     // before schema 12: item key (16 bytes) → item value (itemtable.go)
	bucketByTime   = []byte("by_time")   // published (8) | item key (16) → search text (search.go)
	bucketBySource = []byte("by_source") // source id | 0 | published (8) | item key (16) → nil
	bucketMarks    = []byte("marks")     // source id → SourceState.Marks of its last stored poll
	bucketVocab    = []byte("vocab")     // word → its number in search texts and story index entries (vocab.go)

	// Stories (stories.go) and the indexes that find a new item's story
	// (storyindex.go). The three story_ indexes hold only items first seen
	// within the story window.
	bucketStories     = []byte("stories")      // story id (16) → storyRecord, binary (storycodec.go)
	bucketStoryLinks  = []byte("story_links")  // canonical link | 0 | item key (16) → nil
	bucketStoryItems  = []byte("story_items")  // item key (16) → indexEntry, binary (storycodec.go)
	bucketStoryRecent = []byte("story_recent") // first seen (8) | item key (16) → nil

	// Dropped at schema 6 (their content is in memory: postings.go).
	bucketStoryWords = []byte("story_words") // word | 0 | published (8) | item key (16) → nil
	bucketStoryDF    = []byte("story_df")    // word → number of story_words postings under it

	allBuckets = [][]byte{bucketMeta, bucketSources, bucketState, bucketItemData, bucketItemSeq, bucketByTime, bucketBySource, bucketMarks, bucketVocab, bucketDicts,
		bucketStories, bucketStoryLinks, bucketStoryItems, bucketStoryRecent,
		bucketAudit, bucketTokens}
)

// DefaultStoryWindow is how far apart in publication time two items may be
// and still be one story, and how long an item can be joined after it is
// first seen.
const DefaultStoryWindow = 7 * 24 * time.Hour

// Options tune Open. Zero values take the defaults noted.
type Options struct {
	// Timeout is how long Open waits for another process to release the
	// file before it returns pressfeed.ErrStoreLocked; one second.
	Timeout time.Duration
	// Now is the clock used for first-seen and update times; time.Now.
	Now func() time.Time
	// ReadOnly opens the file without taking the write lock.
	ReadOnly bool
	// StoryWindow is how far apart in publication time items from
	// different sources may be and still be one story; DefaultStoryWindow.
	StoryWindow time.Duration
	// NoSync skips the fsync after each write: for benchmarks, tests and
	// bulk loads only, since a crash can then corrupt the file.
	NoSync bool
	// ValidateSource checks a source definition beyond the domain's own
	// rules (Source.Validate, always applied): its selectors, rules and
	// schedule, which only the fetcher and scheduler can judge. Every write
	// of a definition passes through both, so no caller can store one that
	// fails; nil applies Source.Validate alone.
	ValidateSource func(pressfeed.Source) error
}

// allocSize is how much the file grows by when bbolt needs pages past its
// end: a MiB, not bbolt's 16, so that a store is not up to 16 MiB larger
// than what it holds (up to a third of a kilobyte an item at 50,000). A
// growth costs a truncate and a sync, some hundred in a store's first
// hundred megabytes.
const allocSize = 1 << 20

// DB is an open store. Its methods are safe for concurrent use.
type DB struct {
	bolt   *bolt.DB
	path   string
	now    func() time.Time
	window time.Duration
	params similar.Params
	gen    atomic.Uint64
	check  func(pressfeed.Source) error
	// numberedTexts: every search text is searchTextV2, as in every store
	// of schema 8 or later, so a query word that no vocabulary word holds
	// matches nothing without a walk (Stories).
	numberedTexts bool

	statsCache statsCache  // stats.go
	states     stateBuffer // statebuf.go
	post       postings    // postings.go
	vocab      vocabulary  // vocab.go
	// dict is what new items are compressed against (dict.go); nil until
	// the store has made one.
	dict atomic.Pointer[itemDict]
}

// Open opens or creates the store at path. It returns an error wrapping
// pressfeed.ErrStoreLocked when another process holds the file.
func Open(path string, opts Options) (*DB, error) {
	db, err := openUnloaded(path, opts)
	if err != nil {
		return nil, err
	}
	if err := db.loadVocabulary(); err != nil {
		db.bolt.Close()
		return nil, fmt.Errorf("open store %s: load the vocabulary and item dictionaries: %w", path, err)
	}
	return db, nil
}

// loadVocabulary loads the vocabulary (vocab.go) and the item
// dictionaries (dict.go). bbolt panics on a page that is not what its
// parent says; that is a damaged file, and is said so rather than crashing
// the process that opened it.
func (db *DB) loadVocabulary() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the store is damaged (%v); pressfeed verify lists the damage", p)
		}
	}()
	return db.bolt.View(func(tx *bolt.Tx) error {
		if err := db.vocab.load(tx); err != nil {
			return err
		}
		d, err := loadDicts(tx)
		db.dict.Store(d)
		return err
	})
}

// openUnloaded is Open without the search vocabulary, for VerifyFile, which
// must read a damaged file's pages only through bbolt's own check.
func openUnloaded(path string, opts Options) (*DB, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StoryWindow <= 0 {
		opts.StoryWindow = DefaultStoryWindow
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly, NoSync: opts.NoSync})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, pressfeed.ErrStoreLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	b.AllocSize = allocSize
	db := &DB{bolt: b, path: path, now: opts.Now, window: opts.StoryWindow, params: similar.DefaultParams(), check: opts.ValidateSource}
	if opts.ReadOnly {
		schema, err := db.readableSchema()
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("open store %s read-only: %w", path, err)
		}
		db.numberedTexts = schema >= 8
	}
	if !opts.ReadOnly {
		if err := db.init(); err != nil {
			b.Close()
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
		db.numberedTexts = true // init upgraded the store to SchemaVersion
	}
	return db, nil
}

func (db *DB) init() error {
	if ready, err := db.initialized(); err != nil || ready {
		return err // when ready, no write: every commit costs a sync
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		got, err := schemaOf(meta)
		if err != nil {
			return err
		}
		if got == 0 {
			return meta.Put([]byte("schema"), []byte(fmt.Sprint(SchemaVersion)))
		}
		if got < SchemaVersion {
			if err := db.vocab.load(tx); err != nil {
				return err
			}
			vt := db.vocab.begin(tx)
			defer vt.abort() // Open loads the vocabulary as committed
			if err := db.migrate(tx, vt, got); err != nil {
				return fmt.Errorf("upgrade schema %d to %d: %w", got, SchemaVersion, err)
			}
			return meta.Put([]byte("schema"), []byte(fmt.Sprint(SchemaVersion)))
		}
		return nil
	})
}

// readableSchema refuses, for a read-only open (which cannot upgrade), a
// store written by a newer program: its layout may differ in ways this one
// would misread. A store with no schema yet and an older one are read as
// they are. It returns the store's schema.
func (db *DB) readableSchema() (int, error) {
	var schema int
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		schema, err = schemaOf(tx.Bucket(bucketMeta))
		return err
	})
	return schema, err
}

// schemaOf reads the store's schema version: 0 when none is recorded, an
// error when it is unreadable or newer than this program's.
func schemaOf(meta *bolt.Bucket) (int, error) {
	if meta == nil {
		return 0, nil
	}
	v := meta.Get([]byte("schema"))
	if v == nil {
		return 0, nil
	}
	var got int
	if _, err := fmt.Sscan(string(v), &got); err != nil {
		return 0, fmt.Errorf("schema version %q is unreadable", v)
	}
	if got > SchemaVersion {
		return 0, fmt.Errorf("schema version %d is newer than this program's %d: use the newer pressfeed", got, SchemaVersion)
	}
	return got, nil
}

// Close commits buffered source states (statebuf.go) and closes the file.
func (db *DB) Close() error {
	ferr := db.closeStates()
	if err := db.bolt.Close(); err != nil {
		return err
	}
	return ferr
}

// Path returns the file the store was opened from.
func (db *DB) Path() string { return db.path }

// Generation changes whenever a write changes what a query could return.
// Readers cache rendered output against it.
func (db *DB) Generation() uint64 { return db.gen.Load() }

func (db *DB) changed() { db.gen.Add(1) }

// getter is what getJSON reads from: a bucket, or the items (itemtable.go).
type getter interface{ Get(key []byte) []byte }

// getJSON decodes the value at key into v and reports whether it existed.
func getJSON(b getter, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := decodeJSON(data, v); err != nil {
		return true, fmt.Errorf("decode %x: %w", key, err)
	}
	return true, nil
}

// putter is what putJSON writes to: a bucket, or the items.
type putter interface{ Put(key, value []byte) error }

func putJSON(b putter, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// view runs fn in a read transaction unless ctx is already done, so a
// request or poll that was called off starts no more store work.
func (db *DB) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(fn)
}

// update runs fn in a write transaction unless ctx is already done. Once
// begun, a write is not interrupted: it commits whole or not at all, like
// every bbolt transaction.
func (db *DB) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.Update(fn)
}
