package index

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// postings is the word index that finds a new item's story candidates,
// kept in memory: for each significant word, the items of the story window
// posted under it (indexEntry.Posted), by publication time. It was the
// story_words and story_df buckets until schema 6; in memory it costs the
// writer no page writes and the file 1.6 KB an item of the window, and it
// is rebuilt from story_items, which still records each entry's words, at
// the first lookup after Open.
//
// mu is held for writing around every write transaction that changes
// story_items (storyUpdate) and for reading around lookups (storyView), so
// the postings always match what is committed: a transaction that fails
// has its changes to them undone before mu is released.
type postings struct {
	mu    sync.RWMutex
	built bool
	words map[string][]posting
}

// posting is one item under one word: its publication time as the time
// index keys it (timeNS) and its key. A word's postings sort by both.
type posting struct {
	at  uint64
	key [16]byte
}

func comparePostings(a, b posting) int {
	if a.at != b.at {
		if a.at < b.at {
			return -1
		}
		return 1
	}
	return bytes.Compare(a.key[:], b.key[:])
}

func (p *postings) add(w string, x posting) {
	list := p.words[w]
	i, found := slices.BinarySearchFunc(list, x, comparePostings)
	if !found {
		p.words[w] = slices.Insert(list, i, x)
	}
}

func (p *postings) remove(w string, x posting) bool {
	list := p.words[w]
	i, found := slices.BinarySearchFunc(list, x, comparePostings)
	if !found {
		return false
	}
	if len(list) == 1 {
		delete(p.words, w)
	} else {
		p.words[w] = slices.Delete(list, i, i+1)
	}
	return true
}

// count is how many items are posted under w: the word's rarity.
func (p *postings) count(w string) int { return len(p.words[w]) }

// newest calls fn with the items under w published from lo to hi
// (inclusive), newest first, at most max of them.
func (p *postings) newest(w string, lo, hi uint64, max int, fn func(key [16]byte)) {
	list := p.words[w]
	i, _ := slices.BinarySearchFunc(list, posting{at: hi + 1}, comparePostings)
	for n := 0; i > 0 && n < max; n++ {
		i--
		if list[i].at < lo {
			return
		}
		fn(list[i].key)
	}
}

// build fills the postings from story_items, once; the caller holds mu.
// It reads of each entry only its time and posted words (postedWords),
// whose strings are the vocabulary's own (v), and visits the entries by
// time, so every word's list comes out sorted.
func (p *postings) build(db *bolt.DB, v *vocabulary) error {
	if p.built {
		return nil
	}
	index := make(map[string]int) // word → its list in lists
	var lists [][]posting
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStoryItems)
		if b == nil {
			return nil
		}
		vocab, err := v.in(tx)
		if err != nil {
			return err
		}
		words := readWords(vocab)
		type entry struct {
			x posting
			v []byte // valid for the transaction
		}
		var entries []entry
		err = b.ForEach(func(k, v []byte) error {
			published, err := postedWords(v, words, func(string) {})
			if err != nil {
				return fmt.Errorf("story index entry %x: %w", k, err)
			}
			entries = append(entries, entry{x: posting{at: uint64(max(published, 0)), key: [16]byte(k)}, v: v}) // at as timeNS keys it
			return nil
		})
		if err != nil {
			return err
		}
		slices.SortFunc(entries, func(a, b entry) int { return comparePostings(a.x, b.x) })
		for _, e := range entries {
			postedWords(e.v, words, func(w string) {
				i, ok := index[w]
				if !ok {
					i = len(lists)
					index[w] = i
					lists = append(lists, nil)
				}
				lists[i] = append(lists[i], e.x)
			})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("build story postings: %w", err)
	}
	p.words = make(map[string][]posting, len(index))
	for w, i := range index {
		p.words[w] = lists[i]
	}
	p.built = true
	return nil
}

// postingsTx is one transaction's hold on the postings: the changes it
// makes, with what undoes them if the transaction fails.
type postingsTx struct {
	p    *postings
	undo []func()
	// vocab numbers the words of the search texts and index entries the
	// transaction writes (vocab.go); nil in a read transaction, which reads
	// entries' words in read.
	vocab *vocabTx
	read  readWords
}

// words is the vocabulary the transaction reads entries' words in.
func (t *postingsTx) words() wordBook {
	if t.vocab != nil {
		return t.vocab
	}
	return t.read
}

func (t *postingsTx) add(w string, x posting) {
	if _, found := slices.BinarySearchFunc(t.p.words[w], x, comparePostings); found {
		return
	}
	t.p.add(w, x)
	t.undo = append(t.undo, func() { t.p.remove(w, x) })
}

func (t *postingsTx) remove(w string, x posting) {
	if t.p.remove(w, x) {
		t.undo = append(t.undo, func() { t.p.add(w, x) })
	}
}

// rollback undoes every change, newest first.
func (t *postingsTx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

// scratchPostings is a hold on postings of their own, for work whose
// postings are thrown away (an upgrade at Open builds them afresh after),
// numbering words in vt.
func scratchPostings(vt *vocabTx) *postingsTx {
	return &postingsTx{p: &postings{built: true, words: make(map[string][]posting)}, vocab: vt}
}

// storyUpdate runs fn in a write transaction with the postings held for
// writing; when the transaction fails, fn's changes to them are undone.
func (db *DB) storyUpdate(ctx context.Context, fn func(tx *bolt.Tx, post *postingsTx) error) error {
	db.post.mu.Lock()
	defer db.post.mu.Unlock()
	if err := db.post.build(db.bolt, &db.vocab); err != nil {
		return err
	}
	post := &postingsTx{p: &db.post}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		post.vocab = db.vocab.begin(tx)
		return fn(tx, post)
	})
	if err != nil {
		post.rollback()
	}
	if post.vocab != nil {
		if err != nil {
			post.vocab.abort()
		} else {
			post.vocab.commit()
		}
	}
	return err
}

// storyView runs fn in a read transaction with the postings held for
// reading.
func (db *DB) storyView(ctx context.Context, fn func(tx *bolt.Tx, post *postingsTx) error) error {
	db.post.mu.Lock()
	err := db.post.build(db.bolt, &db.vocab)
	db.post.mu.Unlock()
	if err != nil {
		return err
	}
	db.post.mu.RLock()
	defer db.post.mu.RUnlock()
	return db.view(ctx, func(tx *bolt.Tx) error {
		words, err := db.vocab.in(tx)
		if err != nil {
			return err
		}
		return fn(tx, &postingsTx{p: &db.post, read: words})
	})
}
