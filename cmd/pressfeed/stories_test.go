package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDemoCrossPostIsOneStory runs the daemon on the demo feeds, where the
// constabulary, the commissioner and the regional unit each published the
// unit's inspection result under their own title and URL (one with utm
// parameters): the merged feed shows it once, naming all three.
func TestDemoCrossPostIsOneStory(t *testing.T) {
	samples := newSampleServer(t)
	d := startDaemon(t, samples.config(t, filepath.Join(t.TempDir(), "demo.db")))
	waitPolled(t, d, len(demoSources))

	type feed struct {
		Items []struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			ContentHTML string `json:"content_html"`
			Ext         struct {
				Sources []struct{ ID string } `json:"sources"`
			} `json:"_pressfeed"`
		} `json:"items"`
	}
	read := func(query string) feed {
		t.Helper()
		resp, err := http.Get(d.URL() + "/feed.json" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var f feed
		if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
			t.Fatal(err)
		}
		return f
	}

	grouped := read("?limit=500")
	if len(grouped.Items) != sampleStories {
		t.Errorf("%d entries, want %d", len(grouped.Items), sampleStories)
	}
	n := 0
	for _, it := range grouped.Items {
		if !strings.Contains(strings.ToLower(it.Title), "outstanding") {
			continue
		}
		n++
		var ids []string
		for _, s := range it.Ext.Sources {
			ids = append(ids, s.ID)
		}
		slices.Sort(ids)
		if want := []string{"demo-commissioner", "demo-constabulary", "demo-rocu"}; !slices.Equal(ids, want) {
			t.Errorf("the inspection story names %v, want %v", ids, want)
		}
		if !strings.Contains(it.ContentHTML, "Also published by") {
			t.Errorf("the inspection story's content does not name the other publishers: %s", it.ContentHTML)
		}
	}
	if n != 1 {
		t.Errorf("the inspection story appears %d times, want once", n)
	}
	if every := read("?dedup=none&limit=500"); len(every.Items) != sampleItems {
		t.Errorf("dedup=none: %d entries, want every item (%d)", len(every.Items), sampleItems)
	}
}
