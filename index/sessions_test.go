package index_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
)

// TestSessionStore keeps, reads, expires and deletes admin sessions, in a
// store that had none (the bucket appears with the first), which still
// verifies.
func TestSessionStore(t *testing.T) {
	ctx := context.Background()
	db, err := index.Open(filepath.Join(t.TempDir(), "s.db"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, ok, err := db.GetSession(ctx, "nothing"); ok || err != nil {
		t.Fatalf("a store without sessions: %v %v", ok, err)
	}
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for _, s := range []pressfeed.AdminSession{
		{Hash: "live", Name: "ann", Created: now, Expires: now.Add(time.Hour), Account: "fp"},
		{Hash: "old", Name: "bob", Created: now.Add(-2 * time.Hour), Expires: now.Add(-time.Hour), Account: "fp"},
	} {
		if err := db.PutSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if s, ok, err := db.GetSession(ctx, "live"); !ok || err != nil || s.Name != "ann" || s.Hash != "live" || !s.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("read back %+v %v %v", s, ok, err)
	}
	if n, err := db.PruneSessions(ctx, now); n != 1 || err != nil {
		t.Errorf("pruned %d (%v), want the expired one", n, err)
	}
	if _, ok, _ := db.GetSession(ctx, "old"); ok {
		t.Error("an expired session survived pruning")
	}
	if err := db.Verify(ctx); err != nil {
		t.Errorf("a store with sessions does not verify: %v", err)
	}
	if err := db.DeleteSession(ctx, "live"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.GetSession(ctx, "live"); ok {
		t.Error("a deleted session is still there")
	}
}
