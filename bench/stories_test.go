// Package bench_test holds the benchmarks that need a large store. Run them
// with bench/stories.sh; BENCHMARKS.md has the figures.
package bench_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
)

// perDay is the region's rate of releases, cross-posts included.
const perDay = 150

// corpus grows a store of synthetic releases at perDay, with the clock
// following, so the story window holds about a week of releases whatever
// the store's size.
type corpus struct {
	db    *index.DB
	clock time.Time
	r     *rand.Rand
	seq   int
	items int
	// recent releases, for probes that cross-post them
	recent []release
	facts  map[string]bool
}

func newCorpus(tb testing.TB) *corpus {
	c := &corpus{clock: time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC), r: rand.New(rand.NewPCG(5, 5)), facts: map[string]bool{}}
	db, err := index.Open(filepath.Join(tb.TempDir(), "bench.db"), index.Options{Now: func() time.Time { return c.clock }, NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ctx := context.Background()
	for _, id := range benchSources {
		src := pressfeed.Source{ID: id, Name: id, Kind: pressfeed.KindOther, URL: "https://" + id + ".example/feed", Type: pressfeed.TypeFeed, Enabled: true}
		if err := db.PutSource(ctx, src); err != nil {
			tb.Fatal(err)
		}
	}
	c.db = db
	return c
}

// grow adds releases until the store holds n items, a poll at a time: each
// poll stores one publisher's releases since its last poll. Every
// publisher is polled before it returns.
func (c *corpus) grow(tb testing.TB, n int) {
	step := 24 * time.Hour / perDay
	pending := map[string][]pressfeed.Item{}
	for c.items < n {
		c.clock = c.clock.Add(step)
		rel := c.newRelease()
		pending[rel.publishedBy] = append(pending[rel.publishedBy], rel.item(rel.publishedBy, 0))
		c.items++
		if c.r.IntN(10) == 0 { // a cross-post, a few hours later
			other := crossPoster(c.r, rel.publishedBy)
			copyRel := rel
			copyRel.published = rel.published.Add(time.Duration(c.r.IntN(6*60)) * time.Minute)
			pending[other] = append(pending[other], copyRel.item(other, 1))
			c.items++
		}
		c.recent = append(c.recent, rel)
		if len(c.recent) > perDay {
			c.recent = c.recent[1:]
		}
		if c.seq%100 == 0 { // every publisher is polled every 16 hours or so
			c.poll(tb, pending)
		}
	}
	c.poll(tb, pending)
}

func (c *corpus) poll(tb testing.TB, pending map[string][]pressfeed.Item) {
	for _, src := range benchSources {
		if len(pending[src]) == 0 {
			continue
		}
		if _, err := c.db.Ingest(context.Background(), src, pending[src], pressfeed.SourceState{}); err != nil {
			tb.Fatal(err)
		}
		delete(pending, src)
	}
}

// newRelease makes a release at the clock's time whose facts no earlier one
// had.
func (c *corpus) newRelease() release {
	for {
		rel := newRelease(c.r, c.clock, c.seq)
		c.seq++
		if !c.facts[rel.facts()] {
			c.facts[rel.facts()] = true
			return rel
		}
	}
}

// probes are the new items whose lookups are timed: half are another
// publisher's version of a release of the last day (they should find its
// story), half are new releases (they should not).
func (c *corpus) probes() []probe {
	var out []probe
	for i := 0; i < 64; i++ {
		if i%2 == 0 {
			rel := c.recent[c.r.IntN(len(c.recent))]
			other := crossPoster(c.r, rel.publishedBy)
			out = append(out, probe{source: other, item: rel.item(other, 1), joins: true})
			continue
		}
		rel := c.newRelease()
		out = append(out, probe{source: rel.publishedBy, item: rel.item(rel.publishedBy, 0)})
	}
	return out
}

type probe struct {
	source string
	item   pressfeed.Item
	joins  bool
}

// grouped counts the probes whose lookup agrees with the generator: a
// copy finds a story, a new release does not.
func (c *corpus) grouped(tb testing.TB, probes []probe) int {
	right := 0
	for _, p := range probes {
		id, err := c.db.FindStory(context.Background(), p.source, p.item)
		if err != nil {
			tb.Fatal(err)
		}
		if (id != "") == p.joins {
			right++
		}
	}
	return right
}

// TestSyntheticProbesGroup grows a synthetic store to 10k items (a few
// seconds) and checks that every probe's lookup agrees with the generator:
// each copy of a recent release finds its story, each new release finds
// none. The labelled set in similar/testdata measures the comparison; this
// measures the lookup that feeds it candidates, which a store of many
// templated releases can crowd: with 16 candidates compared instead of 32,
// 11 of these 128 probes, all copies, went unfound.
func TestSyntheticProbesGroup(t *testing.T) {
	c := newCorpus(t)
	c.grow(t, 10_000)
	probes := append(c.probes(), c.probes()...)
	for _, p := range probes {
		id, err := c.db.FindStory(context.Background(), p.source, p.item)
		if err != nil {
			t.Fatal(err)
		}
		if (id != "") != p.joins {
			t.Errorf("%s: %q should join a story: %v, found %q", p.source, p.item.Title, p.joins, id)
		}
	}
}

// BenchmarkStories grows a store of synthetic releases to 1k, 10k and
// 100k items and at each size times, for one new item:
//
//   - find: its story lookup alone (DB.FindStory: the link and word
//     indexes, then comparing the candidates), a read transaction. The
//     project's target is at most twice the 1k cost at 100k.
//   - ingest: storing it in a poll of its own, story assignment and index
//     upkeep included, without fsync (which would time the disk).
//
// Sizes are timed minutes apart, so on a shared machine their times also
// differ by the load; find/interleaved therefore alternates lookups in a
// second, 1k store with lookups in the 100k one and reports both means and
// their ratio from the same stretch of time. The stores are built through
// Ingest, so the run takes about two minutes.
func BenchmarkStories(b *testing.B) {
	ctx := context.Background()
	small := newCorpus(b)
	small.grow(b, 1_000)
	smallProbes := small.probes()
	c := newCorpus(b)
	origin := c.clock
	var probes []probe
	for _, n := range []int{1_000, 10_000, 100_000} {
		start := time.Now()
		c.grow(b, n)
		probes = c.probes()
		b.Logf("stored %d items (%d days) in %s; %d of %d probes grouped as generated",
			c.items, int(c.clock.Sub(origin).Hours()/24), time.Since(start).Round(time.Millisecond), c.grouped(b, probes), len(probes))
		size := fmt.Sprintf("stored=%dk", n/1000)
		b.Run("find/"+size, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				p := probes[i%len(probes)]
				if _, err := c.db.FindStory(ctx, p.source, p.item); err != nil {
					b.Fatal(err)
				}
			}
		})
		if n == 100_000 { // before ingest moves the clock past the probes
			b.Run("find/interleaved", func(b *testing.B) { interleaved(b, small, smallProbes, c, probes) })
		}
		b.Run("ingest/"+size, func(b *testing.B) {
			for b.Loop() {
				c.clock = c.clock.Add(24 * time.Hour / perDay)
				rel := c.newRelease()
				if _, err := c.db.Ingest(ctx, rel.publishedBy, []pressfeed.Item{rel.item(rel.publishedBy, 0)}, pressfeed.SourceState{}); err != nil {
					b.Fatal(err)
				}
				c.items++
			}
		})
	}
}

// interleaved alternates lookups in two stores and reports the mean of
// each and their ratio, all from the same stretch of time.
func interleaved(b *testing.B, small *corpus, smallProbes []probe, large *corpus, largeProbes []probe) {
	ctx := context.Background()
	var at1k, at100k time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		for _, run := range []struct {
			c     *corpus
			p     probe
			total *time.Duration
		}{{small, smallProbes[i%len(smallProbes)], &at1k}, {large, largeProbes[i%len(largeProbes)], &at100k}} {
			start := time.Now()
			if _, err := run.c.db.FindStory(ctx, run.p.source, run.p.item); err != nil {
				b.Fatal(err)
			}
			*run.total += time.Since(start)
		}
		n++
	}
	b.ReportMetric(float64(at1k.Nanoseconds())/float64(n), "ns/find@1k")
	b.ReportMetric(float64(at100k.Nanoseconds())/float64(n), "ns/find@100k")
	b.ReportMetric(float64(at100k)/float64(at1k), "growth")
}

// TestSyntheticCorpusGroups checks that the generator and the store agree:
// each cross-post ends in its release's story, and nothing else is grouped.
// A benchmark of lookups that find nothing would measure nothing.
func TestSyntheticCorpusGroups(t *testing.T) {
	c := newCorpus(t)
	c.grow(t, 600)
	release := func(guid string) string { // "rel-12-cheshire-pcc" → "rel-12"
		parts := strings.SplitN(guid, "-", 3)
		return parts[0] + "-" + parts[1]
	}
	// A story names its members other than the primary by key: their
	// items, whole, come from an ungrouped walk.
	stored := map[string]pressfeed.Item{}
	eachStory(t, c.db, pressfeed.Query{Ungrouped: true}, func(st pressfeed.Story) { stored[st.ID] = st.Primary() })
	members := map[string]int{} // release → items stored
	grouped, wrong := 0, 0
	eachStory(t, c.db, pressfeed.Query{}, func(st pressfeed.Story) {
		for _, m := range st.Members {
			it, ok := stored[m.Key]
			if !ok {
				t.Fatalf("story %q names item %s, which an ungrouped walk did not reach", st.Primary().Title, m.Key)
			}
			members[release(it.GUID)]++
			if release(it.GUID) != release(st.Primary().GUID) {
				wrong++
				t.Errorf("story %q holds %q", st.Primary().Title, it.Title)
			}
		}
		if len(st.Members) > 1 {
			grouped++
		}
	})
	crossPosts := 0
	for _, n := range members {
		if n > 1 {
			crossPosts++
		}
	}
	t.Logf("%d cross-posted releases, %d grouped, %d items in a wrong story", crossPosts, grouped, wrong)
	if grouped*10 < crossPosts*9 {
		t.Errorf("%d of %d cross-posts grouped, want nine in ten", grouped, crossPosts)
	}
	probes := c.probes()
	right := c.grouped(t, probes)
	t.Logf("%d of %d probes grouped as generated", right, len(probes))
	if right*10 < len(probes)*9 {
		t.Errorf("%d of %d probes grouped as generated, want nine in ten", right, len(probes))
	}
}

// eachStory calls fn with every story of q, page by page.
func eachStory(t *testing.T, db *index.DB, q pressfeed.Query, fn func(pressfeed.Story)) {
	t.Helper()
	q.Limit = pressfeed.MaxLimit
	for {
		page, err := db.Stories(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range page.Stories {
			fn(st)
		}
		if page.Next == "" {
			return
		}
		q.Cursor = page.Next
	}
}
