package index

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/internal/synthtext"
)

// benchLateWord is in nearly every item and sorts late in a search text,
// so testing for it reads most of each text.
const benchLateWord = "update"

// benchSearchSources is the number of publishers of the benchmark store.
const benchSearchSources = 20

// benchItem is item number n of the benchmark store: an eight-word title and
// a summary of about 1.9 KB of HTML (the size bench/scale serves), with a
// link, markup and an apostrophe (stored as &#39;, as the sanitizer writes
// it) in each paragraph. Item 0, the oldest, alone has the word "zyzzyva".
func benchItem(n int, published time.Time) pressfeed.Item {
	words := synthtext.NewWords(uint64(n), 7).Write
	var title, summary strings.Builder
	words(&title, 8)
	if n == 0 {
		title.WriteString(" zyzzyva")
	}
	for summary.Len() < 1900 {
		summary.WriteString("<p>")
		words(&summary, 30)
		fmt.Fprintf(&summary, ` it&#39;s <a href="https://example.org/news/%d/more">more</a> <strong>update</strong></p>`, n)
	}
	return pressfeed.Item{
		GUID:      fmt.Sprintf("https://example.org/news/%d", n),
		Title:     title.String(),
		Link:      fmt.Sprintf("https://example.org/news/%d", n),
		Summary:   summary.String(),
		Published: published,
	}
}

// benchEpoch is when a benchmark store's first item is published.
var benchEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// benchDB opens an empty store without fsyncs whose clock reads *now,
// closed when b ends (a test or a benchmark).
func benchDB(b testing.TB, now *time.Time) *DB {
	b.Helper()
	db, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{NoSync: true, Now: func() time.Time { return *now }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// benchSearchStore builds a store of n items from benchSearchSources
// publishers, one item every ten minutes, ingested in polls of 50 items per
// source with the clock following, and returns it open.
func benchSearchStore(b testing.TB, n int) *DB {
	b.Helper()
	ctx := context.Background()
	epoch := benchEpoch
	now := epoch
	db := benchDB(b, &now)
	const perPoll = 50
	pending := make([][]pressfeed.Item, benchSearchSources)
	for i := 0; i < n; i++ {
		published := epoch.Add(time.Duration(i) * 10 * time.Minute)
		s := i % benchSearchSources
		pending[s] = append(pending[s], benchItem(i, published))
		if len(pending[s]) == perPoll || i == n-1 {
			now = published.Add(time.Minute)
			for s, items := range pending {
				if len(items) == 0 {
					continue
				}
				if _, err := db.Ingest(ctx, fmt.Sprintf("src-%02d", s), items, pressfeed.SourceState{}); err != nil {
					b.Fatal(err)
				}
				pending[s] = pending[s][:0]
			}
		}
	}
	return db
}

// BenchmarkSearch times one page of Stories with text searches over stores
// of 10,000 and 100,000 items:
//
//	go test ./index -run '^$' -bench Search -benchmem
//
// Building the 100,000-item store takes a few minutes; -bench
// 'Search/items=10k' skips it.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	queries := []struct {
		name string
		q    pressfeed.Query
	}{
		{"no-text", pressfeed.Query{}},
		{"no-match", pressfeed.Query{Text: "nosuchword"}},
		{"no-match-one-source", pressfeed.Query{Text: "nosuchword", Sources: []string{"src-03"}}},
		{"oldest-only", pressfeed.Query{Text: "zyzzyva"}},
		{"common-word", pressfeed.Query{Text: synthtext.Vocabulary[0]}},
		{"two-common-words", pressfeed.Query{Text: synthtext.Vocabulary[0] + " " + synthtext.Vocabulary[1]}},
		{"common-word-limit-500", pressfeed.Query{Text: synthtext.Vocabulary[0], Limit: 500}},
		{"ten-common-words-no-match", pressfeed.Query{Text: strings.Join(synthtext.Vocabulary[:10], " ") + " nosuchword"}},
		{"a-word-30-times-no-match", pressfeed.Query{Text: strings.Repeat(benchLateWord+" ", 30) + "nosuchword"}},
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("items=%dk", n/1000), func(b *testing.B) {
			db := benchSearchStore(b, n)
			for _, tc := range queries {
				b.Run(tc.name, func(b *testing.B) {
					for b.Loop() {
						page, err := db.Stories(ctx, tc.q)
						if err != nil {
							b.Fatal(err)
						}
						if strings.Contains(tc.q.Text, "nosuchword") && len(page.Stories) != 0 {
							b.Fatal("a search for a missing word found stories")
						}
					}
				})
			}
		})
	}
}

// BenchmarkPostingsBuild times building the in-memory word postings from
// story_items, as the first story lookup after Open does, over the story
// window of a store of 1,000 of bench/scale's items (all in the window):
//
//	go test ./index -run '^$' -bench PostingsBuild -benchmem
func BenchmarkPostingsBuild(b *testing.B) {
	db := benchSearchStore(b, 1000)
	for b.Loop() {
		var p postings
		if err := p.build(db.bolt, &db.vocab); err != nil {
			b.Fatal(err)
		}
		if len(p.words) == 0 {
			b.Fatal("no postings built")
		}
	}
}

// BenchmarkCopiedStories times one page of a source's stories when every
// story was published by eight of benchSearchSources sources, as a press
// release copied by a force, its commissioner and the regional unit is: the
// page names every member, and the members' records are read for it.
//
//	go test ./index -run '^$' -bench CopiedStories -benchmem
func BenchmarkCopiedStories(b *testing.B) {
	ctx := context.Background()
	const stories, copies = 1000, 8
	epoch := benchEpoch
	now := epoch
	db := benchDB(b, &now)
	for n := 0; n < stories; n++ {
		published := epoch.Add(time.Duration(n) * time.Hour)
		now = published.Add(time.Minute)
		it := benchItem(n, published)
		for c := 0; c < copies; c++ {
			s := (n + c) % benchSearchSources
			cp := it
			cp.GUID = fmt.Sprintf("%s?copy=%d", it.GUID, c)
			cp.Link = cp.GUID
			if _, err := db.Ingest(ctx, fmt.Sprintf("src-%02d", s), []pressfeed.Item{cp}, pressfeed.SourceState{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	q := pressfeed.Query{Sources: []string{"src-03"}}
	page, err := db.Stories(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	if len(page.Stories) != 50 || len(page.Stories[0].Members) != copies {
		b.Fatalf("got %d stories, the first with %d members; want 50 with %d", len(page.Stories), len(page.Stories[0].Members), copies)
	}
	for b.Loop() {
		if _, err := db.Stories(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
