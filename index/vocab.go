package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// The vocabulary numbers every word a search text (search.go) or a story
// index entry (storycodec.go) has held, so that they store each word as a
// small number instead of its letters: about a quarter of the bytes. An
// entry's words are stemmed forms and names of several words, so the
// vocabulary holds words no search text does; a search only tests them
// against texts that never hold their numbers. The vocab bucket maps a
// word to its number (a uvarint); numbers are given in order from 0 and
// never reused or removed, so a number, once committed, means one word for
// the life of the store.
//
// The whole vocabulary is loaded at Open. A writer (a transaction that
// writes search texts or entries) numbers new words in its own vocabTx and
// adds them to the loaded vocabulary only once its transaction has
// committed; a failed transaction's numbers are given again. A reader
// takes, without a lock, the words its own transaction can see (in): the
// loaded list, cut to the count the transaction reads from meta.
type vocabulary struct {
	writer sync.Mutex // held by the one vocabTx in progress
	ids    map[string]uint32
	words  atomic.Pointer[[]string] // by number; only ever appended to
}

// load reads the vocabulary of the store open in tx: none when the store
// has no vocab bucket (a read-only open of an older store).
func (v *vocabulary) load(tx *bolt.Tx) error {
	v.ids = make(map[string]uint32)
	var words []string
	if b := tx.Bucket(bucketVocab); b != nil {
		// Capacity from meta's count (capped: it may be damaged), not
		// Bucket.Stats, which would walk every page once more.
		words = make([]string, 0, min(vocabCount(tx), 1<<22))
		err := b.ForEach(func(k, val []byte) error {
			id, n := binary.Uvarint(val)
			if n <= 0 || id > math.MaxUint32 || len(k) == 0 {
				return fmt.Errorf("vocabulary word %q has a bad number %x", k, val)
			}
			if id >= uint64(len(words)) {
				words = append(words, make([]string, id+1-uint64(len(words)))...)
			}
			if words[id] != "" {
				return fmt.Errorf("vocabulary words %q and %q have the same number %d", words[id], k, id)
			}
			words[id] = string(k)
			v.ids[words[id]] = uint32(id)
			return nil
		})
		if err != nil {
			return err
		}
		if i := slices.Index(words, ""); i >= 0 {
			return fmt.Errorf("no vocabulary word has the number %d of %d", i, len(words))
		}
	}
	v.words.Store(&words)
	return nil
}

// snapshot is the committed vocabulary, by number.
func (v *vocabulary) snapshot() []string {
	if w := v.words.Load(); w != nil {
		return *w
	}
	return nil
}

// vocabCountKey (in meta) is how many words the vocabulary holds, written
// with every word numbered, so a reader knows which numbers the search
// texts it can see may hold.
var vocabCountKey = []byte("vocab_words")

// vocabCount is the word count tx reads in meta: 0 when none is written.
func vocabCount(tx *bolt.Tx) uint64 {
	n, _ := binary.Uvarint(tx.Bucket(bucketMeta).Get(vocabCountKey))
	return n
}

// in returns the vocabulary as the read transaction tx sees it: exactly
// the words numbered by the transactions committed before it began. The
// loaded vocabulary serves when it has them all (it may have more); a
// writer that has committed but not yet added its words to it is read
// from the store.
func (v *vocabulary) in(tx *bolt.Tx) ([]string, error) {
	n := vocabCount(tx)
	words := v.snapshot()
	if uint64(len(words)) < n {
		var fresh vocabulary
		if err := fresh.load(tx); err != nil {
			return nil, err
		}
		words = fresh.snapshot()
	}
	if n > uint64(len(words)) {
		return nil, fmt.Errorf("the store counts %d vocabulary words and holds %d", n, len(words))
	}
	return words[:n], nil
}

// vocabTx numbers the words of one write transaction. begin it inside the
// transaction; end it with commit once the transaction has committed, or
// with abort if it did not.
type vocabTx struct {
	v     *vocabulary
	b     *bolt.Bucket
	meta  *bolt.Bucket
	next  uint32
	added []string // numbered next-len(added) …
	ids   map[string]uint32
}

// begin starts numbering words for a write transaction tx, waiting for any
// other vocabTx to end.
func (v *vocabulary) begin(tx *bolt.Tx) *vocabTx {
	v.writer.Lock()
	return &vocabTx{v: v, b: tx.Bucket(bucketVocab), meta: tx.Bucket(bucketMeta), next: uint32(len(v.snapshot()))}
}

// errVocabFull is returned when the vocabulary has used every number.
var errVocabFull = errors.New("the search vocabulary is full")

// id returns w's number, giving it the next one, and storing it, if it has
// none.
func (t *vocabTx) id(w string) (uint32, error) {
	if id, ok := t.v.ids[w]; ok {
		return id, nil
	}
	if id, ok := t.ids[w]; ok {
		return id, nil
	}
	if t.next == ^uint32(0) {
		return 0, errVocabFull
	}
	id := t.next
	if err := t.b.Put([]byte(w), binary.AppendUvarint(nil, uint64(id))); err != nil {
		return 0, err
	}
	if err := t.meta.Put(vocabCountKey, binary.AppendUvarint(nil, uint64(id)+1)); err != nil {
		return 0, err
	}
	if t.ids == nil {
		t.ids = make(map[string]uint32)
	}
	t.ids[w] = id
	t.added = append(t.added, w)
	t.next++
	return id, nil
}

// number returns w's number, if it has one, without giving it one.
func (t *vocabTx) number(w string) (uint32, bool) {
	if id, ok := t.v.ids[w]; ok {
		return id, true
	}
	id, ok := t.ids[w]
	return id, ok
}

// count is how many words the transaction sees numbered.
func (t *vocabTx) count() uint64 { return uint64(t.next) }

// word returns the word numbered id, as the transaction sees the
// vocabulary: the committed words and those it numbered itself.
func (t *vocabTx) word(id uint64) (string, bool) {
	words := t.v.snapshot()
	if id < uint64(len(words)) {
		return words[id], true
	}
	if i := id - uint64(len(words)); i < uint64(len(t.added)) {
		return t.added[i], true
	}
	return "", false
}

// commit adds the words the committed transaction numbered to the
// vocabulary readers see.
func (t *vocabTx) commit() {
	defer t.v.writer.Unlock()
	if len(t.added) == 0 {
		return
	}
	// Appending in place is safe for readers: a reader's snapshot never
	// reaches past its own length, and the new length is published only
	// once the words are written.
	words := t.v.snapshot()
	for _, w := range t.added {
		t.v.ids[w] = uint32(len(words))
		words = append(words, w)
	}
	t.v.words.Store(&words)
}

// abort forgets the numbers a failed transaction gave.
func (t *vocabTx) abort() { t.v.writer.Unlock() }
