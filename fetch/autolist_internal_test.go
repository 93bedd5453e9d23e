package fetch

import (
	"net/url"
	"os"
	"path/filepath"
	"pressfeed"
	"strings"
	"testing"
)

// loadFixturePage parses a testdata page as if fetched from pageURL.
func loadFixturePage(t *testing.T, name, pageURL string) (*Poller, *listing, error) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(pageURL)
	doc, err := parseHTML(body, "text/html; charset=utf-8", u)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPoller(nil, Options{})
	l, err := p.extractAuto(doc, u)
	return p, &l, err
}

func TestExtractAutoOnListingFixtures(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		want      []string // titles, in order
		dated     int
	}{
		{"listings/soh/page.html", "https://www.valley.police.uk/news/valley/news/", []string{"Man charged after town centre burglaries", "Appeal after collision on the A59", "Week of action on knife crime",
			"Drugs seized in warrant at Riverside flat", "Missing teenager found safe", "Remembrance Sunday road closures"}, 6},
		{"html/cards.html", "https://pcc.example/news/", []string{"Prolific Preston shoplifter jailed and banned from city centre shops",
			"Neighbourhood Q&amp;A session at Chorley police station", "Test Appeal - please ignore", "Three jailed for spate of Chorley burglaries"}, 4},
		{"html/table.html", "https://pcc.example/news/", []string{"Organised crime group jailed for a total of 84 years",
			"Firearms recovered during warrant in Salford", "Cyber Protect advice for small businesses"}, 2},
		{"html/undated.html", "https://pcc.example/news/", []string{"Commissioner visits the force control room",
			"New funding for the rural crime team", "Fire safety week: check your smoke alarms", "Budget consultation: have your say on policing"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, l, err := loadFixturePage(t, tc.name, tc.url)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			dated := 0
			for _, it := range l.items {
				got = append(got, it.Title)
				if !it.Published.IsZero() {
					dated++
				}
			}
			if tc.want != nil && strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("titles %q, want %q", got, tc.want)
			}
			if tc.dated >= 0 && dated != tc.dated {
				t.Errorf("%d dated, want %d", dated, tc.dated)
			}
		})
	}
}

func TestExtractAutoScriptShellAndNothing(t *testing.T) {
	p := NewPoller(nil, Options{})
	u, _ := url.Parse("https://pcc.example/news/")
	for _, tc := range []struct {
		page string
		want pressfeed.ErrorCategory
	}{
		{`<!doctype html><html><head><title>News</title><script src="/app.js"></script></head><body><div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript></body></html>`, pressfeed.CatNeedsScript},
		{`<!doctype html><html><body><nav><a href="/about/">About</a><a href="/news/">News</a></nav><p>Welcome to the office of the commissioner, who holds the force to account for the people of the county and sets the police and crime plan.</p></body></html>`, pressfeed.CatNoItems},
	} {
		doc, _ := parseHTML([]byte(tc.page), "text/html", u)
		_, err := p.extractAuto(doc, u)
		if fe, ok := err.(*Error); !ok || fe.Category != tc.want {
			t.Errorf("%v, want category %s", err, tc.want)
		}
	}
}

func TestExtractJSONLD(t *testing.T) {
	page := `<html><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":[
	 {"@type":"WebPage","url":"https://pcc.example/news/"},
	 {"@type":"ItemList","itemListElement":[
	  {"@type":"ListItem","position":1,"item":{"@type":"NewsArticle","headline":"Commissioner &amp; chief constable sign the plan","url":"/news/plan-signed/","datePublished":"2025-11-20T10:00:00+00:00","description":"The police and crime plan for 2025-29."}},
	  {"@type":"ListItem","position":2,"url":"https://pcc.example/news/budget-set/","name":"Budget set"}]}]}</script>
	<script type="application/ld+json">{ broken</script></head><body></body></html>`
	p := NewPoller(nil, Options{})
	u, _ := url.Parse("https://pcc.example/news/")
	doc, _ := parseHTML([]byte(page), "text/html", u)
	l, err := p.extractJSONLD(doc, u)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.items) != 2 || l.items[0].Title != "Commissioner & chief constable sign the plan" || l.items[0].Link != "https://pcc.example/news/plan-signed/" ||
		l.items[0].Published.Format("2006-01-02T15:04") != "2025-11-20T10:00" || l.items[1].Title != "Budget set" || !strings.Contains(l.items[0].Summary, "2025-29") {
		t.Errorf("%+v", l.items)
	}
	doc, _ = parseHTML([]byte(`<html><body><p>none</p></body></html>`), "text/html", u)
	if _, err := p.extractJSONLD(doc, u); err == nil || err.(*Error).Category != pressfeed.CatNoItems {
		t.Errorf("a page with no JSON-LD: %v", err)
	}
}

func TestSitemapListing(t *testing.T) {
	p := NewPoller(nil, Options{})
	scope, _ := url.Parse("https://pcc.example/news/?page=1")
	l := p.sitemapListing([]sitemapURL{
		{Loc: "https://pcc.example/news/", LastMod: "2025-11-21"},
		{Loc: "https://pcc.example/about-us/", LastMod: "2025-11-21"},
		{Loc: "https://pcc.example/news/older-story-about-patrols", LastMod: "2025-10-01"},
		{Loc: "https://pcc.example/news/commissioner-visits-control-room", LastMod: "2025-11-20T09:00:00Z"},
		{Loc: "https://elsewhere.example/news/not-ours-at-all", LastMod: "2025-11-22"},
	}, scope)
	if len(l.items) != 2 || l.items[0].Title != "Commissioner visits control room" || l.items[1].Title != "Older story about patrols" || !l.slugTitled[l.items[0].GUID] {
		t.Errorf("%+v", l.items)
	}
	for _, tc := range []struct{ in, want string }{{"/news/", "/news/"}, {"/en/news", "/en/news/"}, {"/news/index.php", "/news/"}, {"", "/"}} {
		if got := scopePrefix(&url.URL{Path: tc.in}); got != tc.want {
			t.Errorf("scopePrefix(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
