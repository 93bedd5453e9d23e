package syndicate_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"pressfeed/internal/golden"
	"pressfeed/syndicate"
)

var t0 = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// sampleFeed has what real items bring: markup, entities, accents, a
// character XML forbids, a story published by two organisations, an item
// with no link and one with an image.
func sampleFeed() syndicate.Feed {
	force := syndicate.Origin{ID: "force-a", Title: "Force A <Police>", FeedURL: "https://a.example/feed?x=1&y=2", Kind: "force", Area: "Ynys Môn", Link: "https://a.example/news/1"}
	pcc := syndicate.Origin{ID: "pcc-a", Title: "PCC A", FeedURL: "https://p.example/feed", Kind: "pcc", Area: "North", Link: "https://p.example/press/9"}
	return syndicate.Feed{
		ID:       "https://news.example/feed.atom?kind=force",
		Title:    "North West police news — police forces",
		Subtitle: "Press releases & appeals",
		SelfURL:  "https://news.example/feed.atom?cursor=abc&kind=force",
		HomeURL:  "https://news.example/?kind=force",
		FirstURL: "https://news.example/feed.atom?kind=force",
		NextURL:  "https://news.example/feed.atom?cursor=def&kind=force",
		Hubs:     []string{"https://hub.example/", "https://hub2.example/publish"},
		Updated:  t0,
		Language: "en-GB",
		Version:  "1.2.3",
		Sources:  []syndicate.Origin{force, pcc},
		Entries: []syndicate.Entry{
			{
				ID:        syndicate.EntryID("00112233445566778899aabbccddeeff"),
				Title:     "Appeal after café fire — “urgent” <b>not bold</b> & more \x0b",
				Link:      "https://a.example/news/1?utm_source=x&id=2",
				Related:   []syndicate.Link{{Href: "https://p.example/press/9", Title: "PCC A"}},
				Published: t0.Add(-time.Hour),
				Updated:   t0,
				Authors:   []string{"Force A <Police>", "PCC A"},
				Categories: []syndicate.Category{
					{Term: "force-a", Scheme: "urn:pressfeed:source", Label: "Force A <Police>"},
					{Term: "force", Scheme: "urn:pressfeed:kind"},
					{Term: "Ynys Môn", Scheme: "urn:pressfeed:area"},
					{Term: "pcc-a", Scheme: "urn:pressfeed:source", Label: "PCC A"},
				},
				Summary: `<p>Officers are appealing &amp; asking ]]> for <a href="https://a.example/x">witnesses</a>.</p>`,
				Content: `<p>Full text 🚓 with <em>emphasis</em>.</p>`,
				Image:   "https://a.example/img/fire.PNG?w=600",
				Source:  &force,
				Sources: []syndicate.Origin{force, pcc},
			},
			{
				ID:        syndicate.EntryID("ffeeddccbbaa99887766554433221100"),
				Title:     "Statement with no link",
				Published: t0.Add(-2 * time.Hour),
				Updated:   t0.Add(-2 * time.Hour),
				Authors:   []string{"PCC A"},
				Summary:   "<p>Only a summary.</p>",
				Source:    &pcc,
				Sources:   []syndicate.Origin{pcc},
			},
		},
	}
}

func render(t *testing.T, write func(io.Writer, syndicate.Feed) error, f syndicate.Feed) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b, f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	tests := []struct {
		file  string
		write func(io.Writer, syndicate.Feed) error
	}{
		{"feed.atom", syndicate.WriteAtom},
		{"feed.rss", syndicate.WriteRSS},
		{"feed.json", syndicate.WriteJSON},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := render(t, tt.write, sampleFeed())
			golden.Check(t, tt.file, got)
			// Rendering is a pure function of the feed: that is what makes
			// the server's strong ETags valid.
			if again := render(t, tt.write, sampleFeed()); !bytes.Equal(got, again) {
				t.Error("two renders of the same feed differ")
			}
		})
	}
}

// TestParsedBack reads each format back with gofeed, a parser we did not
// write, and checks what a reader sees.
func TestParsedBack(t *testing.T) {
	for _, write := range []func(io.Writer, syndicate.Feed) error{syndicate.WriteAtom, syndicate.WriteRSS, syndicate.WriteJSON} {
		body := render(t, write, sampleFeed())
		feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, body)
		}
		t.Run(feed.FeedType, func(t *testing.T) {
			if got, want := feed.Title, "North West police news — police forces"; got != want {
				t.Errorf("title %q, want %q", got, want)
			}
			if got, want := feed.FeedLink, "https://news.example/feed.atom?cursor=abc&kind=force"; got != want {
				t.Errorf("self link %q, want %q", got, want)
			}
			if len(feed.Items) != 2 {
				t.Fatalf("%d items, want 2", len(feed.Items))
			}
			first := feed.Items[0]
			if got, want := first.GUID, "urn:uuid:00112233-4455-8677-8899-aabbccddeeff"; got != want {
				t.Errorf("id %q, want %q", got, want)
			}
			// XML cannot carry U+000B, so the XML writers replace it; JSON
			// escapes it.
			want := "Appeal after café fire — “urgent” <b>not bold</b> & more \uFFFD"
			if feed.FeedType == "json" {
				want = strings.Replace(want, "\uFFFD", "\x0b", 1)
			}
			if got := first.Title; got != want {
				t.Errorf("title %q, want %q", got, want)
			}
			if got, want := first.Link, "https://a.example/news/1?utm_source=x&id=2"; got != want {
				t.Errorf("link %q, want %q", got, want)
			}
			if first.PublishedParsed == nil || !first.PublishedParsed.Equal(t0.Add(-time.Hour)) {
				t.Errorf("published %v, want %v", first.PublishedParsed, t0.Add(-time.Hour))
			}
			var names []string
			for _, a := range first.Authors {
				names = append(names, a.Name)
			}
			want = "Force A <Police>|PCC A"
			if feed.FeedType == "rss" {
				want = "Force A <Police>" // gofeed keeps only the first dc:creator
			}
			if got := strings.Join(names, "|"); got != want {
				t.Errorf("authors %q, want %q", got, want)
			}
			if !strings.Contains(first.Content+first.Description, "<em>emphasis</em>") {
				t.Errorf("content lost its markup: %q", first.Content+first.Description)
			}
		})
	}
}

func TestAtomPagingAndHubLinks(t *testing.T) {
	var doc struct {
		Links []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Entries []struct {
			Links []struct {
				Rel string `xml:"rel,attr"`
			} `xml:"http://www.w3.org/2005/Atom link"`
			Content *struct{} `xml:"http://www.w3.org/2005/Atom content"`
		} `xml:"http://www.w3.org/2005/Atom entry"`
	}
	if err := xml.Unmarshal(render(t, syndicate.WriteAtom, sampleFeed()), &doc); err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, l := range doc.Links {
		rels = append(rels, l.Rel)
	}
	// alternate before self: @extractus/feed-extractor takes the first link
	// as the site.
	if got, want := strings.Join(rels, " "), "alternate self first next hub hub"; got != want {
		t.Errorf("feed link rels %q, want %q", got, want)
	}
	// RFC 4287 4.1.1.1: an entry without an alternate link carries content.
	if e := doc.Entries[1]; len(e.Links) != 0 || e.Content == nil {
		t.Errorf("linkless entry: links %v, content %v", e.Links, e.Content)
	}
}

func TestRSSGuidIsPermaLink(t *testing.T) {
	tests := []struct{ id, want string }{
		{syndicate.EntryID("00112233445566778899aabbccddeeff"), "false"},
		{"https://a.example/news/1", "true"},
	}
	for _, tt := range tests {
		f := sampleFeed()
		f.Entries = f.Entries[:1]
		f.Entries[0].ID = tt.id
		var doc struct {
			Items []struct {
				GUID struct {
					IsPermaLink string `xml:"isPermaLink,attr"`
				} `xml:"guid"`
			} `xml:"channel>item"`
		}
		if err := xml.Unmarshal(render(t, syndicate.WriteRSS, f), &doc); err != nil {
			t.Fatal(err)
		}
		if got := doc.Items[0].GUID.IsPermaLink; got != tt.want {
			t.Errorf("id %s: isPermaLink %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestJSONFeedExtensionAndPaging(t *testing.T) {
	var doc struct {
		Version string `json:"version"`
		FeedURL string `json:"feed_url"`
		NextURL string `json:"next_url"`
		Hubs    []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"hubs"`
		Ext struct {
			About   string `json:"about"`
			Sources []struct {
				ID string `json:"id"`
			} `json:"sources"`
		} `json:"_pressfeed"`
		Items []struct {
			Summary     string   `json:"summary"`
			ContentHTML string   `json:"content_html"`
			Tags        []string `json:"tags"`
			Ext         struct {
				Sources []struct {
					ID  string `json:"id"`
					URL string `json:"url"`
				} `json:"sources"`
			} `json:"_pressfeed"`
		} `json:"items"`
	}
	if err := json.Unmarshal(render(t, syndicate.WriteJSON, sampleFeed()), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "https://jsonfeed.org/version/1.1" || doc.NextURL != "https://news.example/feed.atom?cursor=def&kind=force" {
		t.Errorf("version %q next_url %q", doc.Version, doc.NextURL)
	}
	if len(doc.Hubs) != 2 || doc.Hubs[0].Type != "WebSub" {
		t.Errorf("hubs %+v", doc.Hubs)
	}
	if doc.Ext.About == "" || len(doc.Ext.Sources) != 2 {
		t.Errorf("feed extension %+v", doc.Ext)
	}
	first := doc.Items[0]
	if got, want := first.Summary, "Officers are appealing & asking ]]> for witnesses ."; got != want {
		t.Errorf("plain summary %q, want %q", got, want)
	}
	if got, want := strings.Join(first.Tags, ","), "force-a,force,Ynys Môn,pcc-a"; got != want {
		t.Errorf("tags %q, want %q", got, want)
	}
	if len(first.Ext.Sources) != 2 || first.Ext.Sources[1].URL != "https://p.example/press/9" {
		t.Errorf("item extension %+v", first.Ext)
	}
	// An item with only a summary still has content_html, which JSON Feed
	// requires (or content_text).
	if doc.Items[1].ContentHTML != "<p>Only a summary.</p>" {
		t.Errorf("content_html %q", doc.Items[1].ContentHTML)
	}
}

// TestPlainSummaryDropsDecodedMarkup checks that text which decodes into
// markup leaves nothing tag-shaped in a JSON Feed summary, and that a "<"
// that opens no tag stays.
func TestPlainSummaryDropsDecodedMarkup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>Officers &amp; staff</p>", "Officers & staff"},
		{"<p>&lt;script&gt;alert(1)&lt;/script&gt;Appeal</p>", "alert(1) Appeal"},
		{"&lt;img src=x onerror=alert(1)&gt;", ""},
		{"Appeal &lt;!-- hidden --&gt; issued", "Appeal issued"},
		{"Unclosed &lt;script src=//evil.example", "Unclosed"},
		{"&lt;&lt;b&gt;bold", "< bold"},
		{"3 &lt; 4 and 5 &gt; 2", "3 < 4 and 5 > 2"},
		{"&amp;lt;i&amp;gt; stays text", "&lt;i&gt; stays text"},
	}
	for _, tt := range tests {
		f := syndicate.Feed{Title: "t", ID: "urn:x", SelfURL: "https://news.example/feed.json", Updated: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
			Entries: []syndicate.Entry{{ID: "urn:1", Title: "x", Link: "https://news.example/1", Summary: tt.in, Updated: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}}}
		var doc struct {
			Items []struct {
				Summary string `json:"summary"`
			} `json:"items"`
		}
		if err := json.Unmarshal(render(t, syndicate.WriteJSON, f), &doc); err != nil {
			t.Fatal(err)
		}
		if got := doc.Items[0].Summary; got != tt.want {
			t.Errorf("summary of %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}
