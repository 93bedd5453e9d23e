package fetch_test

import (
	"strings"
	"testing"
	"text/template"
	"time"

	"pressfeed"
	"pressfeed/fetch"
)

// followItem is one card of testdata/html/undated.html and what its own
// page, testdata/html/item.html filled in, adds: a published time in a
// meta tag, a "Posted" line, both or neither.
type followItem struct{ Slug, Title, Published, Posted string }

// followItems are the listing's cards, in its order.
var followItems = []followItem{
	{"commissioner-visits-control-room", "Commissioner visits the force control room", "2025-09-10T08:45:00+01:00", "<p>Posted on 10 September 2025</p>"},
	{"rural-crime-funding", "New funding for the rural crime team", "", `<p>Posted <time datetime="2025-09-12T16:05">12 September 2025</time></p>`},
	{"fire-safety-week", "Fire safety week: check your smoke alarms", "2025-09-15T09:00:00+01:00", ""},
	{"budget-consultation", "Budget consultation: have your say on policing", "2025-09-18T11:30:00+01:00", ""},
}

// followSite serves the undated listing with its first n cards, and every
// item's own page.
func followSite(t *testing.T, n int) *site {
	t.Helper()
	s := newSite(t)
	setListing(t, s, n)
	page := template.Must(template.New("item").Parse(string(fixture(t, "html/item.html"))))
	for _, it := range followItems {
		var b strings.Builder
		if err := page.Execute(&b, it); err != nil {
			t.Fatal(err)
		}
		s.put("/news/"+it.Slug+"/", "text/html; charset=utf-8", b.String())
	}
	return s
}

// setListing serves the listing with its first n cards.
func setListing(t *testing.T, s *site, n int) {
	t.Helper()
	body := string(fixture(t, "html/undated.html"))
	for _, it := range followItems[n:] {
		start := strings.Index(body, `  <div class="card"><h3><a href="/news/`+it.Slug)
		end := start + strings.Index(body[start:], "</div>\n") + len("</div>\n")
		body = body[:start] + body[end:]
	}
	s.put("/news/", "text/html; charset=utf-8", body)
}

func itemPageRequests(s *site) int { return s.total("/news/") - s.count("/news/") }

func TestFollowFillsDatesAndSummariesOfNewItemsOnly(t *testing.T) {
	s := followSite(t, 3)
	db := openDB(t)
	p := newHTMLPoller(db)
	src := htmlSource("pfcc", s.URL+"/news/", pressfeed.HTMLSpec{Item: ".card", Title: "h3", Follow: 2})

	firstPoll(t, p, src, 3)
	if got := itemPageRequests(s); got != 2 {
		t.Errorf("first poll fetched %d item pages, want 2 (html.follow = 2)", got)
	}
	items := storedByTitle(t, db)
	visit := items["Commissioner visits the force control room"]
	if want := time.Date(2025, 9, 10, 7, 45, 0, 0, time.UTC); !visit.Published.Equal(want) {
		t.Errorf("article:published_time not used: published %v, want %v", visit.Published, want)
	}
	if want := "Commissioner visits the force control room: what the Commissioner&#39;s office announced &amp; what it means for residents."; visit.Summary != want {
		t.Errorf("og:description summary %q, want %q", visit.Summary, want)
	}
	if want := s.URL + "/media/news/commissioner-visits-control-room.jpg"; visit.Image != want {
		t.Errorf("og:image %q, want %q", visit.Image, want)
	}
	funding := items["New funding for the rural crime team"]
	if want := time.Date(2025, 9, 12, 15, 5, 0, 0, time.UTC); !funding.Published.Equal(want) {
		t.Errorf("<time datetime> without an offset not read as London time: %v, want %v", funding.Published, want)
	}
	beyond := items["Fire safety week: check your smoke alarms"]
	if !beyond.Published.Equal(beyond.FirstSeen) || beyond.Summary != "" {
		t.Errorf("the item beyond the bound should keep what the listing gave: %+v", beyond)
	}

	// A new card appears: only it is followed, not the known one that still
	// lacks a date.
	setListing(t, s, 4)
	res := p.Poll(t.Context(), src)
	if res.Outcome != fetch.OutcomeOK || res.New != 1 {
		t.Fatalf("second poll: %+v", res)
	}
	if got := s.count("/news/budget-consultation/"); got != 1 {
		t.Errorf("new item's page fetched %d times, want 1", got)
	}
	if got := s.count("/news/fire-safety-week/"); got != 0 {
		t.Errorf("a known item's page was fetched %d times; follow is for new items", got)
	}
	if got := storedByTitle(t, db)["Budget consultation: have your say on policing"]; !got.Published.Equal(time.Date(2025, 9, 18, 10, 30, 0, 0, time.UTC)) {
		t.Errorf("new item published %v", got.Published)
	}
}

func TestFollowSkipsExcludedItemsAndRobotsDisallowedPages(t *testing.T) {
	s := followSite(t, 4)
	s.put("/robots.txt", "text/plain", "User-agent: *\nDisallow: /news/rural-crime-funding/\n")
	s.fail("/news/budget-consultation/", 500)
	db := openDB(t)
	src := htmlSource("pfcc", s.URL+"/news/", pressfeed.HTMLSpec{Item: ".card", Title: "h3", Follow: 10})
	src.Exclude = []pressfeed.Rule{{Field: pressfeed.RuleTitle, Keyword: "fire safety"}}

	res := newHTMLPoller(db).Poll(t.Context(), src)
	if res.Outcome != fetch.OutcomeOK || res.New != 3 || res.Dropped != 1 {
		t.Fatalf("poll: %+v, want 3 stored and the fire safety item dropped", res)
	}
	if got := s.count("/news/fire-safety-week/"); got != 0 {
		t.Errorf("an excluded item's page was fetched %d times", got)
	}
	if got := s.count("/news/rural-crime-funding/"); got != 0 {
		t.Errorf("a page robots.txt disallows was fetched %d times", got)
	}
	items := storedByTitle(t, db)
	if it := items["Budget consultation: have your say on policing"]; !it.Published.Equal(it.FirstSeen) {
		t.Errorf("an item whose page failed should keep its listing data: %+v", it)
	}
	if it := items["Commissioner visits the force control room"]; it.Summary == "" {
		t.Error("the followable item was not followed")
	}
}

func TestIncludeOnSummaryWaitsForFollow(t *testing.T) {
	s := followSite(t, 4)
	db := openDB(t)
	src := htmlSource("pfcc", s.URL+"/news/", pressfeed.HTMLSpec{Item: ".card", Title: "h3", Follow: 4})
	// The listing has no summaries; the rule can only be judged once each
	// page's og:description is known.
	src.Include = []pressfeed.Rule{{Field: pressfeed.RuleSummary, Regexp: `(?i)^(budget|new funding)`}}
	res := newHTMLPoller(db).Poll(t.Context(), src)
	if res.Outcome != fetch.OutcomeOK || res.New != 2 || res.Dropped != 2 {
		t.Fatalf("poll: %+v, want 2 kept by their followed summaries", res)
	}
	if got := itemPageRequests(s); got != 4 {
		t.Errorf("%d pages followed, want 4", got)
	}
}
