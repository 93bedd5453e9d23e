package index_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"pressfeed"
	"pressfeed/index"
)

// TestConditionalChangesRace runs many writers at once, each changing one
// source against the version they all read: exactly one is stored, every
// other is refused with a ConflictError naming the winner, in the write
// transaction itself.
func TestConditionalChangesRace(t *testing.T) {
	db, err := index.Open(filepath.Join(t.TempDir(), "s.db"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	src := pressfeed.Source{ID: "force-a", Name: "Force A", Kind: "force", URL: "https://a.example/feed", Type: "feed"}
	if _, err := db.SeedSources(ctx, []pressfeed.Source{src}); err != nil {
		t.Fatal(err)
	}
	base := src.Version()
	const writers = 16
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := src
			next.Area = fmt.Sprintf("Area %d", i)
			_, errs[i] = db.ApplySourceChanges(ctx, pressfeed.Actor{Name: fmt.Sprintf("writer-%d", i), Via: "api"},
				[]pressfeed.SourceChange{{Action: pressfeed.ActionUpdate, Source: next, IfVersion: base}})
		}()
	}
	wg.Wait()
	stored, _ := db.Source(ctx, "force-a")
	winner := -1
	for i, err := range errs {
		var ce *pressfeed.ConflictError
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("writers %d and %d both won", winner, i)
			}
			winner = i
		case errors.As(err, &ce) && errors.Is(err, pressfeed.ErrConflict):
			if ce.Current.Version() != stored.Version() {
				t.Errorf("writer %d was refused against version %s, stored is %s", i, ce.Current.Version(), stored.Version())
			}
		default:
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if winner < 0 || stored.Area != fmt.Sprintf("Area %d", winner) {
		t.Fatalf("winner %d, stored area %q", winner, stored.Area)
	}
	var ce *pressfeed.ConflictError
	for i, err := range errs {
		if i != winner && errors.As(err, &ce) && ce.By.Name != fmt.Sprintf("writer-%d", winner) {
			t.Errorf("writer %d was told %s won, not writer-%d", i, ce.By.Name, winner)
		}
	}
	// Unconditional changes and polls are not refused.
	if _, err := db.ApplySourceChanges(ctx, pressfeed.Actor{Name: "cli", Via: "cli"}, []pressfeed.SourceChange{{Action: pressfeed.ActionPoll, Source: src, IfVersion: base}}); err != nil {
		t.Errorf("a poll against an old version: %v", err)
	}
	if _, err := db.ApplySourceChanges(ctx, pressfeed.Actor{Name: "cli", Via: "cli"}, []pressfeed.SourceChange{{Action: pressfeed.ActionUpdate, Source: src}}); err != nil {
		t.Errorf("an unconditional update: %v", err)
	}
}
