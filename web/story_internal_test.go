package web

import (
	"testing"
	"time"

	"pressfeed"
)

// A cross-posted story names every publisher once, primary first, and
// links each publisher's own copy when it differs from the story's link.
func TestStoryOfSeveralPublishers(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	st := pressfeed.Story{ID: "s", Members: []pressfeed.Item{
		{SourceID: "force-a", Title: "Joint operation", Link: "https://a.example/1", Summary: "<p>Officers from two forces.</p>", Published: t0},
		{SourceID: "pcc-a", Title: "Joint operation welcomed", Link: "https://p.example/9", Published: t0.Add(time.Hour)},
		{SourceID: "force-a", Title: "Joint operation (update)", Link: "https://a.example/1", Published: t0.Add(2 * time.Hour)},
		{SourceID: "gone", Title: "From a deleted source", Link: "https://a.example/1", Published: t0},
	}}
	sources := map[string]pressfeed.Source{
		"force-a": {ID: "force-a", Name: "Force A", Kind: pressfeed.KindForce},
		"pcc-a":   {ID: "pcc-a", Name: "PCC A", Kind: pressfeed.KindPCC},
	}
	v := storyOf(st, sources)
	if v.Title != "Joint operation" || v.Link != "https://a.example/1" || v.Summary != "Officers from two forces." {
		t.Errorf("story shown as %+v", v)
	}
	want := []publisherView{
		{ID: "force-a", Name: "Force A", Kind: pressfeed.KindForce, FilterURL: "/?source=force-a"},
		{ID: "pcc-a", Name: "PCC A", Kind: pressfeed.KindPCC, FilterURL: "/?source=pcc-a", Link: "https://p.example/9"},
		{ID: "gone", Name: "gone", Kind: pressfeed.KindOther, FilterURL: "/?source=gone"},
	}
	if len(v.Publishers) != len(want) {
		t.Fatalf("publishers %+v, want %+v", v.Publishers, want)
	}
	for i := range want {
		if v.Publishers[i] != want[i] {
			t.Errorf("publisher %d: %+v, want %+v", i, v.Publishers[i], want[i])
		}
	}
}

func TestSummaryText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"<p>A <a href=\"x\">team</a>.</p><p>Next&nbsp;para &amp; more</p>", 100, "A team. Next para & more"},
		{"plain text", 100, "plain text"},
		{"one two three four five six", 14, "one two three…"},
		{"<ul><li>a</li><li>b</li></ul>", 100, "a b"},
		{"&lt;script&gt;", 100, "<script>"}, // text, escaped again by the template
	}
	for _, tt := range tests {
		if got := summaryText(tt.in, tt.max); got != tt.want {
			t.Errorf("summaryText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
