package fetch_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
)

func london(t *testing.T, value string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	tm, err := time.ParseInLocation("2006-01-02 15:04", value, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UTC()
}

// wantItem is what a test expects of one stored item. A zero published means
// "undated": the store gives it its first-seen time.
type wantItem struct {
	title, link string
	published   time.Time
	summary     string // a substring of the sanitized summary
	image       string
}

// The titles of the cards in testdata/html/cards.html, as stored.
const (
	cardShoplifter = "Prolific Preston shoplifter jailed and banned from city centre shops"
	cardKetamine   = "Fifteen arrested in week of action to tackle illegal ketamine use in Burnley & Padiham"
	cardCollision  = "Appeal following “fatal” collision in Blackburn – can you help?"
	cardQA         = "Neighbourhood Q&amp;A session at Chorley police station"
	cardTestAppeal = "Test Appeal - please ignore"
	cardBurglaries = "Three jailed for spate of Chorley burglaries"
)

func TestHTMLListingsAreStored(t *testing.T) {
	s := newSite(t)
	s.serve(t, "/news/?page=1", "cards.html")
	s.put("/newsroom/list", "text/html; charset=windows-1252", string(fixture(t, "html/list.html")))
	s.serve(t, "/rocu/releases", "table.html")
	s.serve(t, "/latest", "bst-gmt.html")

	tests := []struct {
		name string
		path string
		spec pressfeed.HTMLSpec
		want []wantItem
	}{
		{
			name: "cards with text dates, teasers, images and relative links",
			path: "/news/?page=1",
			spec: pressfeed.HTMLSpec{Item: ".news-card", Title: ".news-card__title", Link: "a.news-card__link",
				Date: ".news-card__date", DateLayout: "Monday, January 2, 2006", Summary: ".news-card__teaser", Image: "img"},
			want: []wantItem{
				{cardShoplifter, "/news/2025/may/prolific-preston-shoplifter-jailed/",
					london(t, "2025-05-08 00:00"), "Criminal Behaviour Order (CBO).", "/media/news/shoplifter-thumb.jpg"},
				{cardKetamine, "/news/2025/may/fifteen-arrested-ketamine/",
					london(t, "2025-05-07 00:00"), `<a href="SITE/news/operation-shore/" rel="nofollow noreferrer">Read about the operation</a>`, "/media/news/ketamine-thumb.jpg"},
				{cardCollision, "https://www.county.police.example/news/2025/may/fatal-collision-appeal/?utm_source=homepage&utm_medium=card",
					london(t, "2025-05-07 00:00"), "33-year-old man from Blackburn", "/media/news/collision-thumb.jpg"},
				{cardQA, "/news/2025/may/q-and-a-session/",
					london(t, "2025-05-06 00:00"), "neighbourhood policing team", "/media/news/qa-thumb.jpg"},
				{cardTestAppeal, "/news/2025/may/test-appeal-please-ignore/", london(t, "2025-05-05 00:00"), "test of the website", "/media/news/placeholder.jpg"},
				{cardBurglaries, "/news/2025/april/three-jailed-chorley-burglaries/", london(t, "2025-04-03 00:00"), "10 years", "/media/news/burglary-thumb.jpg"},
			},
		},
		{
			name: "a list with time elements, a base href, a windows-1252 page and links that are not web links",
			path: "/newsroom/list",
			spec: pressfeed.HTMLSpec{Item: "li.release"},
			want: []wantItem{
				{"Commissioner welcomes £1.2m funding for victim services", "/newsroom/releases/commissioner-welcomes-funding-for-victim-services",
					time.Date(2025, 11, 3, 10, 30, 0, 0, time.UTC), "", ""},
				{"Police precept consultation opens – have your say", "/newsroom/archive/police-precept-consultation-opens",
					time.Date(2025, 10, 20, 8, 0, 0, 0, time.UTC), "", ""},
				{"Café drop-in sessions announced for rural communities", "", london(t, "2025-10-14 00:00"), "", ""},
				{"Joint statement on knife crime from the region’s commissioners", "https://other.example/partners/joint-statement-on-knife-crime", time.Time{}, "", ""},
			},
		},
		{
			name: "a table of releases with day-first dates and one undated row",
			path: "/rocu/releases",
			spec: pressfeed.HTMLSpec{Item: "table.releases tbody tr", Link: "td a", Date: "td.date", DateLayout: "02/01/2006", Summary: "p.intro"},
			want: []wantItem{
				{"Organised crime group jailed for a total of 84 years", "/news/organised-crime-group-jailed", london(t, "2025-03-12 00:00"), "supply of cocaine", ""},
				{"Firearms recovered during warrant in Salford", "/news/firearms-recovered-warrant", london(t, "2025-03-05 00:00"), "Two handguns", ""},
				{"Cyber Protect advice for small businesses", "/news/cyber-protect-advice", time.Time{}, "", ""},
			},
		},
		{
			name: "wall-clock times either side of the October clock change",
			path: "/latest",
			spec: pressfeed.HTMLSpec{Item: "article.story", Title: "h2", Date: ".posted", DateLayout: "Monday 2 January 2006 15:04"},
			want: []wantItem{
				{"A6 closed after serious collision near Garstang", "/news/road-closure-a6", time.Date(2025, 10, 25, 13, 30, 0, 0, time.UTC), "", ""}, // BST
				// 01:30 happens twice that night; the first, BST, is taken.
				{"Clocks go back: darker evenings road safety advice", "/news/clocks-go-back-safety", time.Date(2025, 10, 26, 0, 30, 0, 0, time.UTC), "", ""},
				{"Missing 15-year-old girl from Lancaster found safe and well", "/news/missing-teenager-found", time.Date(2025, 10, 26, 12, 0, 0, 0, time.UTC), "", ""}, // GMT
				{"A 34-year-old man from Preston has been charged with robbery", "/news/man-charged-robbery", time.Date(2025, 10, 27, 9, 15, 0, 0, time.UTC), "", ""},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			p := newHTMLPoller(db)
			res := p.Poll(t.Context(), htmlSource("src", s.URL+tt.path, tt.spec))
			if res.Outcome != fetch.OutcomeOK || res.New != len(tt.want) {
				t.Fatalf("poll: %s, %d new, err %v; want ok with %d new", res.Outcome, res.New, res.Err, len(tt.want))
			}
			got := storedByTitle(t, db)
			for _, w := range tt.want {
				it, ok := got[w.title]
				if !ok {
					t.Errorf("no item titled %q; titles: %v", w.title, keys(got))
					continue
				}
				wantLink := w.link
				if strings.HasPrefix(wantLink, "/") {
					wantLink = s.URL + wantLink
				}
				if it.Link != wantLink {
					t.Errorf("%q: link %q, want %q", w.title, it.Link, wantLink)
				}
				if w.published.IsZero() {
					if !it.Published.Equal(it.FirstSeen) {
						t.Errorf("%q: undated item published %v, want its first-seen time %v", w.title, it.Published, it.FirstSeen)
					}
				} else if !it.Published.Equal(w.published) {
					t.Errorf("%q: published %v, want %v", w.title, it.Published, w.published)
				}
				if sum := strings.ReplaceAll(w.summary, "SITE", s.URL); !strings.Contains(it.Summary, sum) {
					t.Errorf("%q: summary %q lacks %q", w.title, it.Summary, sum)
				}
				if w.image != "" && it.Image != s.URL+w.image {
					t.Errorf("%q: image %q, want %q", w.title, it.Image, s.URL+w.image)
				}
			}
		})
	}
}

func TestScrapedHTMLIsSanitized(t *testing.T) {
	s, db, p := newsSite(t, "cards.html")
	src := htmlSource("cards", s.URL+"/news/", pressfeed.HTMLSpec{Item: ".news-card", Title: "h3", Summary: ".news-card__teaser"})
	if res := p.Poll(t.Context(), src); res.Outcome != fetch.OutcomeOK {
		t.Fatalf("poll: %+v", res)
	}
	for _, it := range storedByTitle(t, db) {
		for _, bad := range []string{"<script", "document.cookie", "onclick", "evil.example"} {
			if strings.Contains(it.Summary, bad) {
				t.Errorf("%q: summary kept %q: %s", it.Title, bad, it.Summary)
			}
		}
	}
}

func TestHTMLSourceSecondPollIsConditional(t *testing.T) {
	s, _, p := newsSite(t, "bst-gmt.html")
	src := htmlSource("latest", s.URL+"/news/", pressfeed.HTMLSpec{Item: "article.story", Date: ".posted"})
	firstPoll(t, p, src, 4)
	if res := p.Poll(t.Context(), src); res.Outcome != fetch.OutcomeNotModified {
		t.Fatalf("second poll: %+v, want not_modified", res)
	}
	// robots.txt (here a 404, which allows everything) is cached.
	if got := s.count("/robots.txt"); got != 1 {
		t.Errorf("robots.txt fetched %d times, want 1 (cached)", got)
	}
}

func TestItemSelectorMatchingNothingIsASourceError(t *testing.T) {
	s, db, p := newsSite(t, "cards.html")
	good := htmlSource("cards", s.URL+"/news/", pressfeed.HTMLSpec{Item: ".news-card", Title: "h3"})
	if res := p.Poll(t.Context(), good); res.New != 6 {
		t.Fatalf("first poll: %+v", res)
	}

	cards := string(fixture(t, "html/cards.html"))
	tests := []struct {
		name string
		page string // the listing as it now is
		spec pressfeed.HTMLSpec
		want string
	}{
		{"a redesign renamed the cards", strings.ReplaceAll(cards, "news-card", "news-tile"), *good.HTML,
			`item selector matched 0 elements: ".news-card" on ` + s.URL + "/news/"},
		{"matched elements have nothing usable", cards + "<!-- v2 -->", pressfeed.HTMLSpec{Item: "footer p", Title: "h3"},
			`item selector "footer p" matched 1 elements on ` + s.URL + "/news/ but none had a title or a link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.put("/news/", "text/html", tt.page)
			// The previous case's failure set a backoff; this case comes
			// after it has passed.
			prev, _ := db.State(t.Context(), "cards")
			prev.NextAttempt = time.Time{}
			db.SaveState(t.Context(), "cards", prev)
			src := good
			src.HTML = &tt.spec
			res := p.Poll(t.Context(), src)
			var fe *fetch.Error
			if res.Outcome != fetch.OutcomeError || !errors.As(res.Err, &fe) || fe.Category != pressfeed.CatNoItems {
				t.Fatalf("poll: %+v, want a no_items error", res)
			}
			if !strings.Contains(res.Err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", res.Err, tt.want)
			}
			st, _ := db.State(t.Context(), "cards")
			if st.ErrorCategory != pressfeed.CatNoItems || st.ConsecutiveFailures == 0 {
				t.Errorf("state does not record the failure: %+v", st)
			}
			if n, _ := db.ItemCount(t.Context()); n != 6 {
				t.Errorf("items after the failure: %d, want the 6 stored kept", n)
			}
		})
	}
}

func TestFeedURLGivenAsHTMLSourceSaysSo(t *testing.T) {
	s := newSite(t)
	s.put("/feed", "application/rss+xml", string(fixture(t, "rss.xml")))
	res := newHTMLPoller(openDB(t)).Poll(t.Context(), htmlSource("oops", s.URL+"/feed", pressfeed.HTMLSpec{Item: "div.card"}))
	if res.Err == nil || !strings.Contains(res.Err.Error(), `the URL serves a feed: use type = "feed"`) {
		t.Errorf("poll of a feed as html: %+v", res)
	}
}

func TestInvalidStoredSpecIsASettingsError(t *testing.T) {
	s, _, p := newsSite(t, "cards.html")
	// A definition that bypassed validation (an old store, a hand edit).
	res := p.Poll(t.Context(), htmlSource("bad", s.URL+"/news/", pressfeed.HTMLSpec{Item: "div[", Title: "h3"}))
	var fe *fetch.Error
	if !errors.As(res.Err, &fe) || fe.Category != pressfeed.CatSettings || !strings.Contains(res.Err.Error(), "html.item") {
		t.Errorf("poll: %+v, want a settings error naming html.item", res)
	}
	if got := s.count("/news/"); got != 0 {
		t.Errorf("the page was fetched %d times for an invalid definition", got)
	}
}
