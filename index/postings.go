package index

import (
	"bytes"
	"context"
	"fmt"
	"runtime/debug"
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
// A word's list holds item numbers, 4 bytes a posting, not the 24 bytes of
// an item's time and key: an item is posted under up to 24 words, so at
// 100,000 window items the lists hold 2.4 million postings. An item at
// one time (a posting's time and key) has a number while it is posted
// under any word (items, numbers); the number is freed when its last
// posting goes, and reused.
//
// mu is held for writing around every write transaction that changes
// story_items (storyUpdate) and for reading around lookups (storyView), so
// the postings always match what is committed: a transaction that fails
// has its changes to them undone before mu is released.
type postings struct {
	mu      sync.RWMutex
	built   bool
	words   map[string][]uint32 // item numbers, sorted by their postings
	items   []numbered          // by number
	numbers map[posting]uint32  // an item's time and key → number
	free    []uint32            // numbers of items no longer posted
}

// posting is one item under one word: its publication time as the time
// index keys it (timeNS) and its key. A word's postings sort by both.
type posting struct {
	at  uint64
	key [16]byte
}

// numbered is the item a number stands for, and under how many words it is
// posted.
type numbered struct {
	posting
	refs uint32
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

// search finds x in w's list: where it is or would go, and whether it is
// there.
func (p *postings) search(w string, x posting) ([]uint32, int, bool) {
	list := p.words[w]
	i, found := slices.BinarySearchFunc(list, x, func(n uint32, x posting) int {
		return comparePostings(p.items[n].posting, x)
	})
	return list, i, found
}

// number returns x's number, giving it one if it has none.
func (p *postings) number(x posting) uint32 {
	if n, ok := p.numbers[x]; ok {
		return n
	}
	var n uint32
	if len(p.free) > 0 {
		n = p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		p.items[n] = numbered{posting: x}
	} else {
		n = uint32(len(p.items))
		p.items = append(p.items, numbered{posting: x})
	}
	p.numbers[x] = n
	return n
}

// add posts x under w and reports whether it was not posted there before.
func (p *postings) add(w string, x posting) bool {
	list := p.words[w]
	i, found := len(list), false
	// A new item is most often the newest under its words.
	if i > 0 && comparePostings(p.items[list[i-1]].posting, x) >= 0 {
		_, i, found = p.search(w, x)
	}
	if found {
		return false
	}
	n := p.number(x)
	p.items[n].refs++
	p.words[w] = slices.Insert(list, i, n)
	return true
}

func (p *postings) remove(w string, x posting) bool {
	// The story window drops its oldest items first.
	list := p.words[w]
	i, found := 0, len(list) > 0 && p.items[list[0]].posting == x
	if !found {
		list, i, found = p.search(w, x)
	}
	if !found {
		return false
	}
	n := list[i]
	if len(list) == 1 {
		delete(p.words, w)
	} else {
		p.words[w] = slices.Delete(list, i, i+1)
	}
	if p.items[n].refs--; p.items[n].refs == 0 {
		delete(p.numbers, x)
		p.free = append(p.free, n)
	}
	return true
}

// count is how many items are posted under w: the word's rarity.
func (p *postings) count(w string) int { return len(p.words[w]) }

// sharer is an item under some of a lookup's words: its number and under
// how many of them.
type sharer struct {
	n    uint32
	hits int
}

// tally counts, by item number, how many of a lookup's words an item is
// under. It is scratch for postings.shared, kept between lookups in
// tallies so a lookup allocates no map.
type tally struct {
	counts  []uint16 // by item number
	touched []uint32 // numbers whose count is not zero
}

var tallies = sync.Pool{New: func() any { return new(tally) }}

// shared returns the items under at least min of words, counting under
// each word only its items published from lo to hi (inclusive), newest
// first, at most max of them; in no order.
func (p *postings) shared(words []string, lo, hi uint64, max, min int) []sharer {
	t := tallies.Get().(*tally)
	defer tallies.Put(t)
	if len(t.counts) < len(p.items) {
		t.counts = make([]uint16, len(p.items)+len(p.items)/4)
	}
	for _, w := range words {
		list, i, _ := p.search(w, posting{at: hi + 1})
		for k := 0; i > 0 && k < max; k++ {
			i--
			n := list[i]
			if p.items[n].at < lo {
				break
			}
			if t.counts[n] == 0 {
				t.touched = append(t.touched, n)
			}
			t.counts[n]++
		}
	}
	var out []sharer
	for _, n := range t.touched {
		if c := int(t.counts[n]); c >= min {
			out = append(out, sharer{n, c})
		}
		t.counts[n] = 0
	}
	t.touched = t.touched[:0]
	return out
}

// key is the key of the item numbered n.
func (p *postings) key(n uint32) [16]byte { return p.items[n].key }

// lists returns every word's postings as times and keys, for tests: two
// postings that hold the same items number them as they happened to.
func (p *postings) lists() map[string][]posting {
	out := make(map[string][]posting, len(p.words))
	for w, list := range p.words {
		for _, n := range list {
			out[w] = append(out[w], p.items[n].posting)
		}
	}
	return out
}

// build fills the postings from story_items, once; the caller holds mu.
// It reads of each entry only its time and posted words (postedWords),
// whose strings are the vocabulary's own (v), and visits the entries by
// time, numbering them in that order, so every word's list comes out
// sorted. A word's list is found by the word's number in a slice rather
// than by its letters in a map: the build reads every posting of the
// window, 24 an item.
func (p *postings) build(db *bolt.DB, v *vocabulary) error {
	if p.built {
		return nil
	}
	l := postingLists{byWord: make(map[string]int)}
	var items []numbered
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
		l.byNumber = make([]int32, len(vocab))
		type entry struct {
			x posting
			v []byte // valid for the transaction
		}
		entries := make([]entry, 0, b.Stats().KeyN)
		err = b.ForEach(func(k, v []byte) error {
			published, err := entryPublished(v)
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
		items = make([]numbered, 0, len(entries))
		for _, e := range entries {
			n := uint32(len(items))
			it := numbered{posting: e.x}
			_, err := postedWords(e.v, words, func(id uint64, w string) {
				list := l.of(id, w)
				// A word listed twice is posted once, as add posts it.
				if len(*list) == 0 || (*list)[len(*list)-1] != n {
					*list = append(*list, n)
					it.refs++
				}
			})
			if err != nil {
				return fmt.Errorf("story index entry %x: %w", e.x.key, err)
			}
			if it.refs > 0 {
				items = append(items, it)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("build story postings: %w", err)
	}
	p.words = make(map[string][]uint32, len(l.lists))
	for i, w := range l.names {
		p.words[w] = l.lists[i]
	}
	p.items = items
	p.numbers = make(map[posting]uint32, len(items))
	for n, it := range items {
		p.numbers[it.posting] = uint32(n)
	}
	p.built = true
	return nil
}

// postingLists are the lists a build fills, a word's found by its
// vocabulary number or, for a word of an entry in an older format, which
// has no number, by its letters. A store holds entries of one format: a
// read-only store of an older schema has only words by letters, an
// upgraded one only numbers.
type postingLists struct {
	lists    [][]uint32
	names    []string       // lists[i]'s word
	byNumber []int32        // a word's number → 1 + its list's index; 0 for none yet
	byWord   map[string]int // a word → its list's index
}

// of returns the list of the word w, whose number is id or unnumbered.
func (l *postingLists) of(id uint64, w string) *[]uint32 {
	if id < uint64(len(l.byNumber)) {
		if l.byNumber[id] == 0 {
			l.byNumber[id] = int32(l.add(w)) + 1
		}
		return &l.lists[l.byNumber[id]-1]
	}
	i, ok := l.byWord[w]
	if !ok {
		i = l.add(w)
		l.byWord[w] = i
	}
	return &l.lists[i]
}

func (l *postingLists) add(w string) int {
	l.lists, l.names = append(l.lists, nil), append(l.names, w)
	return len(l.lists) - 1
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
	if t.p.add(w, x) {
		t.undo = append(t.undo, func() { t.p.remove(w, x) })
	}
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
	p := &postings{built: true, words: make(map[string][]uint32), numbers: make(map[posting]uint32)}
	return &postingsTx{p: p, vocab: vt}
}

// storyUpdate runs fn in a write transaction with the postings held for
// writing; when the transaction fails, fn's changes to them are undone. A
// panic in fn is returned as its error, after the same undoing: let
// through, it would leave the postings with the changes of a rolled-back
// transaction and the vocabulary's writer lock held, so that every later
// write waited forever.
func (db *DB) storyUpdate(ctx context.Context, fn func(tx *bolt.Tx, post *postingsTx) error) error {
	db.post.mu.Lock()
	defer db.post.mu.Unlock()
	if err := db.post.build(db.bolt, &db.vocab); err != nil {
		return err
	}
	post := &postingsTx{p: &db.post}
	err := db.update(ctx, func(tx *bolt.Tx) (err error) {
		post.vocab = db.vocab.begin(tx)
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("the write panicked: %v\n%s", p, debug.Stack())
			}
		}()
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
