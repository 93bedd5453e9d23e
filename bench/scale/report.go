package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// Targets from the issue.
const (
	target304Wall = 1.2 // the 304 cycle's wall time within 1.2× its floor
	targetColdCPU = 1.5 // the cold cycle's CPU within 1.5× its floor
	targetRSSMB   = 150 // peak RSS of every pressfeed process
)

// report prints the results as Markdown, ready to paste into BENCHMARKS.md.
func report(w io.Writer, o options, cycles []cycleResult, s serveResult) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "\n### Results\n\n")
	fmt.Fprintf(w, "`go run ./bench/scale %s` — %s, %s/%s, %d CPUs, %s, host %s\n\n",
		strings.Join(os.Args[1:], " "), time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), host)
	fmt.Fprintf(w, "%d sources × %d items (~%d KB a feed), concurrency %d, median of %d runs.\n\n",
		o.sources, o.items, o.items*(o.itemBytes+250)/1024, o.concurrency, o.runs)
	fmt.Fprintln(w, "| cycle | pressfeed stored | wall: pressfeed / floor | CPU s: pressfeed / floor | peak RSS MB: pressfeed (anon) / floor | store size |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, c := range cycles {
		fmt.Fprintf(w, "| %s | %s | %s / %s (%.2f×) | %.2f / %.2f (%.2f×) | %d (%d) / %d | %s |\n",
			c.name, c.items,
			secs(c.ours.wall), secs(c.floor.wall), ratio(c.ours.wall, c.floor.wall),
			c.ours.cpu.Seconds(), c.floor.cpu.Seconds(), ratio(c.ours.cpu, c.floor.cpu),
			c.ours.rssKB/1024, c.ours.anonKB/1024, c.floor.rssKB/1024, mb(c.storeBytes))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Store filled to %d items (last fill cycle: %s wall, %.2f CPU s, %d MB peak RSS; %s on disk).\n",
		s.stored, secs(s.fill.wall), s.fill.cpu.Seconds(), s.fill.rssKB/1024, mb(s.storeBytes))
	fmt.Fprintf(w, "`pressfeed serve` on it: start-up cycle (all 304) logged in %s; peak RSS %d MB after the latency runs (anonymous %d MB at the end; the rest is the store's pages, mapped by bbolt).\n\n", secs(s.startup), s.rssKB/1024, s.anonKB/1024)
	fmt.Fprintf(w, "| feed (uncached: each request a distinct URL) | p50 | p99 | requests | response |\n|---|---|---|---|---|\n")
	for _, l := range s.latencies {
		fmt.Fprintf(w, "| %s `%s` | %s | %s | %d | %d KB |\n", l.what, l.path, ms(l.p50), ms(l.p99), l.samples, l.bytes/1024)
	}
	fmt.Fprintf(w, "\n(p99 is the slowest request when fewer than 100 were made; each URL gets at most %s.)\n\n", urlBudget)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | measured | |")
	fmt.Fprintln(w, "|---|---|---|")
	var c304, cold cycleResult
	var peak, anon int64
	for _, c := range cycles {
		switch {
		case strings.Contains(c.name, "304"):
			c304 = c
		case strings.HasPrefix(c.name, "cold"):
			cold = c
		}
		peak, anon = max(peak, c.ours.rssKB), max(anon, c.ours.anonKB)
	}
	peak, anon = max(peak, s.fill.rssKB, s.rssKB), max(anon, s.fill.anonKB, s.anonKB)
	r304, rcold := ratio(c304.ours.wall, c304.floor.wall), ratio(cold.ours.cpu, cold.floor.cpu)
	fmt.Fprintf(w, "| 304 cycle wall ≤ %.1f× floor | %.2f× | %s |\n", target304Wall, r304, verdict(r304 <= target304Wall))
	fmt.Fprintf(w, "| cold cycle CPU ≤ %.1f× floor | %.2f× | %s |\n", targetColdCPU, rcold, verdict(rcold <= targetColdCPU))
	fmt.Fprintf(w, "| peak RSS < %d MB (every resident page, the mapped store included) | %d MB | %s |\n", targetRSSMB, peak/1024, verdict(peak/1024 < targetRSSMB))
	fmt.Fprintf(w, "| peak anonymous RSS < %d MB (heap and stacks: the process's own memory) | %d MB | %s |\n", targetRSSMB, anon/1024, verdict(anon/1024 < targetRSSMB))
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
