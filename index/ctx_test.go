package index_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
)

// TestCalledOffWorkTouchesNoStore: every store method given a context that
// is already done returns an error wrapping its cause and reads or writes
// nothing, so a request or poll that was called off starts no store work.
func TestCalledOffWorkTouchesNoStore(t *testing.T) {
	db, err := index.Open(filepath.Join(t.TempDir(), "s.db"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	live := context.Background()
	src := pressfeed.Source{ID: "force-a", Name: "Force A", Kind: "force", URL: "https://a.example/feed", Type: "feed"}
	item := pressfeed.Item{GUID: "g1", Title: "Appeal", Link: "https://a.example/1", Published: time.Now()}
	if _, err := db.SeedSources(live, []pressfeed.Source{src}); err != nil {
		t.Fatal(err)
	}
	res, err := db.Ingest(live, "force-a", []pressfeed.Item{item}, pressfeed.SourceState{})
	if err != nil || res.New != 1 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	key := pressfeed.ItemKey("force-a", "g1")
	ctx, cancel := context.WithCancel(live)
	cancel()
	other := src
	other.ID = "pcc-b"
	item2 := item
	item2.GUID = "g2"
	calls := map[string]func() error{
		"Sources":      func() error { _, err := db.Sources(ctx); return err },
		"Source":       func() error { _, err := db.Source(ctx, "force-a"); return err },
		"PutSource":    func() error { return db.PutSource(ctx, other) },
		"DeleteSource": func() error { return db.DeleteSource(ctx, "force-a") },
		"SeedSources":  func() error { _, err := db.SeedSources(ctx, []pressfeed.Source{other}); return err },
		"State":        func() error { _, err := db.State(ctx, "force-a"); return err },
		"States":       func() error { _, err := db.States(ctx); return err },
		"SaveState":    func() error { return db.SaveState(ctx, "force-a", pressfeed.SourceState{ETag: `"x"`}) },
		"Ingest": func() error {
			_, err := db.Ingest(ctx, "force-a", []pressfeed.Item{item2}, pressfeed.SourceState{})
			return err
		},
		"Item":       func() error { _, err := db.Item(ctx, key); return err },
		"ItemCount":  func() error { _, err := db.ItemCount(ctx); return err },
		"KnownItems": func() error { _, err := db.KnownItems(ctx, "force-a", []string{"g1"}); return err },
		"FindStory":  func() error { _, err := db.FindStory(ctx, "force-a", item); return err },
		"Stats":      func() error { _, err := db.Stats(ctx); return err },
		"PutSession": func() error {
			return db.PutSession(ctx, pressfeed.AdminSession{Hash: "h", Account: "a", Expires: time.Now().Add(time.Hour)})
		},
		"GetSession":    func() error { _, _, err := db.GetSession(ctx, "h"); return err },
		"DeleteSession": func() error { return db.DeleteSession(ctx, "h") },
		"PruneSessions": func() error { _, err := db.PruneSessions(ctx, time.Now()); return err },
		"CreateToken":   func() error { return db.CreateToken(ctx, pressfeed.APIToken{Name: "t", Hash: "th"}) },
		"RevokeToken":   func() error { return db.RevokeToken(ctx, "t", pressfeed.Actor{Name: "a"}) },
		"TokenByHash":   func() error { _, err := db.TokenByHash(ctx, "th"); return err },
		"Tokens":        func() error { _, err := db.Tokens(ctx); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
	list, _ := db.Sources(live)
	if n, _ := db.ItemCount(live); len(list) != 1 || n != 1 {
		t.Errorf("called-off writes changed the store: %d sources, %d items", len(list), n)
	}
	if st, _ := db.State(live, "force-a"); st.ETag != "" {
		t.Errorf("a called-off SaveState was kept: %+v", st)
	}
}
