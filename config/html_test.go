package config_test

import (
	"strings"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/config"
)

const htmlSource = `
[[source]]
id = "county-pcc"
name = "County PCC"
kind = "pcc"
url = "https://pcc.example/news/"
type = "html"
max_age = "14d"
ignore_robots = true

[source.html]
item = "article.news-card"
title = "h3"
link = "h3 a"
date = "time"
date_attr = "datetime"
summary = ".teaser"
image = "img"
image_attr = "data-src"
follow = 3

[[source.include]]
keyword = "policing"

[[source.include]]
field = "title"
regexp = "(?i)crime"

[[source.exclude]]
keyword = "Test Appeal"
`

func TestParseHTMLSourceWithRules(t *testing.T) {
	cfg, err := config.Parse("s.toml", []byte(htmlSource))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Sources[0]
	want := pressfeed.HTMLSpec{Item: "article.news-card", Title: "h3", Link: "h3 a", Date: "time", DateAttr: "datetime",
		Summary: ".teaser", Image: "img", ImageAttr: "data-src", Follow: 3}
	if got.HTML == nil || *got.HTML != want {
		t.Errorf("html = %+v, want %+v", got.HTML, want)
	}
	if len(got.Include) != 2 || got.Include[1] != (pressfeed.Rule{Field: "title", Regexp: "(?i)crime"}) {
		t.Errorf("include = %+v", got.Include)
	}
	if len(got.Exclude) != 1 || got.Exclude[0].Keyword != "Test Appeal" {
		t.Errorf("exclude = %+v", got.Exclude)
	}
	if got.MaxAge != "14d" || !got.IgnoreRobots {
		t.Errorf("max_age %q ignore_robots %v", got.MaxAge, got.IgnoreRobots)
	}
	if d, _ := pressfeed.ParseMaxAge(got.MaxAge); d != 14*24*time.Hour {
		t.Errorf("max_age parses to %v", d)
	}
}

func TestBadHTMLSourcesNameSourceAndKey(t *testing.T) {
	tests := []struct {
		name      string
		from, to  string // replace from with to in htmlSource
		want      []string
		wantNoErr bool
	}{
		{"unknown html key", `follow = 3`, "follow = 3\nitme = \"x\"", []string{`bad.toml: source "county-pcc": unknown key "html.itme"`}, false},
		{"unknown rule key", `keyword = "policing"`, "keywrod = \"policing\"", []string{`source "county-pcc": unknown key "include[1].keywrod"`, `include[1]: needs a keyword or a regexp`}, false},
		{"invalid item selector", `item = "article.news-card"`, `item = "article[class="`, []string{`source "county-pcc": html.item: "article[class=" is not a valid CSS selector`}, false},
		{"invalid title selector", `title = "h3"`, `title = "h3 >"`, []string{`html.title: "h3 >" is not a valid CSS selector`}, false},
		{"missing item", `item = "article.news-card"`, ``, []string{`html.item: is required`}, false},
		{"layout with no day", `date_attr = "datetime"`, `date_layout = "Janaury 2, 2006"`, []string{`source "county-pcc": html.date_layout: "Janaury 2, 2006" does not name a day, a month and a year`}, false},
		{"bad attribute", `image_attr = "data-src"`, `image_attr = "data src"`, []string{`html.image_attr: "data src" is not an attribute name`}, false},
		{"follow too high", `follow = 3`, `follow = 500`, []string{`html.follow: 500 is not between 0 and 50`}, false},
		{"bad regexp", `regexp = "(?i)crime"`, `regexp = "(?i)crime("`, []string{`source "county-pcc": include[2].regexp: "(?i)crime(" is not a valid regular expression`}, false},
		{"bad rule field", `field = "title"`, `field = "headline"`, []string{`include[2].field: "headline" is not one of title, summary, category`}, false},
		{"keyword and regexp", `keyword = "Test Appeal"`, "keyword = \"Test Appeal\"\nregexp = \"x\"", []string{`exclude[1]: has both a keyword and a regexp`}, false},
		{"bad max_age", `max_age = "14d"`, `max_age = "two weeks"`, []string{`source "county-pcc": max_age: "two weeks" is not a number of days`}, false},
		{"negative max_age", `max_age = "14d"`, `max_age = "-3d"`, []string{`max_age: "-3d" must be more than zero`}, false},
		{"html source without html", "[source.html]", "[source.notes]", []string{`html: is required for type = "html"`}, false},
		{"html table on a feed", `type = "html"`, `type = "feed"`, []string{`html: is only read for type = "html"`}, false},
		{"a rules key written after [source.html] belongs to it", `follow = 3`, "follow = 3\nmax_age = \"3d\"", []string{`source "county-pcc": unknown key "html.max_age"`}, false},
		{"the good file", ``, ``, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := htmlSource
			if tt.from != "" {
				if !strings.Contains(body, tt.from) {
					t.Fatalf("fixture lacks %q", tt.from)
				}
				body = strings.Replace(body, tt.from, tt.to, 1)
			}
			msg, err := loadFile(t, body)
			if tt.wantNoErr {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			wantInError(t, msg, tt.want)
		})
	}
}

func TestRulesAsAPlainListGetAHint(t *testing.T) {
	_, err := config.Parse("s.toml", []byte("[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"pcc\"\nurl = \"https://a.example/\"\ninclude = [\"policing\"]\n"))
	if err == nil || !strings.Contains(err.Error(), `s.toml: source "a":`) || !strings.Contains(err.Error(), `include = [{ keyword = "police" }]`) {
		t.Errorf("error %v, want one naming the source with a hint", err)
	}
}
