package sourcelist_test

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/internal/golden"
	"pressfeed/sourcelist"
)

var listed = []pressfeed.Source{
	{ID: "force-a", Name: `Force "A" & Sons`, Kind: "force", Area: "North Wales", URL: "https://a.example/feed?x=1&y=2", Type: "feed", Schedule: "*/15 * * * *", Enabled: true},
	{ID: "pcc-b", Name: "PCC B\twith a tab", Kind: "pcc", URL: "https://b.example/news", Type: "html", Enabled: false,
		HTML:    &pressfeed.HTMLSpec{Item: "article.card", Title: "h2", Date: "time", DateAttr: "datetime", Summary: "p.teaser", Follow: 3},
		Include: []pressfeed.Rule{{Field: "title", Keyword: "police"}}, Exclude: []pressfeed.Rule{{Regexp: "(?i)test appeal"}},
		MaxAge: "30d", IgnoreRobots: true},
	{ID: "rocu", Name: "Unité régionale", Kind: "rocu", URL: "https://r.example/", Type: "feed", Schedule: "@every 30m", Enabled: true},
	{ID: "auto-c", Name: "Auto C", Kind: "pcc", URL: "https://c.example/news/", Type: "auto", Enabled: true,
		Feeds: []string{"https://c.example/feed/", "https://c.example/rss.xml"}, Pin: "platform:wordpress",
		HTML: &pressfeed.HTMLSpec{Item: "li.news"}},
	{ID: "auto-d", Name: "Auto D", Kind: "other", URL: "https://d.example/", Type: "auto", Enabled: true},
}

func TestSourceListsRoundTrip(t *testing.T) {
	if n := reflect.TypeOf(pressfeed.Source{}).NumField(); n != 16 {
		t.Fatalf("pressfeed.Source has %d fields: make sure WriteTOML and WriteOPML carry the new ones, and add them to this test", n)
	}
	for _, format := range []string{"toml", "opml"} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			var err error
			if format == "toml" {
				err = sourcelist.WriteTOML(&b, listed)
			} else {
				err = sourcelist.WriteOPML(&b, "Sources", listed)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := sourcelist.Parse("export."+format, b.Bytes(), config.ValidateSource)
			if err != nil {
				t.Fatalf("%v\n%s", err, b.String())
			}
			if !reflect.DeepEqual(got, listed) {
				t.Errorf("round trip:\n got %+v\nwant %+v\n%s", got, listed, b.String())
			}
		})
	}
	// The TOML export is also a valid settings file.
	var b bytes.Buffer
	sourcelist.WriteTOML(&b, listed)
	cfg, err := config.Parse("export.toml", b.Bytes())
	if err != nil || len(cfg.Sources) != len(listed) {
		t.Errorf("export as settings: %v", err)
	}
}

func TestImportOPMLFromAFeedReader(t *testing.T) {
	doc := `<?xml version="1.0"?>
<opml version="1.0"><head><title>My subscriptions</title></head><body>
 <outline text="Police">
  <outline text="Merseyside Police News" type="rss" xmlUrl="https://www.merseyside.police.uk/news/merseyside/news/GetNewsRss/"/>
  <outline title="Cheshire PCC" text="x" type="rss" xmlUrl="https://www.cheshire-pcc.gov.uk/feed/"/>
 </outline>
</body></opml>`
	got, err := sourcelist.Parse("subs.opml", []byte(doc), config.ValidateSource)
	if err != nil {
		t.Fatal(err)
	}
	want := []pressfeed.Source{
		{ID: "merseyside-police-news", Name: "Merseyside Police News", Kind: "other", URL: "https://www.merseyside.police.uk/news/merseyside/news/GetNewsRss/", Type: "feed", Enabled: true},
		{ID: "cheshire-pcc", Name: "Cheshire PCC", Kind: "other", URL: "https://www.cheshire-pcc.gov.uk/feed/", Type: "feed", Enabled: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestBadSourceLists(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"settings keys", "listen = \"x:1\"\n[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"force\"\nurl = \"https://a.example/\"", []string{`unknown key "listen" (a source list holds [[source]] tables only)`}},
		{"empty", "# nothing\n", []string{"no [[source]] tables"}},
		{"invalid source", "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"police\"\nurl = \"https://a.example/\"", []string{`source "a": kind: "police"`}},
		{"not xml", "<opml", []string{"not an OPML document"}},
		{"opml duplicate", `<opml version="2.0"><body><outline text="A" xmlUrl="https://a.example/"/><outline text="A" xmlUrl="https://b.example/"/></body></opml>`, []string{`outline "A": duplicate id "a"`}},
		{"opml bad url", `<opml version="2.0"><body><outline text="A" xmlUrl="javascript:alert(1)"/></body></opml>`, []string{`outline "A": url:`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sourcelist.Parse("in", []byte(tt.doc), config.ValidateSource)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Merseyside Police":                  "merseyside-police",
		"  Cheshire -- PCC (news) ":          "cheshire-pcc-news",
		"Unité régionale":                    "unite-regionale",
		"Heddlu Gogledd Cymru – Ynys Môn":    "heddlu-gogledd-cymru-ynys-mon",
		"Comisiynydd Heddlu a Throseddu ŵyr": "comisiynydd-heddlu-a-throseddu-wyr",
		"Straße 7":                           "stra-e-7",
		strings.Repeat("abcdefgh", 9):        strings.Repeat("abcdefgh", 8),
	} {
		if got := sourcelist.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriteSourcesRoundTrips: an export read back by the settings parser is
// the list that was exported, including awkward names and disabled sources.
func TestWriteSourcesRoundTrips(t *testing.T) {
	sources := append(config.DefaultSources(), pressfeed.Source{
		ID: "odd-one", Name: `Quote " backslash \ and Môn`, Kind: pressfeed.KindOther,
		URL: "https://odd.example/feed?a=1&b=2", Type: pressfeed.TypeFeed, Schedule: "@every 30m", Enabled: false,
	})
	var b bytes.Buffer
	if err := sourcelist.WriteTOML(&b, sources); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("export.toml", b.Bytes())
	if err != nil {
		t.Fatalf("export does not parse: %v\n%s", err, b.String())
	}
	if !reflect.DeepEqual(cfg.Sources, sources) {
		t.Errorf("round trip changed the list:\n got %+v\nwant %+v", cfg.Sources, sources)
	}
}

func TestOPML(t *testing.T) {
	sources := []pressfeed.Source{
		{ID: "force-a", Name: "Force A & Co", Kind: pressfeed.KindForce, Area: "North", URL: "https://a.example/feed?x=1&y=2", Type: pressfeed.TypeFeed, Schedule: "*/15 * * * *", Enabled: true},
		{ID: "pcc-b", Name: "PCC B", Kind: pressfeed.KindPCC, URL: "https://p.example/news/", Type: pressfeed.TypeHTML},
	}
	var b bytes.Buffer
	if err := sourcelist.WriteOPML(&b, "North West police news: sources", sources); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "sources.opml", b.Bytes())
	var doc struct {
		Version  string `xml:"version,attr"`
		Outlines []struct {
			Text   string `xml:"text,attr"`
			Type   string `xml:"type,attr"`
			XMLURL string `xml:"xmlUrl,attr"`
			URL    string `xml:"url,attr"`
			ID     string `xml:"urn:pressfeed:opml id,attr"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.0" || len(doc.Outlines) != 2 {
		t.Fatalf("version %q, %d outlines", doc.Version, len(doc.Outlines))
	}
	o := doc.Outlines
	if o[0].Type != "rss" || o[0].XMLURL != "https://a.example/feed?x=1&y=2" || o[0].Text != "Force A & Co" || o[0].ID != "force-a" {
		t.Errorf("feed outline %+v", o[0])
	}
	if o[1].Type != "link" || o[1].URL != "https://p.example/news/" || o[1].XMLURL != "" {
		t.Errorf("html outline %+v", o[1])
	}
}
