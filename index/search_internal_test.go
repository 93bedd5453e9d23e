package index

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"pressfeed"
)

// TestSearchTextMatchesLikeMatchWords checks the stored search text against
// the definition of a match on texts made to be awkward: accents composed
// and decomposed, case that folds to several runes, marks that are not
// letters, digits of other scripts, markup, entities, invalid UTF-8, and
// query words cut from the text at random, so that most of them match
// somewhere. The text is computed from the item as a feed gives it and the
// reference from the item as the store reads it back.
func TestSearchTextMatchesLikeMatchWords(t *testing.T) {
	pieces := []string{"a", "b", "é", "e\u0301", "É", "İ", "ß", "Σ", "ς", "ǅ", "ﬁ", "Ω", "٣", "7", "ा", "क", "ø",
		" ", "  ", "-", "'", "\u00a0", "\u2019", "<b>", "</b>", `<a href="https://x.example/ab">`, "&amp;", "&#39;",
		"&eacute;", "&", "<", ">", "\xff", "\xe2\x82", "cafe", "caf", "naïve", "nai", "39", "amp"}
	r := rand.New(rand.NewPCG(1, 2))
	text := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	type testCase struct {
		raw, stored pressfeed.Item
		words       []string
		v2          []byte
	}
	var cases []testCase
	for i := 0; i < 20000; i++ {
		raw := pressfeed.Item{Title: text(r.IntN(8)), Summary: text(r.IntN(40))}
		data, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		var stored pressfeed.Item
		if err := json.Unmarshal(data, &stored); err != nil {
			t.Fatal(err)
		}
		var q string
		if s := searchable(stored); r.IntN(4) > 0 && len(s) > 0 {
			for k := r.IntN(3); k >= 0; k-- { // one to three cuts, which may overlap
				from := r.IntN(len(s))
				q += " " + s[from:from+r.IntN(len(s)-from+1)]
			}
		} else {
			q = text(r.IntN(4))
		}
		cases = append(cases, testCase{raw: raw, stored: stored, words: searchWords(q)})
	}
	db := numberedTexts(t, len(cases), func(i int, vt *vocabTx) error {
		var err error
		cases[i].v2, err = encodeSearchText(itemWords(cases[i].raw), vt)
		return err
	})
	vocab := db.vocab.snapshot()
	matches := 0
	for i, c := range cases {
		want := matchWords(c.words, c.stored)
		texts, numbered := [][]byte{v1Text(itemWords(c.raw))}, []string(nil)
		if i%10 == 0 { // a query for V2 texts reads the whole vocabulary, here of random words
			texts, numbered = append(texts, c.v2), vocab
		}
		tq := newTextQuery(queryWords(c.words), numbered)
		for _, v := range texts {
			got, known := tq.match(v)
			if !known || got != want {
				t.Fatalf("item %+q, words %+q: search text %+q says %v (known %v), matchWords says %v", c.raw, c.words, v, got, known, want)
			}
		}
		if want && len(c.words) > 0 {
			matches++
		}
	}
	if matches < 5000 {
		t.Errorf("only %d of 20000 cases matched: the test exercises too little", matches)
	}
}

// numberedTexts opens a store and calls fn for 0 … n-1 in one write
// transaction with its vocabTx, committing the vocabulary after.
func numberedTexts(t *testing.T, n int, fn func(i int, vt *vocabTx) error) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "vocab.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var vt *vocabTx
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		vt = db.vocab.begin(tx)
		for i := range n {
			if err := fn(i, vt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		vt.abort()
		t.Fatal(err)
	}
	vt.commit()
	return db
}

// v1Text is the searchTextV1 text of words, as schemas 4 to 7 stored it.
func v1Text(words []string) []byte {
	return append([]byte{searchTextV1}, strings.Join(words, " ")...)
}

// TestFoldASCIIShortcut: fold skips the Unicode transforms for ASCII text,
// which they must leave as it is.
func TestFoldASCIIShortcut(t *testing.T) {
	var b strings.Builder
	for c := 0; c < utf8.RuneSelf; c++ {
		b.WriteByte(byte(c))
	}
	s := b.String() + " Man CHARGED after Bootle robbery, 34."
	want, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		t.Fatal(err)
	}
	if got := fold(s); got != strings.ToLower(want) {
		t.Errorf("fold(%q) = %q, want %q", s, got, strings.ToLower(want))
	}
}

func TestQueryWords(t *testing.T) {
	got := queryWords(searchWords("charge Charged man CHARGED a 34 arg man chart"))
	want := [][]byte{[]byte("charged"), []byte("chart"), []byte("man"), []byte("34")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("queryWords = %q, want %q: each word once, none inside another, longest first", got, want)
	}
}

func TestSearchTextIsCompact(t *testing.T) {
	it := pressfeed.Item{Title: "Man charged after Café robbery", Summary: "<p>A man has been charged after a robbery at a cafe. The man, 34, was charged on Monday.</p>"}
	want := []string{"34", "a", "after", "at", "been", "cafe", "charged", "has", "man", "monday", "on", "robbery", "the", "was"}
	if got := itemWords(it); !reflect.DeepEqual(got, want) {
		t.Errorf("search words %q, want %q: each word once, in byte order", got, want)
	}
	var texts [2][]byte
	items := []pressfeed.Item{it, {}}
	db := numberedTexts(t, 2, func(i int, vt *vocabTx) (err error) {
		texts[i], err = encodeSearchText(itemWords(items[i]), vt)
		return err
	})
	if got := storedWords(texts[0], db.vocab.snapshot()); !reflect.DeepEqual(got, want) {
		t.Errorf("the stored text %x reads back as %q, want %q", texts[0], got, want)
	}
	if len(texts[0]) > 1+len(want) || len(texts[0]) >= len(v1Text(want))/4 {
		t.Errorf("the stored text takes %d bytes for %d words (%d as letters)", len(texts[0]), len(want), len(v1Text(want)))
	}
	if got := texts[1]; len(got) != 1 || got[0] != searchTextV2 {
		t.Errorf("search text of an empty item: %q", got)
	}
}

// searchFixture is a store of a few hundred items from five publishers
// (one that keeps out of stories), where one in four releases is posted
// again by another publisher under a title of its own (the same link, so
// one story), some items are edited after they are stored (some moving in
// time) and the oldest are pruned. Titles and summaries use a small
// vocabulary with accents, case and entities, so that searches match
// many items, few and none, and a story's members match differently.
func searchFixture(t *testing.T) (*DB, string) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	now := t0.Add(-40 * 24 * time.Hour)
	path := filepath.Join(t.TempDir(), "search.db")
	db, err := Open(path, Options{NoSync: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	apart := false
	sources := []pressfeed.Source{
		{ID: "force-a", Name: "Force A", Kind: pressfeed.KindForce, Area: "North", URL: "https://a.example/", Type: pressfeed.TypeFeed, Enabled: true},
		{ID: "force-b", Name: "Force B", Kind: pressfeed.KindForce, Area: "South", URL: "https://b.example/", Type: pressfeed.TypeFeed, Enabled: true},
		{ID: "pcc-a", Name: "PCC A", Kind: pressfeed.KindPCC, Area: "North", URL: "https://p.example/", Type: pressfeed.TypeFeed, Enabled: true},
		{ID: "rocu", Name: "ROCU", Kind: pressfeed.KindROCU, Area: "North", URL: "https://r.example/", Type: pressfeed.TypeFeed, Enabled: true},
		{ID: "apart", Name: "Apart", Kind: pressfeed.KindOther, URL: "https://x.example/", Type: pressfeed.TypeFeed, Enabled: true, Cluster: &apart},
	}
	if _, err := db.SeedSources(ctx, sources); err != nil {
		t.Fatal(err)
	}
	vocab := strings.Fields("Café cafe CAFÉ Zoë zoe naïve Ünïcödé robbery burglary charged appeal Bootle Wigan Crème 34 2026 witness officers")
	r := rand.New(rand.NewPCG(3, 4))
	words := func(n int) string {
		out := make([]string, n)
		for i := range out {
			out[i] = vocab[r.IntN(len(vocab))]
		}
		return strings.Join(out, " ")
	}
	summary := func() string {
		return fmt.Sprintf(`<p>%s &amp; %s</p><p>It&#39;s <a href="https://example.org/burglary">%s</a> caf&eacute;</p>`, words(4), words(3), words(2))
	}
	type posted struct {
		source string
		it     pressfeed.Item
	}
	var all []posted
	for i := 0; i < 300; i++ {
		now = now.Add(3 * time.Hour)
		src := sources[r.IntN(len(sources))].ID
		it := pressfeed.Item{
			GUID:      fmt.Sprintf("g%d", i),
			Title:     words(1 + r.IntN(5)),
			Link:      fmt.Sprintf("https://news.example/%d", i),
			Summary:   summary(),
			Published: now.Add(-time.Duration(r.IntN(120)) * time.Minute),
		}
		if _, err := db.Ingest(ctx, src, []pressfeed.Item{it}, pressfeed.SourceState{}); err != nil {
			t.Fatal(err)
		}
		all = append(all, posted{src, it})
		if i%4 == 0 { // another publisher's version, under its own words
			other := sources[(r.IntN(3)+1+indexOf(sources, src))%4].ID
			cp := it
			cp.Title, cp.Summary = words(3), summary()
			cp.Published = it.Published.Add(time.Duration(r.IntN(90)) * time.Minute)
			now = now.Add(time.Minute)
			if _, err := db.Ingest(ctx, other, []pressfeed.Item{cp}, pressfeed.SourceState{}); err != nil {
				t.Fatal(err)
			}
			all = append(all, posted{other, cp})
		}
	}
	now = now.Add(time.Hour)
	for i := 0; i < len(all); i += 7 { // edits: new words, and for some a new time
		p := all[i]
		p.it.Title = words(3) + " edited"
		if i%2 == 0 {
			p.it.Published = p.it.Published.Add(-5 * time.Minute)
		}
		if _, err := db.Ingest(ctx, p.source, []pressfeed.Item{p.it}, pressfeed.SourceState{}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.Prune(ctx, t0.Add(-35*24*time.Hour)); err != nil || n == 0 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	if err := db.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	return db, path
}

func indexOf(sources []pressfeed.Source, id string) int {
	for i, s := range sources {
		if s.ID == id {
			return i
		}
	}
	return -1
}

// allPages follows q's cursors to the end and returns every page.
func allPages(t *testing.T, db *DB, q pressfeed.Query) []pressfeed.Page {
	t.Helper()
	var pages []pressfeed.Page
	for {
		page, err := db.Stories(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page)
		if page.Next == "" || len(pages) > 1000 {
			return pages
		}
		q.Cursor = page.Next
	}
}

// rewrittenCopy backs db up to a new file called name, changes the copy in
// one bbolt transaction with rewrite and returns its path.
func rewrittenCopy(t *testing.T, db *DB, name string, rewrite func(tx *bolt.Tx) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if _, err := db.BackupToFile(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(rewrite); err != nil {
		t.Fatal(err)
	}
	return path
}

// withoutSearchText copies the store to a new file and empties every value
// of its time index, as a store of schema 2 has them, with the schema given.
func withoutSearchText(t *testing.T, db *DB, schema string) string {
	t.Helper()
	return rewrittenCopy(t, db, "slow.db", func(tx *bolt.Tx) error {
		byTime := tx.Bucket(bucketByTime)
		var keys [][]byte
		byTime.ForEach(func(k, _ []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			return nil
		})
		for _, k := range keys {
			if err := byTime.Put(k, []byte{}); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte(schema))
	})
}

// TestSearchPagesMatchTheSlowPath runs many queries, grouped and not, with
// every filter and several page sizes, following cursors to the end, on
// the store and on a copy without search texts (where every item is tested
// on its decoded JSON, as before search texts were kept): the pages must
// be identical, stories, members, order and cursors. Ungrouped, they must
// also be the brute-force answer: every item, newest first, that passes the
// filters and matchWords.
func TestSearchPagesMatchTheSlowPath(t *testing.T) {
	db, _ := searchFixture(t)
	slow, err := Open(withoutSearchText(t, db, fmt.Sprint(SchemaVersion)), Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	var items []pressfeed.Item
	err = db.bolt.View(func(tx *bolt.Tx) error {
		return itemsOf(tx).ForEach(func(k, v []byte) error {
			var it pressfeed.Item
			if err := decodeJSON(v, &it); err != nil {
				return err
			}
			items = append(items, it)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	sourceOf := map[string]pressfeed.Kind{"force-a": pressfeed.KindForce, "force-b": pressfeed.KindForce, "pcc-a": pressfeed.KindPCC, "rocu": pressfeed.KindROCU, "apart": pressfeed.KindOther}

	texts := []string{"", "cafe", "CAFÉ", "Café", "zoë", "ZOE", "naive", "unicode", "charged", "charged robbery", "robbery charged bootle",
		"caf", "edited", "edited wigan", "34", "2026 witness", "creme", "nosuchword", "charged nosuchword", "39", "amp", "it s", "burglary",
		"example", "a", "p"}
	filters := []struct {
		name    string
		q       pressfeed.Query
		allowed func(pressfeed.Item) bool
	}{
		{"all", pressfeed.Query{}, func(pressfeed.Item) bool { return true }},
		{"source", pressfeed.Query{Sources: []string{"pcc-a"}}, func(it pressfeed.Item) bool { return it.SourceID == "pcc-a" }},
		{"kind", pressfeed.Query{Kinds: []pressfeed.Kind{pressfeed.KindForce}}, func(it pressfeed.Item) bool { return sourceOf[it.SourceID] == pressfeed.KindForce }},
	}
	checked := 0
	for _, text := range texts {
		words := searchWords(text)
		for _, f := range filters {
			for _, ungrouped := range []bool{false, true} {
				for _, limit := range []int{1, 7, 500} {
					q := f.q
					q.Text, q.Ungrouped, q.Limit = text, ungrouped, limit
					got, want := allPages(t, db, q), allPages(t, slow, q)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s %q ungrouped=%v limit=%d: pages differ from the slow path\n got %s\nwant %s", f.name, text, ungrouped, limit, pageIDs(got), pageIDs(want))
					}
					if !ungrouped {
						continue
					}
					var ids, ref []string
					for _, p := range got {
						for _, st := range p.Stories {
							ids = append(ids, st.ID)
						}
					}
					for _, it := range newestFirst(items) {
						if f.allowed(it) && matchWords(words, it) {
							ref = append(ref, it.Key)
						}
					}
					if !reflect.DeepEqual(ids, ref) {
						t.Fatalf("%s %q limit=%d: got %v, brute force says %v", f.name, text, limit, ids, ref)
					}
					checked += len(ids)
				}
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d items were returned over every query: the test exercises too little", checked)
	}
}

func pageIDs(pages []pressfeed.Page) string {
	var b strings.Builder
	for _, p := range pages {
		b.WriteString("[")
		for _, st := range p.Stories {
			fmt.Fprintf(&b, " %s/%d", st.ID[:6], len(st.Members))
		}
		fmt.Fprintf(&b, " ] next=%q ", p.Next)
	}
	return b.String()
}

// newestFirst sorts items as the time index does: publication time, then
// key, newest first.
func newestFirst(items []pressfeed.Item) []pressfeed.Item {
	out := append([]pressfeed.Item(nil), items...)
	key := func(it pressfeed.Item) string {
		k, _ := keyBytes(it.Key)
		return string(timeKey(it.Published, k))
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && key(out[j]) > key(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// TestBackfillWritesWhatIngestWrites takes a copy of a store whose time
// index has no search texts, marks it schema 2 and opens it: the upgrade
// must write exactly the values that writing the items wrote.
func TestBackfillWritesWhatIngestWrites(t *testing.T) {
	db, _ := searchFixture(t)
	old, err := Open(withoutSearchText(t, db, "2"), Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	want, got := timeIndex(t, db), timeIndex(t, old)
	if len(got) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("after the upgrade the time index has %d entries, different from the %d written by ingest", len(got), len(want))
	}
	if err := old.Verify(context.Background()); err != nil {
		t.Error(err)
	}
}

func timeIndex(t *testing.T, db *DB) map[string]string {
	t.Helper()
	out := make(map[string]string)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketByTime).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVerifyFindsStaleSearchText: a search text that no longer says what
// its item says hides the item from searches, so Verify reports it.
func TestVerifyFindsStaleSearchText(t *testing.T) {
	db, _ := searchFixture(t)
	for _, bad := range [][]byte{
		{searchTextV1, 'x'},              // a word the item does not have
		{searchTextV2, 0},                // the number of a word it does not have
		{searchTextV2, 0xff, 0xff, 0x0f}, // a number the vocabulary has not given
		{searchTextV2, 0x80},             // a number cut short
	} {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			k, _ := tx.Bucket(bucketByTime).Cursor().Last()
			return tx.Bucket(bucketByTime).Put(k, bad)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Verify(context.Background()); err == nil || !strings.Contains(err.Error(), "stale search text") {
			t.Errorf("search text %x: Verify = %v, want a stale search text reported", bad, err)
		}
	}
	miscount := uint64(len(db.vocab.snapshot()) + 7)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(vocabCountKey, binary.AppendUvarint(nil, miscount))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Verify(context.Background()); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("counts %d", miscount)) {
		t.Errorf("Verify = %v, want the vocabulary's miscount reported", err)
	}
}

// withV1Texts copies the store to a new file as schema 7 wrote it: every
// search text in letters (searchTextV1), its story index entries too
// (format 2), no vocabulary.
func withV1Texts(t *testing.T, db *DB) string {
	t.Helper()
	vocab := db.vocab.snapshot()
	return rewrittenCopy(t, db, "v1.db", func(tx *bolt.Tx) error {
		byTime := tx.Bucket(bucketByTime)
		texts := map[string][]byte{}
		byTime.ForEach(func(k, v []byte) error {
			texts[string(k)] = v1Text(storedWords(v, vocab))
			return nil
		})
		for k, v := range texts {
			if err := byTime.Put([]byte(k), v); err != nil {
				return err
			}
		}
		if _, err := entriesInLetters(tx, readWords(vocab)); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketVocab); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Delete(vocabCountKey); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte("7"))
	})
}

// TestSchema7TextsAreNumbered: a schema-7 store's search texts, in
// letters, are read as they are by a read-only open and numbered by the
// upgrade, and both answer every query as the store they came from does.
func TestSchema7TextsAreNumbered(t *testing.T) {
	db, _ := searchFixture(t)
	path := withV1Texts(t, db)
	queries := []string{"cafe", "charged robbery", "caf", "34", "nosuchword", "amp", "a"}
	same := func(what string, other *DB) {
		t.Helper()
		for _, text := range queries {
			q := pressfeed.Query{Text: text, Limit: 500}
			if got, want := allPages(t, other, q), allPages(t, db, q); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %q: pages differ\n got %s\nwant %s", what, text, pageIDs(got), pageIDs(want))
			}
		}
	}
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	same("read-only, before the upgrade", ro)
	if err := ro.Verify(context.Background()); err != nil {
		t.Errorf("the schema-7 store fails Verify: %v", err)
	}
	ro.Close()

	up, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	same("upgraded", up)
	if err := up.Verify(context.Background()); err != nil {
		t.Errorf("the upgraded store fails Verify: %v", err)
	}
	err = up.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketByTime).ForEach(func(k, v []byte) error {
			if len(v) == 0 || v[0] != searchTextV2 {
				return fmt.Errorf("entry %x kept the text %q", k, v)
			}
			return nil
		})
	})
	if err != nil {
		t.Error(err)
	}
}

// numberWords numbers words in one write, which then returns fail.
func numberWords(db *DB, words []string, fail error) error {
	return db.storyUpdate(context.Background(), func(tx *bolt.Tx, post *postingsTx) error {
		for _, w := range words {
			if _, err := post.vocab.id(w); err != nil {
				return err
			}
		}
		return fail
	})
}

// TestFailedWriteGivesItsNumbersAgain: numbers given in a transaction that
// fails are not kept, in memory or on disk, and the next transaction gives
// them to its own words, which a reopened store reads back the same.
func TestFailedWriteGivesItsNumbersAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := len(db.vocab.snapshot())
	boom := fmt.Errorf("boom")
	if err := numberWords(db, []string{"lost"}, boom); err != boom {
		t.Fatalf("the failing write returned %v", err)
	}
	if got := len(db.vocab.snapshot()); got != before {
		t.Errorf("a failed write left the vocabulary at %d words, was %d", got, before)
	}
	var id uint32
	err = db.storyUpdate(context.Background(), func(tx *bolt.Tx, post *postingsTx) (err error) {
		id, err = post.vocab.id("kept")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if id != uint32(before) {
		t.Errorf("the next word got number %d, want the failed one's %d", id, before)
	}
	db.Close()
	if db, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.vocab.snapshot(); len(got) != before+1 || got[id] != "kept" || slices.Contains(got, "lost") {
		t.Errorf("reopened vocabulary %q, want %d words with %q at %d", got, before+1, "kept", id)
	}
}

// TestSearchWhileWordsAreNumbered: a search finds every item committed
// before it began, by a word numbered in that item's own write, while
// other writes number more words (go test -race checks the sharing).
func TestSearchWhileWordsAreNumbered(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	word := func(i int) string { return fmt.Sprintf("zq%dx", i) }
	const n = 200
	var committed atomic.Int64
	done := make(chan error, 1)
	go func() {
		for i := range n {
			it := pressfeed.Item{GUID: fmt.Sprint(i), Title: "Release " + word(i), Published: time.Date(2026, 11, 20, 9, 0, i, 0, time.UTC)}
			if _, err := db.Ingest(ctx, "force", []pressfeed.Item{it}, pressfeed.SourceState{}); err != nil {
				done <- err
				return
			}
			committed.Store(int64(i + 1))
		}
		done <- nil
	}()
	for searched := 0; ; searched++ {
		c := int(committed.Load())
		if c > 0 {
			page, err := db.Stories(ctx, pressfeed.Query{Text: word(c - 1), Limit: 5, Ungrouped: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Stories) != 1 || page.Stories[0].Primary().GUID != fmt.Sprint(c-1) {
				t.Fatalf("a search for %s, committed before it began, found %d stories", word(c-1), len(page.Stories))
			}
		}
		if c == n {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A damaged page under the vocabulary makes Open fail with a message, not
// a panic, and VerifyFile lists the damage.
func TestOpenRefusesADamagedVocabulary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for i := range 3000 {
		words = append(words, fmt.Sprintf("word%d", i))
	}
	if err := numberWords(db, words, nil); err != nil {
		t.Fatal(err)
	}
	var root, pageSize int
	db.bolt.View(func(tx *bolt.Tx) error {
		root, pageSize = int(tx.Bucket(bucketVocab).Root()), tx.DB().Info().PageSize
		return nil
	})
	db.Close()
	if root == 0 {
		t.Fatal("the vocabulary is inline; the test needs it on pages of its own")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := root * pageSize; i < (root+1)*pageSize; i++ {
		data[i] = 0xAB
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, readOnly := range []bool{true, false} {
		if db, err := Open(path, Options{ReadOnly: readOnly}); err == nil {
			db.Close()
			t.Errorf("read-only %v: a damaged vocabulary opened", readOnly)
		} else if !strings.Contains(err.Error(), "damaged") {
			t.Errorf("read-only %v: %v, want it to say the store is damaged", readOnly, err)
		}
	}
	if err := VerifyFile(context.Background(), path); err == nil {
		t.Error("verify passed a damaged vocabulary")
	}
}

// A vocabulary with a number no word holds (a word deleted by hand) is
// refused at Open, naming the number, rather than read with a hole.
func TestOpenRefusesAVocabularyWithAHole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := numberWords(db, []string{"first", "second", "third"}, nil); err != nil {
		t.Fatal(err)
	}
	second := db.vocab.ids["second"]
	err = db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketVocab).Delete([]byte("second")) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("no vocabulary word has the number %d", second)
	if db, err := Open(path, Options{ReadOnly: true}); err == nil {
		db.Close()
		t.Error("a vocabulary with a hole opened")
	} else if !strings.Contains(err.Error(), want) {
		t.Errorf("Open = %v, want %q", err, want)
	}
}
