package web_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
)

// t0 is the tests' "now": a Friday morning in November.
var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// atT0 is a clock stopped at t0.
func atT0() time.Time { return t0 }

// quietLogger is a logger for servers whose log a test does not read.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// openStore opens a real store in a temp dir, closed when tb ends.
func openStore(tb testing.TB, opts index.Options) *index.DB {
	tb.Helper()
	db, err := index.Open(filepath.Join(tb.TempDir(), "store.db"), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// seedStore stores sources and then, for each in turn, items(i, source)
// with state, as a poll would.
func seedStore(tb testing.TB, db *index.DB, sources []pressfeed.Source, state pressfeed.SourceState, items func(i int, src pressfeed.Source) []pressfeed.Item) {
	tb.Helper()
	ctx := context.Background()
	if _, err := db.SeedSources(ctx, sources); err != nil {
		tb.Fatal(err)
	}
	for i, src := range sources {
		if _, err := db.Ingest(ctx, src.ID, items(i, src), state); err != nil {
			tb.Fatal(err)
		}
	}
}
