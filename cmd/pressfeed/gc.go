package main

import (
	"os"
	"runtime/debug"
)

// GC defaults, unless GOGC or GOMEMLIMIT say otherwise. Parsing, sanitizing
// and encoding feeds makes much short-lived garbage around a small live heap
// (about 20 MB at 1,000 sources), so the default GOGC=100 collects far more
// often than memory requires: at 1,000 sources the cold cycle spent a fifth
// of its CPU collecting (BENCHMARKS.md). gcPercent lets the heap grow further
// between collections, and the soft limit makes the collector work harder
// again well before memory matters on a small machine.
const (
	gcPercent   = 200
	memoryLimit = 96 << 20
)

// tuneGC applies the GC defaults.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
