package config_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/syndicate"
)

// hash is a valid bcrypt hash (of "correct horse battery", cost 4).
const hash = "$2a$04$Qmu5oBb1hCW93BR7/CDu6OOL.H7rRIxd/d1.bVoZBWkwSCJGnwheG"

func load(t *testing.T, doc string) (config.Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.toml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		return cfg, fmt.Errorf("%s", strings.ReplaceAll(err.Error(), path, "s.toml"))
	}
	return cfg, nil
}

func TestAdminTables(t *testing.T) {
	cfg, err := load(t, fmt.Sprintf("stale_days = 14\nsession_hours = 8\n[[admin]]\nname = \"admin\"\npassword_hash = %q\n[[admin]]\nname = \"editor\"\npassword_hash = %q\n", hash, hash))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Admins) != 2 || cfg.Admins[1].Name != "editor" || cfg.Admins[1].PasswordHash != hash || cfg.StaleDays != 14 || cfg.SessionHours != 8 {
		t.Errorf("parsed %+v", cfg)
	}
	if s := fmt.Sprintf("%v %+v", cfg, cfg.Admins); strings.Contains(s, hash) {
		t.Errorf("printing the settings shows a password hash: %s", s)
	}
	if def := config.Default(); def.StaleDays != 7 || def.SessionHours != 12 || len(def.Admins) != 0 {
		t.Errorf("defaults %+v", def)
	}
}

func TestBadAdminTables(t *testing.T) {
	tests := []struct {
		name, toml string
		want       []string
	}{
		{"plain password", "[[admin]]\nname = \"admin\"\npassword = \"hunter2\"", []string{`s.toml: admin "admin": unknown key "password" (never put a password in the settings`, `admin "admin": password_hash: is required`}},
		{"not a hash", "[[admin]]\nname = \"admin\"\npassword_hash = \"hunter2\"", []string{`admin "admin": password_hash: is not a bcrypt hash`}},
		{"no name", fmt.Sprintf("[[admin]]\npassword_hash = %q", hash), []string{"admin #1: name: is required"}},
		{"bad name", fmt.Sprintf("[[admin]]\nname = \"a b\"\npassword_hash = %q", hash), []string{`admin "a b": name: "a b" is not 1-64 letters`}},
		{"duplicate", fmt.Sprintf("[[admin]]\nname = \"admin\"\npassword_hash = %q\n[[admin]]\nname = \"admin\"\npassword_hash = %q", hash, hash), []string{`admin "admin": name: duplicate`}},
		{"stale days", "stale_days = 0", []string{"stale_days: 0 is not between 1 and 365"}},
		{"session hours", "session_hours = 1000", []string{"session_hours: 1000 is not between 1 and 720"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.toml)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error repeats a password: %v", err)
			}
		})
	}
}

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
		t.Fatalf("pressfeed.Source has %d fields: make sure WriteSources and syndicate.WriteOPML carry the new ones, and add them to this test", n)
	}
	for _, format := range []string{"toml", "opml"} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			var err error
			if format == "toml" {
				err = config.WriteSources(&b, listed)
			} else {
				err = syndicate.WriteOPML(&b, "Sources", listed)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := config.ParseSourceList("export."+format, b.Bytes())
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
	config.WriteSources(&b, listed)
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
	got, err := config.ParseSourceList("subs.opml", []byte(doc))
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
			_, err := config.ParseSourceList("in", []byte(tt.doc))
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
		if got := config.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
