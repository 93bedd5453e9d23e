package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Targets from issue #13.
const (
	targetCold      = 2.0 // the cold cycle's CPU and wall time within 2× its floor's
	targetWarm      = 1.3 // the 304 and 10 %-changed cycles' within 1.3×
	targetStoreKB   = 2.5 // the store after the cold cycle, kilobytes (1,000 bytes) an item
	targetRSSMB     = 300 // peak RSS of every pressfeed process, mapped store pages included
	targetFilterP50 = 20 * time.Millisecond
	targetGrowth    = 1.5 // cost at 100k items within 1.5× of cost at 10k
)

// report prints the results as Markdown, ready to paste into BENCHMARKS.md.
func report(w io.Writer, o options, cycles []cycleResult, s serveResult, growth []growthPoint) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "\n### Results\n\n")
	fmt.Fprintf(w, "`go run ./bench/scale %s` — %s, %s/%s, %d CPUs, %s, host %s\n\n",
		strings.Join(os.Args[1:], " "), time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), host)
	fmt.Fprintf(w, "%d sources × %d items (~%d KB a feed), concurrency %d, median of %d runs.\n\n",
		o.sources, o.items, o.items*(o.itemBytes+250)/1024, o.concurrency, o.runs)
	fmt.Fprintln(w, "| cycle | pressfeed stored | wall: pressfeed / floor | CPU s: pressfeed / floor | peak RSS MB: pressfeed (anon) / floor | store size |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, c := range cycles {
		if c.warmUp {
			fmt.Fprintf(w, "| %s | %s | %s / – | %.2f / – | %d (%d) / – | %s |\n",
				c.name, c.items, secs(c.ours.wall), c.ours.cpu.Seconds(), c.ours.rssKB/1024, c.ours.anonKB/1024, mb(c.storeBytes))
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s / %s (%.2f×) | %.2f / %.2f (%.2f×) | %d (%d) / %d | %s |\n",
			c.name, c.items,
			secs(c.ours.wall), secs(c.floor.wall), ratio(c.ours.wall, c.floor.wall),
			c.ours.cpu.Seconds(), c.floor.cpu.Seconds(), ratio(c.ours.cpu, c.floor.cpu),
			c.ours.rssKB/1024, c.ours.anonKB/1024, c.floor.rssKB/1024, mb(c.storeBytes))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Store filled to %d items (last fill cycle: %s wall, %.2f CPU s, %d MB peak RSS, of it %d MB anonymous at most; %s on disk).\n",
		s.stored, secs(s.fill.wall), s.fill.cpu.Seconds(), s.fill.rssKB/1024, s.fill.anonKB/1024, mb(s.storeBytes))
	fmt.Fprintf(w, "`pressfeed serve` on it: start-up cycle (all 304) logged in %s; peak RSS %d MB after the latency runs (anonymous %d MB at the end; the rest is the store's pages, mapped by bbolt).\n\n", secs(s.startup), s.rssKB/1024, s.anonKB/1024)
	fmt.Fprintf(w, "| feed (uncached: each request a distinct URL) | p50 | p99 | requests | response |\n|---|---|---|---|---|\n")
	for _, l := range s.latencies {
		fmt.Fprintf(w, "| %s `%s` | %s | %s | %d | %d KB |\n", l.what, l.path, ms(l.p50), ms(l.p99), l.samples, l.bytes/1024)
	}
	fmt.Fprintf(w, "\n(p99 is the slowest request when fewer than 100 were made; each URL gets at most %s.)\n\n", urlBudget)
	growthRatio := reportGrowth(w, growth)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | measured | |")
	fmt.Fprintln(w, "|---|---|---|")
	var c304, changed, cold cycleResult
	var peak int64
	for _, c := range cycles {
		// The 304 and changed targets are for a running daemon
		// (daemonCycles, which come last).
		switch {
		case c.warmUp:
		case strings.Contains(c.name, "304"):
			c304 = c
		case strings.Contains(c.name, "changed"):
			changed = c
		case strings.HasPrefix(c.name, "cold"):
			cold = c
		}
		peak = max(peak, c.ours.rssKB)
	}
	peak = max(peak, s.fill.rssKB, s.rssKB)
	for _, t := range []struct {
		what string
		r    float64
		max  float64
	}{
		{"cold cycle CPU", ratio(cold.ours.cpu, cold.floor.cpu), targetCold},
		{"cold cycle wall", ratio(cold.ours.wall, cold.floor.wall), targetCold},
		{"304 cycle wall (running daemon, warm floor)", ratio(c304.ours.wall, c304.floor.wall), targetWarm},
		{"10 % changed cycle wall (running daemon, warm floor)", ratio(changed.ours.wall, changed.floor.wall), targetWarm},
	} {
		fmt.Fprintf(w, "| %s ≤ %.1f× floor | %.2f× | %s |\n", t.what, t.max, t.r, verdict(t.r <= t.max))
	}
	perItem := float64(cold.storeBytes) / float64(o.sources*o.items) / 1000
	fmt.Fprintf(w, "| store after the cold cycle ≤ %.1f KB an item | %.2f KB | %s |\n", targetStoreKB, perItem, verdict(perItem <= targetStoreKB))
	fmt.Fprintf(w, "| peak RSS < %d MB (every resident page, the mapped store included; the target is for 100k items) | %d MB | %s |\n", targetRSSMB, peak/1024, verdict(peak/1024 < targetRSSMB))
	if growthRatio > 0 {
		fmt.Fprintf(w, "| how cost grows: ingest CPU an item and every feed's p50, largest ÷ smallest from %d to %d items ≤ %.1f× | %.2f× | %s |\n",
			growth[0].stored, growth[len(growth)-1].stored, targetGrowth, growthRatio, verdict(growthRatio <= targetGrowth))
	}
	for _, l := range s.latencies {
		if strings.Contains(l.path, "source=") || strings.Contains(l.path, "kind=") || strings.Contains(l.path, "area=") {
			fmt.Fprintf(w, "| %s p50 ≤ %s | %s | %s |\n", l.what, ms(targetFilterP50), ms(l.p50), verdict(l.p50 <= targetFilterP50))
		}
	}
}

// reportGrowth prints how ingest CPU an item and each feed's p50 grow with
// the store, and returns the largest growth (largest ÷ smallest) of any
// column.
func reportGrowth(w io.Writer, growth []growthPoint) float64 {
	if len(growth) < 2 {
		return 0
	}
	fmt.Fprintf(w, "How cost grows with the store (ingest CPU an item of the cycle that brought the store to its size: a cold cycle, else the last fill; feed p50s as above):\n\n")
	fmt.Fprint(w, "| stored items | ingest CPU an item |")
	for _, l := range growth[0].latencies {
		fmt.Fprintf(w, " `%s` |", l.path)
	}
	fmt.Fprint(w, "\n|---|---|")
	for range growth[0].latencies {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	cols := make([][]time.Duration, 1+len(growth[0].latencies))
	for _, g := range growth {
		fmt.Fprintf(w, "| %d | %.0f µs |", g.stored, float64(g.cpuPerItem.Nanoseconds())/1000)
		cols[0] = append(cols[0], g.cpuPerItem)
		for i, l := range g.latencies {
			fmt.Fprintf(w, " %s |", ms(l.p50))
			cols[i+1] = append(cols[i+1], l.p50)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "| largest ÷ smallest |")
	worst := 0.0
	for _, c := range cols {
		lo, hi := slices.Min(c), slices.Max(c)
		r := ratio(hi, lo)
		worst = max(worst, r)
		fmt.Fprintf(w, " %.2f× |", r)
	}
	fmt.Fprintln(w)
	return worst
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
func ms(d time.Duration) string   { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
func mb(n int64) string           { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
