package main

import (
	"os"
	"runtime/debug"
)

// GC defaults, unless GOGC says otherwise. Parsing, sanitizing and encoding
// feeds makes much short-lived garbage, so the default GOGC=100 collects
// more often than memory requires: gcPercent lets the heap grow further
// between collections (a cold cycle of 1,000 sources took 45 CPU s at 200
// against 52 s at 100, for a larger heap: BENCHMARKS.md). 150 costs no CPU
// that shows against 200 (BenchmarkColdIngest alternating) and keeps peak
// RSS at 100,000 items under 300 MB, where 200 took it to 309–315 MB.
//
// There is no default memory limit. One was set (96 MiB) while the live
// heap was about 20 MB; since the story postings moved to memory the live
// heap grows with the story window, and a soft limit below it makes the
// collector run nearly without pause: at 100,000 items a poll cycle took
// four times the CPU and filtered feeds three to five times as long.
// GOMEMLIMIT still sets one, for a small machine; it must stay well above
// the live heap (the anonymous memory bench/scale reports).
const gcPercent = 150

// tuneGC applies the GC defaults.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
