package index

import (
	"context"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestPostingsNumbers: a word's list names items by number; a number is
// freed when its item's last posting goes and is given to the next new
// item, and a transaction's undo leaves the lists, and the items numbered,
// as they were.
func TestPostingsNumbers(t *testing.T) {
	p := &postings{built: true, words: make(map[string][]uint32), numbers: make(map[posting]uint32)}
	x := func(at uint64, k byte) posting { return posting{at: at, key: [16]byte{k}} }
	a, b, c := x(30, 'a'), x(10, 'b'), x(20, 'c')
	tx := &postingsTx{p: p}
	tx.add("police", a)
	tx.add("police", b)
	tx.add("police", c)
	tx.add("police", a) // again: no change
	tx.add("court", a)
	want := map[string][]posting{"police": {b, c, a}, "court": {a}}
	if got := p.lists(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after adds: %v, want %v", got, want)
	}
	hits := func(lo, hi uint64, max, min int) map[byte]int {
		out := make(map[byte]int)
		for _, s := range p.shared([]string{"police", "court", "unposted"}, lo, hi, max, min) {
			out[p.key(s.n)[0]] = s.hits
		}
		return out
	}
	for _, c := range []struct {
		lo, hi   uint64
		max, min int
		want     map[byte]int
	}{
		{15, 30, 10, 1, map[byte]int{'a': 2, 'c': 1}}, // b is before lo
		{0, 25, 10, 1, map[byte]int{'b': 1, 'c': 1}},  // a is after hi
		{0, 30, 10, 2, map[byte]int{'a': 2}},          // under fewer than min
		{0, 30, 1, 1, map[byte]int{'a': 2}},           // each word's newest only
	} {
		// Twice: the scratch counts left by one call must not leak into the next.
		for range 2 {
			if got := hits(c.lo, c.hi, c.max, c.min); !reflect.DeepEqual(got, c.want) {
				t.Errorf("shared from %d to %d, max %d, min %d: %v, want %v", c.lo, c.hi, c.max, c.min, got, c.want)
			}
		}
	}
	tx.undo = nil

	// b goes: its number is free, and the next new item takes it.
	tx.remove("police", b)
	if _, ok := p.numbers[b]; ok || len(p.free) != 1 {
		t.Fatalf("b's number kept (%v) or not freed (free %v)", p.numbers, p.free)
	}
	d := x(40, 'd')
	tx.add("court", d)
	if p.numbers[d] != 1 || len(p.items) != 3 {
		t.Errorf("d numbered %d among %d items, want b's number 1 among 3", p.numbers[d], len(p.items))
	}
	// a is still posted under court, so keeps its number.
	tx.remove("police", a)
	if _, ok := p.numbers[a]; !ok {
		t.Error("a lost its number while still posted under court")
	}

	tx.rollback()
	if got := p.lists(); !reflect.DeepEqual(got, want) {
		t.Errorf("after rollback: %v, want %v", got, want)
	}
	if len(p.numbers) != 3 {
		t.Errorf("%d items numbered after rollback, want a, b and c", len(p.numbers))
	}
	for x, n := range p.numbers {
		if p.items[n].posting != x {
			t.Errorf("number %d names %v, not %v", n, p.items[n].posting, x)
		}
	}
}

// TestPruneOfNothingBuildsNoPostings: a retention run with nothing old
// enough to remove (every daemon start runs one) writes nothing and leaves
// the postings unbuilt, so a daemon with nothing new to store never reads
// the story index; one with something to remove still removes it.
func TestPruneOfNothingBuildsNoPostings(t *testing.T) {
	db, path, clock, check := copiedReleaseStore(t)
	db.Close()
	db, err := Open(path, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	txid := func() (id int) {
		db.bolt.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil })
		return id
	}
	before := txid()
	// The releases were published up to 19 hours before the clock.
	now := clock.Now()
	if n, err := db.Prune(context.Background(), now.Add(-20*time.Hour)); n != 0 || err != nil {
		t.Fatalf("Prune before every item = %d, %v; want 0, nil", n, err)
	}
	if db.post.built || txid() != before {
		t.Errorf("a prune of nothing built the postings (%v) or wrote (transaction %d → %d)", db.post.built, before, txid())
	}
	check("after a prune of nothing", db)
	if n, err := db.Prune(context.Background(), now.Add(time.Hour)); n != 20 || err != nil {
		t.Errorf("Prune after every item = %d, %v; want all 20 removed", n, err)
	}
}
