package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
	"pressfeed/similar"
)

// TestNumberedComparisonsAsWords: a story lookup in a write transaction
// compares features as vocabulary numbers (comparer, entryNumbers). For
// every pair of the labelled releases, and for features holding words the
// vocabulary lacks, its verdicts are those Compare gives on the words.
func TestNumberedComparisonsAsWords(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	n := 0
	for _, file := range []string{"pairs.json", "holdout.json", "boilerplate.json"} {
		data, err := os.ReadFile(filepath.Join("..", "similar", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		var pairs []struct {
			A, B struct{ Source, Title, Summary string }
		}
		if err := json.Unmarshal(data, &pairs); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, p := range pairs {
			for _, r := range []struct{ Source, Title, Summary string }{p.A, p.B} {
				n++
				it := pressfeed.Item{GUID: fmt.Sprint(n), Title: r.Title, Summary: r.Summary, Published: now.Add(-time.Duration(n) * time.Minute)}
				if _, err := db.Ingest(ctx, r.Source, []pressfeed.Item{it}, pressfeed.SourceState{}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	every := func(indexEntry) (bool, error) { return true, nil }
	same, compared := 0, 0
	err = db.storyUpdate(ctx, func(tx *bolt.Tx, post *postingsTx) error {
		s := newStoryIndex(tx, db, now, nil, post)
		var (
			keys    [][]byte
			entries []indexEntry
		)
		err := tx.Bucket(bucketStoryItems).ForEach(func(k, v []byte) error {
			e, err := decodeEntry(v, post.words())
			keys, entries = append(keys, bytes.Clone(k)), append(entries, e)
			return err
		})
		if err != nil {
			return err
		}
		if len(entries) < n {
			t.Fatalf("%d entries from %d releases", len(entries), n)
		}
		// Every other entry as one written before the lists were in the
		// order of their numbers: in the order of their words.
		for i := 0; i < len(keys); i += 2 {
			v, err := encodeEntryInWordOrder(entries[i], post.vocab)
			if err == nil {
				err = tx.Bucket(bucketStoryItems).Put(keys[i], v)
			}
			if err != nil {
				return err
			}
		}
		// Features as a new item's may be: with words no entry holds.
		unknown := entries[0].Features
		unknown.Title = slices.Concat(unknown.Title, []string{"zzunheard", "zzunseen"})
		unknown.Words = slices.Concat(unknown.Words, []string{"zzunheard", "zzunseen"})
		unknown.Names = slices.Concat(unknown.Names, []string{"zz nowhere"})
		features := []similar.Features{unknown}
		for _, e := range entries {
			features = append(features, e.Features)
		}
		for _, f := range features {
			c := s.comparer(f)
			if c.words == 0 {
				t.Fatal("a write transaction's comparer has no vocabulary")
			}
			for j, key := range keys {
				c.read.head = indexEntry{}
				got, v, found, err := c.compare(key, every)
				if err != nil || !found {
					t.Fatalf("compare %x: found %v, %v", key, found, err)
				}
				if c.read.head.SourceID == "" {
					t.Fatalf("entry %x was not read as numbers", key)
				}
				if got.StoryID != entries[j].StoryID || got.SourceID != entries[j].SourceID || !got.Published.Equal(entries[j].Published) {
					t.Errorf("entry %x read as %+v, want %+v", key, got, entries[j])
				}
				if want := s.params.Compare(f, entries[j].Features); v != want {
					t.Fatalf("%v against %v:\n numbers %+v\n   words %+v", f, entries[j].Features, v, want)
				}
				compared++
				if v.Same {
					same++
				}
			}
		}
		// A garbled entry, and one naming a number the vocabulary has not
		// given, are errors that name the entry.
		b := tx.Bucket(bucketStoryItems)
		raw := b.Get(keys[0])
		c := s.comparer(entries[0].Features)
		v := appendString([]byte{entryFormat}, "src")
		v = appendString(append(v, keys[0]...), "")
		v = appendTime(appendTime(v, now), now)
		v = binary.AppendUvarint(append(v, 1), c.words) // one title word, numbered past the last
		v = append(v, 0, 0, 0, 0, 0, 0)
		for name, bad := range map[string][]byte{"padded": append(bytes.Clone(raw), 0), "unnumbered word": v} {
			key := bytes.Repeat([]byte{0xbd}, 16)
			if err := b.Put(key, bad); err != nil {
				return err
			}
			if _, _, _, err := c.compare(key, every); !errors.Is(err, errBadEntry) || !strings.Contains(err.Error(), fmt.Sprintf("%x", key)) {
				t.Errorf("%s entry: compare = %v, want errBadEntry naming it", name, err)
			}
		}
		return errRollBack
	})
	if !errors.Is(err, errRollBack) {
		t.Fatal(err)
	}
	// Each release compared with itself is one story, most with others not.
	if same < n/2 || same > compared/2 {
		t.Errorf("%d of %d comparisons found the same story", same, compared)
	}
}

var errRollBack = errors.New("rolled back by the test")

// encodeEntryInWordOrder is encodeEntry as it was before it wrote the
// features' lists in the order of their numbers.
func encodeEntryInWordOrder(e indexEntry, vt *vocabTx) ([]byte, error) {
	story, err := keyBytes(e.StoryID)
	if err != nil {
		return nil, err
	}
	b := appendString([]byte{entryFormat}, e.SourceID)
	b = appendString(append(b, story...), e.Link)
	b = appendTime(appendTime(b, e.Published), e.FirstSeen)
	for _, list := range e.lists() {
		b = binary.AppendUvarint(b, uint64(len(*list)))
		for _, w := range *list {
			id, err := vt.id(w)
			if err != nil {
				return nil, err
			}
			b = binary.AppendUvarint(b, uint64(id))
		}
	}
	return b, nil
}

// TestCandidatesAsSortingAll: candidates leaves out the items with too few
// hits before sorting, and gives the maxCandidates that sorting every item
// found (most hits first, then by key) and cutting would give.
func TestCandidatesAsSortingAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for round := range 50 {
		p := &postings{built: true, words: make(map[string][]uint32), numbers: make(map[posting]uint32)}
		words := make([]string, 1+rng.IntN(maxLookupWords))
		for i := range words {
			words[i] = fmt.Sprint("w", i)
		}
		for range 20 + rng.IntN(400) {
			var key [16]byte
			for i := range key {
				key[i] = byte(rng.IntN(4)) // keys that share their first bytes
			}
			x := posting{at: timeNS(t0.Add(time.Duration(rng.IntN(100)) * time.Hour)), key: key}
			for _, w := range words {
				if rng.IntN(3) > 0 {
					p.add(w, x)
				}
			}
		}
		s := &storyIndex{post: &postingsTx{p: p}}
		lo, hi := t0.Add(10*time.Hour), t0.Add(90*time.Hour)
		found := p.shared(words, timeNS(lo), timeNS(hi), postingCap, minHits)
		slices.SortFunc(found, func(a, b sharer) int {
			if a.hits != b.hits {
				return b.hits - a.hits
			}
			ka, kb := p.key(a.n), p.key(b.n)
			return bytes.Compare(ka[:], kb[:])
		})
		var want [][16]byte
		for _, h := range found[:min(len(found), maxCandidates)] {
			want = append(want, p.key(h.n))
		}
		if got := s.candidates(words, lo, hi); !slices.Equal(got, want) {
			t.Fatalf("round %d, %d words, %d found: candidates\n%x\nwant\n%x", round, len(words), len(found), got, want)
		}
	}
}

// TestRankingPicksAsBefore: the words a lookup walks and an item is posted
// under, picked from one ranking, are those the two separate picks made
// before: every title word (less the unposted ones, for a lookup), then
// the rarest others up to the cap.
func TestRankingPicksAsBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vocab := make([]string, 100)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%02d", i)
	}
	for round := range 200 {
		p := &postings{built: true, words: make(map[string][]uint32), numbers: make(map[posting]uint32)}
		for i, w := range vocab {
			for k := range rng.IntN(4) { // several words share each count
				p.add(w, posting{at: uint64(k), key: [16]byte{byte(i), byte(k)}})
			}
		}
		var f similar.Features
		for _, w := range vocab {
			if rng.IntN(3) == 0 {
				f.Words = append(f.Words, w)
				if rng.IntN(4) == 0 {
					f.Title = append(f.Title, w)
				}
			}
		}
		s := &storyIndex{post: &postingsTx{p: p}}
		r := s.rank(f)
		for _, c := range []struct {
			got  []string
			max  int
			skip bool
		}{{r.lookupWords(), maxLookupWords, true}, {r.postingWords(), maxPostWords, false}} {
			if want := referenceRarest(p, f, c.max, c.skip); !slices.Equal(c.got, want) {
				t.Fatalf("round %d, max %d, skip %v: %v, want %v", round, c.max, c.skip, c.got, want)
			}
		}
	}
}

// referenceRarest is how lookupWords and postingWords each picked their
// words before they shared a ranking.
func referenceRarest(p *postings, f similar.Features, max int, skipUnposted bool) []string {
	var out []string
	var rest []counted
	for _, w := range f.Words {
		n := p.count(w)
		if n == 0 && skipUnposted {
			continue
		}
		if _, inTitle := slices.BinarySearch(f.Title, w); inTitle {
			out = append(out, w)
			continue
		}
		rest = append(rest, counted{w, n})
	}
	slices.SortFunc(rest, func(a, b counted) int {
		if a.n != b.n {
			return a.n - b.n
		}
		return strings.Compare(a.word, b.word)
	})
	for _, c := range rest {
		if len(out) >= max {
			break
		}
		out = append(out, c.word)
	}
	return out
}
