package fetch_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
)

func TestRobotsTxtIsHonouredForHTMLSources(t *testing.T) {
	spec := pressfeed.HTMLSpec{Item: ".news-card", Title: "h3"}
	tests := []struct {
		name         string
		robots       func(s *site)
		ignoreRobots bool
		wantOutcome  string
		wantErr      string
		wantListing  int // requests for the listing
	}{
		{"allowed", func(s *site) { s.put("/robots.txt", "text/plain", "User-agent: *\nDisallow: /admin/\n") }, false, fetch.OutcomeOK, "", 1},
		{"disallowed for everyone", func(s *site) { s.put("/robots.txt", "text/plain", "User-agent: *\nDisallow: /news/\n") }, false,
			fetch.OutcomeError, `/robots.txt disallows /news/ for "pressfeed"`, 0},
		{"disallowed for us by name", func(s *site) {
			s.put("/robots.txt", "text/plain", "User-agent: *\nAllow: /\n\nUser-agent: pressfeed\nDisallow: /\n")
		}, false, fetch.OutcomeError, "robots.txt disallows", 0},
		{"disallowed but the source says ignore_robots", func(s *site) { s.put("/robots.txt", "text/plain", "User-agent: *\nDisallow: /\n") }, true, fetch.OutcomeOK, "", 1},
		{"no robots.txt (404)", func(s *site) {}, false, fetch.OutcomeOK, "", 1},
		{"robots.txt forbidden (403) counts as none", func(s *site) { s.fail("/robots.txt", http.StatusForbidden) }, false, fetch.OutcomeOK, "", 1},
		{"robots.txt server error means stay away", func(s *site) { s.fail("/robots.txt", http.StatusServiceUnavailable) }, false,
			fetch.OutcomeError, "robots.txt unreadable, so nothing is fetched", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, db, p := newsSite(t, "cards.html")
			tt.robots(s)
			src := htmlSource("robots", s.URL+"/news/", spec)
			src.IgnoreRobots = tt.ignoreRobots
			res := p.Poll(t.Context(), src)
			if res.Outcome != tt.wantOutcome {
				t.Fatalf("outcome %s (%v), want %s", res.Outcome, res.Err, tt.wantOutcome)
			}
			if tt.wantErr != "" {
				var fe *fetch.Error
				if !errors.As(res.Err, &fe) || fe.Category != pressfeed.CatRobots || !strings.Contains(res.Err.Error(), tt.wantErr) {
					t.Errorf("error %v, want a robots error containing %q", res.Err, tt.wantErr)
				}
				st, _ := db.State(t.Context(), "robots")
				if st.ErrorCategory != pressfeed.CatRobots {
					t.Errorf("state category %q, want robots", st.ErrorCategory)
				}
			}
			if got := s.count("/news/"); got != tt.wantListing {
				t.Errorf("listing fetched %d times, want %d", got, tt.wantListing)
			}
			if tt.ignoreRobots && s.count("/robots.txt") != 0 {
				t.Error("ignore_robots still fetched robots.txt")
			}
		})
	}
}

func TestRobotsTxtIsNotAskedForFeeds(t *testing.T) {
	s := newSite(t)
	s.put("/feed", "application/rss+xml", string(fixture(t, "rss.xml")))
	s.put("/robots.txt", "text/plain", "User-agent: *\nDisallow: /\n")
	res := newHTMLPoller(openDB(t)).Poll(t.Context(), source("feed", s.URL+"/feed"))
	if res.Outcome != fetch.OutcomeOK || s.count("/robots.txt") != 0 {
		t.Errorf("feed poll: %+v, robots.txt requests %d", res, s.count("/robots.txt"))
	}
}

func TestRobotsTxtIsCachedForADay(t *testing.T) {
	s := newSite(t)
	s.serve(t, "/news/", "cards.html")
	s.put("/robots.txt", "text/plain", "User-agent: *\nDisallow: /admin/\n")
	now := fixedNow
	p := fetch.NewPoller(openDB(t), fetch.Options{AllowPrivateNetworks: true, Logger: quiet, HostSpacing: time.Millisecond, Now: func() time.Time { return now }})
	src := htmlSource("cached", s.URL+"/news/", pressfeed.HTMLSpec{Item: ".news-card"})
	for _, step := range []struct {
		after       time.Duration
		wantRobots  int
		wantOutcome string
	}{
		{0, 1, fetch.OutcomeOK},
		{23 * time.Hour, 1, fetch.OutcomeNotModified},
		// A day on, robots.txt is asked again, and now it says no.
		{2 * time.Hour, 2, fetch.OutcomeError},
	} {
		now = now.Add(step.after)
		if step.wantRobots == 2 {
			s.put("/robots.txt", "text/plain", "User-agent: *\nDisallow: /news/\n")
		}
		res := p.Poll(t.Context(), src)
		if res.Outcome != step.wantOutcome || s.count("/robots.txt") != step.wantRobots {
			t.Errorf("after %v: outcome %s (%v), robots.txt fetched %d times; want %s and %d",
				step.after, res.Outcome, res.Err, s.count("/robots.txt"), step.wantOutcome, step.wantRobots)
		}
	}
}

func TestUnreachableSiteKeepsItsCategory(t *testing.T) {
	s := newSite(t)
	url := s.URL + "/news/"
	s.Close() // nothing listens there now
	res := newHTMLPoller(openDB(t)).Poll(t.Context(), htmlSource("gone", url, pressfeed.HTMLSpec{Item: "article"}))
	var fe *fetch.Error
	if !errors.As(res.Err, &fe) || fe.Category != pressfeed.CatConnect || !strings.Contains(res.Err.Error(), "robots.txt unreadable") {
		t.Errorf("poll of a closed port: %+v, want a connect error while reading robots.txt", res)
	}
}
