package fetch_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/index"
)

const (
	rssType  = "application/rss+xml"
	htmlType = "text/html; charset=utf-8"
)

// autoSource is an auto source whose news page is pageURL.
func autoSource(id, pageURL string, feeds ...string) pressfeed.Source {
	return pressfeed.Source{ID: id, Name: id, Kind: pressfeed.KindPCC, URL: pageURL, Type: pressfeed.TypeAuto, Enabled: true, Feeds: feeds}
}

// resolvePoller is a poller on clock c with no politeness delays.
func resolvePoller(db *index.DB, c *clock) *fetch.Poller {
	opts := testOptions()
	opts.Now = c.Now
	opts.FollowDelay = time.Millisecond
	return fetch.NewPoller(db, opts)
}

// pollOK polls src and fails the test unless the poll succeeded.
func pollOK(t *testing.T, p *fetch.Poller, src pressfeed.Source) fetch.Result {
	t.Helper()
	res := p.PollAnyway(t.Context(), src)
	if res.Outcome != fetch.OutcomeOK && res.Outcome != fetch.OutcomeNotModified {
		t.Fatalf("poll of %s: %s %v (%s)", src.ID, res.Outcome, res.Err, res.State.Resolution.Summary())
	}
	return res
}

// listingAndFeed serves the Single Online Home listing at /news/ and a feed
// of one item at /feed.xml, and returns an auto source id declaring that
// feed and a poller, into a fresh store, on the returned clock.
func listingAndFeed(t *testing.T, id, item string) (*site, *clock, *fetch.Poller, pressfeed.Source) {
	t.Helper()
	s := newSite(t)
	s.put("/news/", htmlType, string(fixture(t, "listings/soh/page.html")))
	s.put("/feed.xml", rssType, string(rssWith(item)))
	c := newClock()
	return s, c, resolvePoller(openDB(t), c), autoSource(id, s.URL+"/news/", s.URL+"/feed.xml")
}

const plainPage = `<!DOCTYPE html><html><head><title>News</title>%s</head><body><h1>News</h1><p>Nothing here reads as a list.</p></body></html>`

func TestResolveFeedLinkedFromThePage(t *testing.T) {
	s := newSite(t)
	s.put("/news/", htmlType, strings.Replace(plainPage, "%s", `<link rel="alternate" type="application/rss+xml" title="Comments" href="/comments/feed/"><link rel="alternate" type="application/rss+xml" title="News" href="/news/feed.xml">`, 1))
	s.put("/news/feed.xml", rssType, string(rssWith("Linked one", "Linked two")))
	db := openDB(t)
	res := pollOK(t, resolvePoller(db, newClock()), autoSource("linked", s.URL+"/news/"))

	r := res.State.Resolution
	if r.Strategy != pressfeed.StrategyDiscover || r.URL != s.URL+"/news/feed.xml" || res.New != 2 || !res.Resolved {
		t.Fatalf("resolution %+v, new %d", r, res.New)
	}
	if s.count("/comments/feed/") != 0 {
		t.Error("a comments feed was tried as news")
	}
	if got := r.Summary(); got != "linked feed: 2 items" {
		t.Errorf("summary %q", got)
	}
}

func TestResolveWordPressWithNoFeedLinked(t *testing.T) {
	s := newSite(t)
	page := strings.Replace(plainPage, "%s", `<meta name="generator" content="WordPress 6.4.2"><link rel="stylesheet" href="/wp-content/themes/x/style.css">`, 1)
	s.put("/news/", htmlType, page)
	s.put("/", htmlType, page) // the home page links no feed either
	s.put("/feed/", rssType, string(rssWith("From the WordPress feed")))
	db := openDB(t)
	res := pollOK(t, resolvePoller(db, newClock()), autoSource("wp", s.URL+"/news/"))

	r := res.State.Resolution
	if r.Strategy != "platform:wordpress" || r.URL != s.URL+"/feed/" {
		t.Fatalf("resolution %+v", r)
	}
	want := "linked feed: no feed linked from the page or the home page; WordPress feed: "
	if got := r.Summary(); !strings.HasPrefix(got, want) || !strings.Contains(got, "answered 404 Not Found") || !strings.HasSuffix(got, "WordPress feed: 1 items") {
		t.Errorf("summary %q, want it to start %q, say the /news/feed/ 404 and end with the items", got, want)
	}
	if got := titles(t, db, "wp"); len(got) != 1 || got[0] != "From the WordPress feed" {
		t.Errorf("stored %q", got)
	}
}

func TestResolveFallsBackToTheListingAndRecovers(t *testing.T) {
	s := newSite(t)
	listing := string(fixture(t, "listings/soh/page.html"))
	s.put("/news/valley/news/", htmlType, listing)
	s.put("/news/valley/news/GetNewsRss/", rssType, string(rssWith("From the feed")))
	c := newClock()
	db := openDB(t)
	p := resolvePoller(db, c)
	src := autoSource("valley", s.URL+"/news/valley/news/", s.URL+"/news/valley/news/GetNewsRss/")

	res := pollOK(t, p, src)
	if r := res.State.Resolution; r.Strategy != pressfeed.StrategyFeed || s.count("/news/valley/news/") != 0 {
		t.Fatalf("first poll: %+v; the listing was fetched %d times before the declared feed was used", r, s.count("/news/valley/news/"))
	}

	// The feed dies: a 404 sends the source to its other strategies at once.
	s.fail("/news/valley/news/GetNewsRss/", http.StatusNotFound)
	c.Advance(time.Hour)
	res = pollOK(t, p, src)
	r := res.State.Resolution
	if r.Strategy != "template:single-online-home" || res.New != 6 {
		t.Fatalf("after the feed died: %+v, %d new", r, res.New)
	}
	stored := storedByTitle(t, db)
	burglary := stored["Man charged after town centre burglaries"]
	if want := time.Date(2025, 11, 20, 9, 45, 0, 0, time.UTC); !burglary.Published.Equal(want) {
		t.Errorf("the panel's 'Published: 09:45 20/11/2025' read as %v, want %v", burglary.Published, want)
	}
	if !strings.Contains(r.Summary(), "declared feed: ") || !strings.Contains(r.Summary(), "404") {
		t.Errorf("summary %q does not say the feed answered 404", r.Summary())
	}

	// A fallback keeps working until the better strategies are tried again.
	c.Advance(time.Hour)
	if res := pollOK(t, p, src); res.Resolved || res.State.Resolution.Strategy != "template:single-online-home" {
		t.Errorf("an hour later: resolved %v, %+v", res.Resolved, res.State.Resolution)
	}
	s.put("/news/valley/news/GetNewsRss/", rssType, string(rssWith("From the feed", "Back again")))
	c.Advance(24 * time.Hour)
	res = pollOK(t, p, src)
	if r := res.State.Resolution; !res.Resolved || r.Strategy != pressfeed.StrategyFeed {
		t.Errorf("a day later the feed is back: resolved %v, %+v", res.Resolved, r)
	}
}

func TestResolvePinnedNeverWanders(t *testing.T) {
	s, c, p, src := listingAndFeed(t, "pinned", "Only this")
	src.Pin = pressfeed.StrategyFeed
	pollOK(t, p, src)

	s.fail("/feed.xml", http.StatusNotFound)
	for i := 0; i < 4; i++ {
		c.Advance(7 * time.Hour)
		res := p.PollAnyway(t.Context(), src)
		if res.Outcome != fetch.OutcomeError || res.State.Resolution.Strategy != pressfeed.StrategyFeed {
			t.Fatalf("poll %d: %s %v, strategy %q", i, res.Outcome, res.Err, res.State.Resolution.Strategy)
		}
	}
	if n := s.count("/news/"); n != 0 {
		t.Errorf("a source pinned to its feed fetched its listing %d times", n)
	}
}

func TestResolveBlockedIsNotBroken(t *testing.T) {
	s := newSite(t)
	challenge := string(fixture(t, "challenge.html"))
	s.put("/news/", htmlType, string(fixture(t, "listings/soh/page.html")))
	c := newClock()
	db := openDB(t)
	p := resolvePoller(db, c)
	src := autoSource("walled", s.URL+"/news/")
	if res := pollOK(t, p, src); res.State.Resolution.Strategy != "template:single-online-home" {
		t.Fatalf("first poll: %+v", res.State.Resolution)
	}

	// The firewall starts refusing us: the source says so and stays on its
	// strategy, however many polls it takes.
	s.mu.Lock()
	s.pages["/news/"] = page{body: []byte(challenge), contentType: htmlType}
	s.mu.Unlock()
	before := s.count("/news/")
	for i := 0; i < 4; i++ {
		c.Advance(7 * time.Hour)
		res := p.PollAnyway(t.Context(), src)
		if category(res.Err) != pressfeed.CatBlocked || res.Resolved || res.State.Resolution.Strategy != "template:single-online-home" {
			t.Fatalf("poll %d: %v (%s), resolved %v, strategy %q", i, res.Err, category(res.Err), res.Resolved, res.State.Resolution.Strategy)
		}
		if !strings.Contains(res.Err.Error(), "run pressfeed from another network") {
			t.Errorf("the error does not say what to do: %v", res.Err)
		}
	}
	if n := s.count("/news/") - before; n != 4 || s.total("/sitemap") != 0 || s.total("/feed") != 0 {
		t.Errorf("%d listing requests in 4 blocked polls (want 4), %d for sitemaps, %d for feeds (want none)", n, s.total("/sitemap"), s.total("/feed"))
	}

	// A new source on a walled site: one refusal, no wandering round the site.
	fresh := newSite(t)
	fresh.mu.Lock()
	fresh.pages["/news/"] = page{body: []byte(challenge), contentType: htmlType}
	fresh.mu.Unlock()
	res := p.PollAnyway(t.Context(), autoSource("walled-new", fresh.URL+"/news/"))
	if category(res.Err) != pressfeed.CatBlocked {
		t.Fatalf("new source behind a challenge: %v", res.Err)
	}
	if n := fresh.total("/sitemap"); n != 0 {
		t.Errorf("a blocked site was asked for its sitemap %d times", n)
	}
}

func TestResolveWandersAfterRepeatedFailures(t *testing.T) {
	s, c, p, src := listingAndFeed(t, "flaky", "Feed item")
	pollOK(t, p, src)

	s.fail("/feed.xml", http.StatusInternalServerError)
	for i := 1; i <= 2; i++ {
		c.Advance(7 * time.Hour)
		if res := p.PollAnyway(t.Context(), src); res.Outcome != fetch.OutcomeError || res.Resolved {
			t.Fatalf("failure %d: %s, resolved %v", i, res.Outcome, res.Resolved)
		}
	}
	c.Advance(7 * time.Hour)
	res := pollOK(t, p, src)
	if !res.Resolved || res.State.Resolution.Strategy != "template:single-online-home" || res.State.ConsecutiveFailures != 0 {
		t.Errorf("third failure: resolved %v, %+v", res.Resolved, res.State)
	}
}

func TestResolveAgainWhenTheSourceChanges(t *testing.T) {
	s := newSite(t)
	s.put("/a.xml", rssType, string(rssWith("A")))
	s.put("/b.xml", rssType, string(rssWith("B")))
	s.put("/news/", htmlType, strings.Replace(plainPage, "%s", "", 1))
	c := newClock()
	db := openDB(t)
	p := resolvePoller(db, c)
	src := autoSource("edited", s.URL+"/news/", s.URL+"/a.xml")
	pollOK(t, p, src)
	src.Feeds = []string{s.URL + "/b.xml"}
	c.Advance(time.Hour)
	if res := pollOK(t, p, src); !res.Resolved || res.State.Resolution.URL != s.URL+"/b.xml" {
		t.Errorf("after an edit: resolved %v, %+v", res.Resolved, res.State.Resolution)
	}
}

func TestResolveURLThatIsAFeed(t *testing.T) {
	s := newSite(t)
	s.put("/rss", rssType, string(rssWith("One", "Two", "Three")))
	db := openDB(t)
	res := pollOK(t, resolvePoller(db, newClock()), autoSource("direct", s.URL+"/rss"))
	if r := res.State.Resolution; r.Strategy != pressfeed.StrategyFeed || r.URL != s.URL+"/rss" || res.New != 3 || s.count("/rss") != 1 {
		t.Errorf("%+v, %d new, fetched %d times", r, res.New, s.count("/rss"))
	}
}

func TestResolveNothingWorks(t *testing.T) {
	s := newSite(t)
	s.put("/news/", htmlType, strings.Replace(plainPage, "%s", "", 1))
	db := openDB(t)
	res := resolvePoller(db, newClock()).PollAnyway(context.Background(), autoSource("empty", s.URL+"/news/"))
	if res.Outcome != fetch.OutcomeError || category(res.Err) != pressfeed.CatNoItems {
		t.Fatalf("%s %v", res.Outcome, res.Err)
	}
	msg := res.Err.Error()
	for _, want := range []string{"no way in found", "no feed linked from the page", "no platform with a known feed path", "automatic listing", "sitemap"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
}

func TestCheckTriesEveryStrategy(t *testing.T) {
	s := newSite(t)
	s.put("/news/valley/news/", htmlType, string(fixture(t, "listings/soh/page.html")))
	s.put("/news/valley/news/GetNewsRss/", rssType, string(rssWith("From the feed")))
	p := fetch.NewPoller(nil, testOptions())
	rep, err := p.Check(t.Context(), autoSource("check", s.URL+"/news/valley/news/", s.URL+"/news/valley/news/GetNewsRss/"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Strategy != pressfeed.StrategyFeed || len(rep.Items) != 1 {
		t.Errorf("strategy %q, %d items", rep.Strategy, len(rep.Items))
	}
	found := map[string]int{}
	for _, a := range rep.Attempts {
		found[a.Strategy] = a.Items
	}
	if found["template:single-online-home"] != 6 {
		t.Errorf("the check did not report the template's 6 items as well: %+v", rep.Attempts)
	}
	if _, ok := found["platform:single-online-home"]; ok {
		t.Errorf("the platform feed, the same URL as the declared one, was tried twice: %+v", rep.Attempts)
	}
}

func TestValidatePin(t *testing.T) {
	for _, tc := range []struct {
		pin, want string
	}{
		{"auto", ""},
		{"platform:wordpress", ""},
		{"template:single-online-home", ""},
		{"platform:joomla", `"joomla" is not a known platform`},
		{"template:nope", `"nope" is not a known template`},
		{"magic", `"magic" is not a strategy`},
		{"selectors", `"selectors" needs html`},
	} {
		src := autoSource("pin", "https://pcc.example/news/")
		src.Pin = tc.pin
		err := src.Validate()
		if err == nil {
			err = fetch.ValidateSource(src)
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("pin %q: %v", tc.pin, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("pin %q: %v, want %q", tc.pin, err, tc.want)
		}
	}
}

// TestStrategySwitchKeepsItemIdentity: the same articles read first from
// the feed (under its guids) and then, when the feed dies, from the
// listing (under their links) are the same items: nothing is new, and the
// ids readers hold stay, both ways.
func TestStrategySwitchKeepsItemIdentity(t *testing.T) {
	s := newSite(t)
	s.put("/news/valley/news/", htmlType, string(fixture(t, "listings/soh/page.html")))
	var feed strings.Builder
	feed.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Valley</title><link>` + s.URL + `/</link><description>d</description>`)
	for i, slug := range []string{"man-charged-after-town-centre-burglaries", "appeal-after-collision-on-the-a59", "week-of-action-on-knife-crime",
		"drugs-seized-in-warrant-at-riverside-flat", "missing-teenager-found-safe", "remembrance-sunday-road-closures"} {
		feed.WriteString(`<item><title>Story ` + slug + `</title><guid isPermaLink="false">soh-` + string(rune('1'+i)) + `</guid><link>` +
			s.URL + `/news/valley/news/2025/november/` + slug + `/?utm_source=rss</link><pubDate>Thu, 20 Nov 2025 09:45:00 GMT</pubDate></item>`)
	}
	feed.WriteString(`</channel></rss>`)
	s.put("/news/valley/news/GetNewsRss/", rssType, feed.String())
	c := newClock()
	db := openDB(t)
	p := resolvePoller(db, c)
	src := autoSource("valley", s.URL+"/news/valley/news/", s.URL+"/news/valley/news/GetNewsRss/")

	if res := pollOK(t, p, src); res.New != 6 {
		t.Fatalf("from the feed: %d new", res.New)
	}
	keys := func() map[string]bool {
		out := map[string]bool{}
		for _, it := range storedByTitle(t, db) {
			out[it.Key] = true
		}
		return out
	}
	before := keys()

	s.fail("/news/valley/news/GetNewsRss/", http.StatusNotFound)
	c.Advance(time.Hour)
	res := pollOK(t, p, src)
	if res.State.Resolution.Strategy != "template:single-online-home" || res.New != 0 {
		t.Fatalf("the listing after the feed died: %s, %d new; want the same 6 items, none new", res.State.Resolution.Strategy, res.New)
	}
	c.Advance(time.Hour)
	if res := pollOK(t, p, src); res.New != 0 {
		t.Errorf("the listing's second poll: %d new", res.New)
	}

	s.put("/news/valley/news/GetNewsRss/", rssType, feed.String())
	c.Advance(25 * time.Hour)
	if res := pollOK(t, p, src); res.State.Resolution.Strategy != pressfeed.StrategyFeed || res.New != 0 {
		t.Errorf("the feed back: %s, %d new", res.State.Resolution.Strategy, res.New)
	}
	if after := keys(); len(after) != 6 || !reflect.DeepEqual(after, before) {
		t.Errorf("item keys changed across the switches: %v, then %v", before, after)
	}
}
