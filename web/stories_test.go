package web_test

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"pressfeed"
	"pressfeed/index"
	"pressfeed/web"
)

// newStorySite serves a real store in which three organisations published
// one release, one of them with a link that must not become clickable, and
// the force also published something else.
func newStorySite(t *testing.T) string {
	t.Helper()
	db := openStore(t, index.Options{Now: atT0})
	sources := []pressfeed.Source{
		{ID: "rocu", Name: "Regional Unit", Kind: pressfeed.KindROCU, Area: "North West", URL: "https://rocu.example/feed", Type: pressfeed.TypeFeed, Enabled: true},
		{ID: "force-a", Name: "Force A <Police>", Kind: pressfeed.KindForce, Area: "North", URL: "https://a.example/feed", Type: pressfeed.TypeFeed, Enabled: true},
		{ID: "pcc-a", Name: "PCC A", Kind: pressfeed.KindPCC, Area: "North", URL: "https://p.example/feed", Type: pressfeed.TypeFeed, Enabled: true},
	}
	text := "The regional organised crime unit has been graded outstanding by the inspectorate, the highest grading available."
	items := map[string][]pressfeed.Item{
		"rocu": {{GUID: "r1", Title: "Regional organised crime unit graded outstanding by inspectors", Link: "https://rocu.example/news/outstanding", Summary: "<p>" + text + "</p>", Published: t0.Add(-3 * time.Hour)}},
		"force-a": {
			{GUID: "a1", Title: "Regional organised crime unit rated outstanding", Link: "https://a.example/news/rocu?x=1&y=2", Summary: "<p>" + text + "</p>", Published: t0.Add(-2 * time.Hour)},
			{GUID: "a2", Title: "Road closures for the parade", Link: "https://a.example/news/parade", Summary: "<p>Roads will close on Sunday.</p>", Published: t0.Add(-4 * time.Hour)},
		},
		"pcc-a": {{GUID: "p1", Title: "Commissioner welcomes outstanding grading for regional organised crime unit", Link: "javascript:alert(1)", Summary: "<p>" + text + "</p>", Published: t0.Add(-time.Hour)}},
	}
	seedStore(t, db, sources, pressfeed.SourceState{}, func(_ int, src pressfeed.Source) []pressfeed.Item { return items[src.ID] })
	srv := httptest.NewServer(web.NewServer(db, web.Options{Logger: quietLogger()}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestFeedShowsOneEntryPerStory(t *testing.T) {
	base := newStorySite(t)
	for _, path := range []string{"/feed.atom", "/feed.rss", "/feed.json"} {
		t.Run(path, func(t *testing.T) {
			_, body := get(t, base+path)
			feed, err := gofeed.NewParser().ParseString(body)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(feed.Items); got != 2 {
				t.Fatalf("%d entries, want 2 (the story and the parade)", got)
			}
			e := feed.Items[0]
			if e.Title != "Regional organised crime unit graded outstanding by inspectors" || e.Link != "https://rocu.example/news/outstanding" {
				t.Errorf("entry shows %q at %s, want the primary's title and link", e.Title, e.Link)
			}
			var content string
			if path == "/feed.json" || path == "/feed.atom" {
				content = e.Content
			} else {
				content = e.Description
			}
			const line = `<p>Also published by <a href="https://a.example/news/rocu?x=1&amp;y=2">Force A &lt;Police&gt;</a> and PCC A.</p>`
			if !strings.Contains(content, line) {
				t.Errorf("content does not end with the escaped publishers line:\n%s", content)
			}
			if strings.Contains(content, "javascript:") {
				t.Error("a javascript: link was rendered")
			}
			// Atom categories carry the name as their label, which gofeed
			// prefers; RSS and JSON Feed carry the source id.
			for _, pub := range [][2]string{{"rocu", "Regional Unit"}, {"force-a", "Force A <Police>"}, {"pcc-a", "PCC A"}} {
				if !slices.Contains(e.Categories, pub[0]) && !slices.Contains(e.Categories, pub[1]) {
					t.Errorf("no category for publisher %s in %q", pub[0], e.Categories)
				}
			}
		})
	}
}

func TestAtomEntryLinksEveryCopy(t *testing.T) {
	base := newStorySite(t)
	_, body := get(t, base+"/feed.atom")
	for _, want := range []string{
		`rel="related" type="text/html" href="https://a.example/news/rocu?x=1&amp;y=2" title="Force A &lt;Police&gt;"`,
		`<author>` + "\n" + `   <name>PCC A</name>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("Atom lacks %s", want)
		}
	}
}

func TestJSONFeedNamesEveryPublisher(t *testing.T) {
	base := newStorySite(t)
	_, body := get(t, base+"/feed.json")
	var doc struct {
		Items []struct {
			ID  string `json:"id"`
			Ext struct {
				Sources []struct{ ID, URL string } `json:"sources"`
			} `json:"_pressfeed"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range doc.Items[0].Ext.Sources {
		ids = append(ids, s.ID)
	}
	if want := []string{"rocu", "force-a", "pcc-a"}; !slices.Equal(ids, want) {
		t.Errorf("_pressfeed.sources %v, want %v", ids, want)
	}
}

func TestFilteredAndUngroupedFeeds(t *testing.T) {
	base := newStorySite(t)
	parse := func(query string) *gofeed.Feed {
		t.Helper()
		resp, body := get(t, base+"/feed.json"+query)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", query, resp.StatusCode, body)
		}
		feed, err := gofeed.NewParser().ParseString(body)
		if err != nil {
			t.Fatal(err)
		}
		return feed
	}
	grouped := parse("")
	storyID := grouped.Items[0].GUID

	pcc := parse("?source=pcc-a")
	if len(pcc.Items) != 1 || pcc.Items[0].GUID != storyID {
		t.Errorf("source=pcc-a: %d entries, first %v; want the story under its one id %s", len(pcc.Items), pcc.Items, storyID)
	}
	every := parse("?dedup=none")
	ids := map[string]bool{}
	for _, e := range every.Items {
		ids[e.GUID] = true
		if strings.Contains(e.Content, "Also published by") {
			t.Errorf("dedup=none entry %q names other publishers", e.Title)
		}
	}
	if len(every.Items) != 4 || len(ids) != 4 {
		t.Errorf("dedup=none: %d entries with %d ids, want 4 and 4", len(every.Items), len(ids))
	}
	if !ids[storyID] {
		t.Error("dedup=none shows the primary under another id than the story's")
	}
}
