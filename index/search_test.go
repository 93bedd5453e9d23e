package index_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
)

// search returns the keys of the items representing the stories that q
// finds, in order, following cursors to the end.
func search(t *testing.T, db *index.DB, q pressfeed.Query) []string {
	t.Helper()
	var keys []string
	for {
		page, err := db.Stories(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range page.Stories {
			keys = append(keys, st.ID)
		}
		if page.Next == "" {
			return keys
		}
		q.Cursor = page.Next
	}
}

func TestSearchWords(t *testing.T) {
	c := &clock{t0}
	db := storyDB(t, c)
	ingest(t, db, "force",
		release("cafe", "https://force.example/cafe", "CAFÉ owner thanks officers", "The owner of Zoë's café on Bold Street thanked <strong>officers</strong> and staff.", t0.Add(-3*time.Hour)),
		release("naive", "https://force.example/naive", "Naïve fraud victims warned", "Officers warn of a <a href=\"https://force.example/scam\">scam</a> aimed at the elderly in Señor Street.", t0.Add(-2*time.Hour)),
		release("parade", "https://force.example/parade", "Road closures for the parade", "Roads will close on Sunday for Smith&amp;Sons&#39; cr&egrave;me &lt;b&gt;.", t0.Add(-time.Hour)),
	)
	cafe, naive, parade := pressfeed.ItemKey("force", "cafe"), pressfeed.ItemKey("force", "naive"), pressfeed.ItemKey("force", "parade")
	tests := []struct {
		q    string
		want []string
	}{
		{"cafe", []string{cafe}},
		{"Café", []string{cafe}},
		{"CAFÉ", []string{cafe}},
		{"zoe", []string{cafe}},
		{"ZOË", []string{cafe}},
		{"naive", []string{naive}},
		{"senor street", []string{naive}},
		{"officers", []string{naive, cafe}},       // the summary's markup is not in the way
		{"OFFICERS thanks", []string{cafe}},       // every word, in any order
		{"officers sunday", nil},                  // no item has both
		{"street", []string{naive, cafe}},         // in the summaries only
		{"scam", []string{naive}},                 // a link's text
		{"strong", nil},                           // a tag's name is not text
		{"href", nil},                             // nor an attribute
		{"clos", []string{parade}},                // part of a word
		{"road-closures", []string{parade}},       // split where a word would be
		{"nosuchword", nil},                       // nothing
		{"39", nil},                               // the sanitizer's &#39; for an apostrophe
		{"amp", nil},                              // and its &amp; for an ampersand
		{"smith sons", []string{parade}},          // either side of an &amp;
		{"creme", []string{parade}},               // a named entity, decoded
		{"lt", nil},                               // &lt; is a "<" in the text
		{"", []string{parade, naive, cafe}},       // no search
		{"  ,;  ", []string{parade, naive, cafe}}, // no words
	}
	for _, tt := range tests {
		if got := search(t, db, pressfeed.Query{Text: tt.q}); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("q=%q: got %v, want %v", tt.q, got, tt.want)
		}
	}
}

// TestSearchFollowsEdits: an item edited after it was stored is found by
// its new words and no longer by the old ones, also when the edit moves it
// in time.
func TestSearchFollowsEdits(t *testing.T) {
	c := &clock{t0}
	db := storyDB(t, c)
	ingest(t, db, "force",
		release("a", "https://force.example/a", "Road closures on Sunday", "The parade is on Sunday.", t0.Add(-3*time.Hour)),
		release("b", "https://force.example/b", "Witness appeal after Bootle burglary", "Officers appeal for witnesses.", t0.Add(-2*time.Hour)),
	)
	c.t = t0.Add(time.Hour)
	ingest(t, db, "force",
		release("a", "https://force.example/a", "Road closures on Saturday", "The parade is on Saturday.", t0.Add(-3*time.Hour)),
		release("b", "https://force.example/b", "Witness appeal after Kirkby burglary", "Officers appeal for witnesses.", t0.Add(-5*time.Hour)),
	)
	a, b := pressfeed.ItemKey("force", "a"), pressfeed.ItemKey("force", "b")
	for q, want := range map[string][]string{
		"saturday": {a}, "sunday": nil,
		"kirkby": {b}, "bootle": nil,
		"road": {a}, "burglary": {b},
	} {
		if got := search(t, db, pressfeed.Query{Text: q}); !reflect.DeepEqual(got, want) {
			t.Errorf("q=%q after the edits: got %v, want %v", q, got, want)
		}
	}
	if err := db.Verify(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestSearchAfterPrune: pruned items are not found, and their search texts
// went with them (Verify counts the time index's entries against the
// items).
func TestSearchAfterPrune(t *testing.T) {
	ctx := context.Background()
	c := &clock{t0.Add(-60 * 24 * time.Hour)}
	db := storyDB(t, c)
	ingest(t, db, "force", release("old", "https://force.example/old", "Quarrymen reunion concert", "An old burglary.", c.t.Add(-time.Hour)))
	c.t = t0
	ingest(t, db, "force", release("new", "https://force.example/new", "Bootle burglary", "A new burglary.", t0.Add(-time.Hour)))
	if n, err := db.Prune(ctx, t0.Add(-30*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	if got := search(t, db, pressfeed.Query{Text: "quarrymen"}); got != nil {
		t.Errorf("a pruned item's title is still found: %v", got)
	}
	if got, want := search(t, db, pressfeed.Query{Text: "burglary"}), []string{pressfeed.ItemKey("force", "new")}; !reflect.DeepEqual(got, want) {
		t.Errorf("burglary: got %v, want %v", got, want)
	}
	if err := db.Verify(ctx); err != nil {
		t.Error(err)
	}
}

// TestSchema2StoreUpgrades opens a store written before search texts were
// kept (schema 2; testdata/mkschema2.go.txt made it): read-only, before the
// upgrade, searches test the items themselves; opened for writing, it is
// upgraded, passes Verify, and searches find the same.
func TestSchema2StoreUpgrades(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	copyFile(t, "testdata/schema2.db", path)
	key := pressfeed.ItemKey
	rocuStory := key("force", "f-1") // the force's copy was seen first
	tests := []struct {
		q    pressfeed.Query
		want []string
	}{
		{pressfeed.Query{Text: "cafe"}, []string{key("force", "f-3")}},
		{pressfeed.Query{Text: "ZOE"}, []string{key("force", "f-3")}},
		{pressfeed.Query{Text: "nunez senora"}, []string{key("pcc", "p-2")}},
		{pressfeed.Query{Text: "creme"}, []string{key("pcc", "p-2")}},
		{pressfeed.Query{Text: "outstanding"}, []string{rocuStory}},
		{pressfeed.Query{Text: "outstanding", Sources: []string{"pcc"}}, []string{rocuStory}},
		{pressfeed.Query{Text: "outstanding", Ungrouped: true}, []string{key("pcc", "p-1"), key("force", "f-1")}},
		{pressfeed.Query{Text: "commissioner"}, []string{rocuStory, key("pcc", "p-2")}},
		{pressfeed.Query{Text: "saturday parade"}, []string{key("force", "f-2")}},
		{pressfeed.Query{Text: "sunday"}, nil},
		{pressfeed.Query{Text: "quarrymen"}, nil},
		{pressfeed.Query{Text: "nosuchword"}, nil},
		{pressfeed.Query{Text: "39"}, nil},  // Zoë&#39;s
		{pressfeed.Query{Text: "amp"}, nil}, // officers &amp; staff
		{pressfeed.Query{Text: "the", Limit: 1}, []string{rocuStory, key("pcc", "p-2"), key("force", "f-3"), key("force", "f-2")}},
	}
	check := func(t *testing.T, db *index.DB) {
		t.Helper()
		for _, tt := range tests {
			if got := search(t, db, tt.q); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%+v: got %v, want %v", tt.q, got, tt.want)
			}
		}
	}

	t.Run("read only, before the upgrade", func(t *testing.T) {
		db, err := index.Open(path, index.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		check(t, db)
		if err := db.Verify(ctx); err != nil {
			t.Errorf("a schema-2 store fails Verify: %v", err)
		}
	})

	made := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) // the fixture's clock
	c := &clock{made.Add(2 * time.Hour)}
	db := mustOpen(t, path, c)
	check(t, db)
	if err := db.Verify(ctx); err != nil {
		t.Errorf("after the upgrade: %v", err)
	}
	// What is written after the upgrade is found too.
	ingest(t, db, "rocu", release("r-1", "https://rocu.example/news/cafe", "Café raid nets cash", "Officers raided a café.", made))
	if got, want := search(t, db, pressfeed.Query{Text: "cafe"}), []string{key("rocu", "r-1"), key("force", "f-3")}; !reflect.DeepEqual(got, want) {
		t.Errorf("cafe after a new item: got %v, want %v", got, want)
	}
	db.Close()
	db = mustOpen(t, path, c)
	if err := db.Verify(ctx); err != nil {
		t.Errorf("reopened: %v", err)
	}
}

// TestSchema1StoreSearchesAfterUpgrade: a store from before stories goes
// through both upgrades in one Open and is searched through its new texts.
func TestSchema1StoreSearchesAfterUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	copyFile(t, "testdata/schema1.db", path)
	made := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) // the fixture's clock
	db := mustOpen(t, path, &clock{made.Add(time.Hour)})
	if err := db.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	key := pressfeed.ItemKey
	for q, want := range map[string][]string{
		"parade":              {key("force", "f-2")},
		"OUTSTANDING":         {key("pcc", "p-1"), key("force", "f-1")},
		"inspectorate sunday": nil,
	} {
		if got := search(t, db, pressfeed.Query{Text: q}); !reflect.DeepEqual(got, want) {
			t.Errorf("q=%q: got %v, want %v", q, got, want)
		}
	}
}
