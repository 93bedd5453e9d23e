package index_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"pressfeed"
)

var (
	web   = pressfeed.Actor{Name: "editor", Via: "web"}
	srcA  = pressfeed.Source{ID: "force-a", Name: "Force A", Kind: "force", URL: "https://a.example/feed", Type: "feed", Enabled: true}
	srcB  = pressfeed.Source{ID: "pcc-b", Name: "PCC B", Kind: "pcc", URL: "https://b.example/feed", Type: "feed", Enabled: true}
	bgCtx = context.Background()
)

func change(a pressfeed.Action, src pressfeed.Source) pressfeed.SourceChange {
	return pressfeed.SourceChange{Action: a, Source: src}
}

func TestApplySourceChangesIsAllOrNothing(t *testing.T) {
	c := &clock{t0}
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)
	if _, err := db.ApplySourceChanges(bgCtx, web, []pressfeed.SourceChange{change(pressfeed.ActionCreate, srcA)}); err != nil {
		t.Fatal(err)
	}
	// The second change fails, so the first must not be stored either.
	_, err := db.ApplySourceChanges(bgCtx, web, []pressfeed.SourceChange{change(pressfeed.ActionCreate, srcB), change(pressfeed.ActionCreate, srcA)})
	if !errors.Is(err, pressfeed.ErrExists) {
		t.Fatalf("got %v, want ErrExists", err)
	}
	if _, err := db.Source(bgCtx, srcB.ID); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("half a batch was stored: %v", err)
	}
	entries, _, _ := db.AuditLog(bgCtx, pressfeed.AuditQuery{})
	if len(entries) != 1 {
		t.Errorf("%d audit entries, want 1 (the failed batch writes none)", len(entries))
	}
	for _, a := range []pressfeed.Action{pressfeed.ActionUpdate, pressfeed.ActionDelete, pressfeed.ActionPoll} {
		if _, err := db.ApplySourceChanges(bgCtx, web, []pressfeed.SourceChange{change(a, srcB)}); !errors.Is(err, pressfeed.ErrNotFound) {
			t.Errorf("%s of a missing source: %v, want ErrNotFound", a, err)
		}
	}
}

func TestApplySourceChangesRecordsBeforeAndAfter(t *testing.T) {
	c := &clock{t0}
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)
	apply := func(changes ...pressfeed.SourceChange) []pressfeed.AuditEntry {
		t.Helper()
		entries, err := db.ApplySourceChanges(bgCtx, web, changes)
		if err != nil {
			t.Fatal(err)
		}
		return entries
	}
	apply(change(pressfeed.ActionCreate, srcA))
	c.t = t0.Add(time.Minute)
	edited := srcA
	edited.Name = "Force A Police"
	if got := apply(change(pressfeed.ActionUpdate, edited)); len(got) != 1 || got[0].Before.Name != "Force A" || got[0].After.Name != "Force A Police" || !got[0].Time.Equal(c.t) {
		t.Errorf("update entry %+v", got)
	}
	if got := apply(change(pressfeed.ActionUpdate, edited)); len(got) != 0 {
		t.Errorf("an update that changes nothing wrote %+v", got)
	}
	if got := apply(change(pressfeed.ActionPut, srcB)); len(got) != 1 || got[0].Action != pressfeed.ActionCreate {
		t.Errorf("put of a new source recorded %+v, want a create", got)
	}
	if got := apply(change(pressfeed.ActionPut, srcA)); len(got) != 1 || got[0].Action != pressfeed.ActionUpdate {
		t.Errorf("put of an existing source recorded %+v, want an update", got)
	}
	apply(change(pressfeed.ActionPoll, srcA))
	if err := db.SaveState(bgCtx, srcA.ID, pressfeed.SourceState{ETag: "x"}); err != nil {
		t.Fatal(err)
	}
	if got := apply(change(pressfeed.ActionDelete, pressfeed.Source{ID: srcA.ID})); len(got) != 1 || got[0].After != nil || got[0].Before == nil {
		t.Errorf("delete entry %+v", got)
	}
	if st, _ := db.State(bgCtx, srcA.ID); st.ETag != "" {
		t.Error("state outlived its source")
	}
	entries, next, err := db.AuditLog(bgCtx, pressfeed.AuditQuery{SourceID: srcA.ID})
	if err != nil || next != "" {
		t.Fatal(err, next)
	}
	var got []pressfeed.Action
	for _, e := range entries {
		got = append(got, e.Action)
		if e.Actor != web {
			t.Errorf("actor %+v", e.Actor)
		}
	}
	if want := "[delete poll update update create]"; fmt.Sprint(got) != want {
		t.Errorf("actions %v, want %s", got, want)
	}
}

func TestAuditLogPagesAndSurvivesReopen(t *testing.T) {
	c := &clock{t0}
	path := filepath.Join(t.TempDir(), "s.db")
	db := mustOpen(t, path, c)
	src := srcA
	for i := 0; i < 7; i++ {
		src.Name = fmt.Sprintf("Force A %d", i)
		action := pressfeed.ActionUpdate
		if i == 0 {
			action = pressfeed.ActionCreate
		}
		if _, err := db.ApplySourceChanges(bgCtx, web, []pressfeed.SourceChange{change(action, src)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db = mustOpen(t, path, c) // same clock: entries written in one instant still keep their order
	var names []string
	before := ""
	for pages := 0; ; pages++ {
		entries, next, err := db.AuditLog(bgCtx, pressfeed.AuditQuery{Limit: 3, Before: before})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names = append(names, e.After.Name)
		}
		if next == "" {
			if pages != 2 {
				t.Errorf("%d pages, want 3", pages+1)
			}
			break
		}
		before = next
	}
	if want := "[Force A 6 Force A 5 Force A 4 Force A 3 Force A 2 Force A 1 Force A 0]"; fmt.Sprint(names) != want {
		t.Errorf("entries %v, want %s", names, want)
	}
	if _, _, err := db.AuditLog(bgCtx, pressfeed.AuditQuery{Before: "nothex"}); !errors.Is(err, pressfeed.ErrInvalidCursor) {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestTokensAreStoredByHash(t *testing.T) {
	c := &clock{t0}
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)
	tok := pressfeed.APIToken{Name: "sync", Hash: "abc123", CreatedBy: web}
	if err := db.CreateToken(bgCtx, tok); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateToken(bgCtx, pressfeed.APIToken{Name: "sync", Hash: "def456"}); !errors.Is(err, pressfeed.ErrExists) {
		t.Errorf("duplicate name: %v", err)
	}
	got, err := db.TokenByHash(bgCtx, "abc123")
	if err != nil || got.Name != "sync" || !got.Created.Equal(t0) || got.CreatedBy != web {
		t.Errorf("lookup: %+v %v", got, err)
	}
	if _, err := db.TokenByHash(bgCtx, "def456"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("unknown hash: %v", err)
	}
	list, _ := db.Tokens(bgCtx)
	if len(list) != 1 || list[0].Hash != "" || !list[0].LastUsed.IsZero() {
		t.Errorf("list %+v: want one token without its hash, never used", list)
	}
	// A use is recorded, then at most once an hour.
	lastUsed := func() time.Time {
		list, _ := db.Tokens(bgCtx)
		return list[0].LastUsed
	}
	for _, step := range []struct {
		after time.Duration
		want  time.Time
	}{
		{time.Minute, t0.Add(time.Minute)},
		{59 * time.Minute, t0.Add(time.Minute)},
		{time.Minute, t0.Add(61 * time.Minute)},
	} {
		c.t = c.t.Add(step.after)
		got, err := db.UseToken(bgCtx, "abc123")
		if err != nil || got.Name != "sync" || !got.LastUsed.Equal(step.want) || !lastUsed().Equal(step.want) {
			t.Errorf("use at %v: %+v %v, stored %v; want last used %v", c.t, got, err, lastUsed(), step.want)
		}
	}
	if _, err := db.UseToken(bgCtx, "def456"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("use of an unknown hash: %v", err)
	}
	if err := db.RevokeToken(bgCtx, "sync", web); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TokenByHash(bgCtx, "abc123"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Error("revoked token still found")
	}
	if err := db.RevokeToken(bgCtx, "sync", web); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("second revoke: %v", err)
	}
	entries, _, _ := db.AuditLog(bgCtx, pressfeed.AuditQuery{})
	if len(entries) != 2 || entries[0].Token != "sync" || entries[0].Action != pressfeed.ActionTokenRevoke {
		t.Errorf("token audit %+v", entries)
	}
}

func TestItemCountsSince(t *testing.T) {
	c := &clock{t0}
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)
	db.SeedSources(bgCtx, []pressfeed.Source{srcA, srcB, {ID: "force-a-x", Name: "prefix neighbour", Kind: "force", URL: "https://x.example/", Type: "feed"}})
	var items []pressfeed.Item
	for i, age := range []time.Duration{time.Hour, 6 * 24 * time.Hour, 8 * 24 * time.Hour, 29 * 24 * time.Hour, 31 * 24 * time.Hour} {
		items = append(items, item(fmt.Sprint(i), "t", t0.Add(-age)))
	}
	if _, err := db.Ingest(bgCtx, srcA.ID, items, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	db.Ingest(bgCtx, "force-a-x", items[:1], pressfeed.SourceState{})
	week, _ := db.ItemCountsSince(bgCtx, t0.Add(-7*24*time.Hour))
	month, _ := db.ItemCountsSince(bgCtx, t0.Add(-30*24*time.Hour))
	if week[srcA.ID] != 2 || month[srcA.ID] != 4 || week[srcB.ID] != 0 || week["force-a-x"] != 1 {
		t.Errorf("week %v month %v", week, month)
	}
}

// TestChangedDefinitionForgetsValidators: new selectors or a new URL must
// be applied to the next response, not hidden behind a 304 or an unchanged
// body hash; a rename keeps them; "poll now" lifts a backoff so it polls.
func TestChangedDefinitionForgetsValidators(t *testing.T) {
	c := &clock{t0}
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), c)
	apply := func(a pressfeed.Action, src pressfeed.Source) {
		t.Helper()
		if _, err := db.ApplySourceChanges(bgCtx, web, []pressfeed.SourceChange{change(a, src)}); err != nil {
			t.Fatal(err)
		}
	}
	fetched := pressfeed.SourceState{ETag: `"v1"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT", BodyHash: "abc",
		ConsecutiveFailures: 2, NextAttempt: t0.Add(time.Hour), NextReason: "backing off", ItemCount: 7}
	apply(pressfeed.ActionCreate, srcA)
	db.SaveState(bgCtx, srcA.ID, fetched)

	renamed := srcA
	renamed.Name, renamed.Area, renamed.Schedule = "Force A Police", "North", "@every 30m"
	apply(pressfeed.ActionUpdate, renamed)
	if st, _ := db.State(bgCtx, srcA.ID); st.ETag != `"v1"` || st.BodyHash != "abc" || !st.NextAttempt.Equal(t0.Add(time.Hour)) {
		t.Errorf("a rename touched the fetch state: %+v", st)
	}

	apply(pressfeed.ActionPoll, renamed)
	st, _ := db.State(bgCtx, srcA.ID)
	if !st.NextAttempt.IsZero() || st.ETag != `"v1"` || st.ConsecutiveFailures != 2 {
		t.Errorf("poll now should lift the backoff and keep the rest: %+v", st)
	}

	moved := renamed
	moved.URL = "https://a.example/news/rss"
	apply(pressfeed.ActionUpdate, moved)
	st, _ = db.State(bgCtx, srcA.ID)
	if st.ETag != "" || st.LastModified != "" || st.BodyHash != "" {
		t.Errorf("a new URL kept the old validators: %+v", st)
	}
	if st.ItemCount != 7 || st.ConsecutiveFailures != 2 {
		t.Errorf("the history went with the validators: %+v", st)
	}
}
