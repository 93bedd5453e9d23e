package fetch_test

import (
	"slices"
	"sort"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/index"
)

func TestRulesFilterWhatIsStored(t *testing.T) {
	s := newSite(t)
	s.serve(t, "/news/", "cards.html")
	s.put("/feed", "application/rss+xml", string(fixture(t, "rss.xml")))
	cards := pressfeed.HTMLSpec{Item: ".news-card", Title: "h3", Date: ".news-card__date", Summary: ".news-card__teaser"}
	// The day after the newest card.
	may9 := time.Date(2025, 5, 9, 9, 0, 0, 0, time.UTC)

	tests := []struct {
		name        string
		src         pressfeed.Source
		now         time.Time
		wantTitles  []string
		wantDropped int
	}{
		{
			name: "exclude a test item by keyword, any case",
			src: withRules(htmlSource("r", s.URL+"/news/", cards), nil,
				[]pressfeed.Rule{{Keyword: "test appeal"}}, ""),
			now:         may9,
			wantTitles:  []string{cardCollision, cardKetamine, cardQA, cardShoplifter, cardBurglaries},
			wantDropped: 1,
		},
		{
			name: "include by whole word in the title only",
			src: withRules(htmlSource("r", s.URL+"/news/", cards),
				[]pressfeed.Rule{{Field: pressfeed.RuleTitle, Keyword: "jailed"}}, nil, ""),
			now:         may9,
			wantTitles:  []string{cardShoplifter, cardBurglaries},
			wantDropped: 4,
		},
		{
			name: "include by regexp on the summary; a keyword is a whole word, not a fragment",
			src: withRules(htmlSource("r", s.URL+"/news/", cards),
				[]pressfeed.Rule{{Field: pressfeed.RuleSummary, Regexp: `(?i)\barrest(ed)?\b`}, {Keyword: "polic"}}, nil, ""),
			now:         may9,
			wantTitles:  []string{cardCollision, cardKetamine},
			wantDropped: 4,
		},
		{
			name:        "max_age skips the backlog",
			src:         withRules(htmlSource("r", s.URL+"/news/", cards), nil, nil, "4d"),
			now:         may9,
			wantTitles:  []string{cardCollision, cardKetamine, cardQA, cardShoplifter},
			wantDropped: 2,
		},
		{
			name:        "rules work on feeds too: a category",
			src:         withRules(source("f", s.URL+"/feed"), nil, []pressfeed.Rule{{Field: pressfeed.RuleCategory, Keyword: "charges"}}, ""),
			now:         may9,
			wantTitles:  []string{"Appeal after assault in park & ride"},
			wantDropped: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			p := pollerAt(db, tt.now)
			res := p.Poll(t.Context(), tt.src)
			if res.Outcome != fetch.OutcomeOK {
				t.Fatalf("poll: %+v", res)
			}
			if res.Dropped != tt.wantDropped || res.New != len(tt.wantTitles) {
				t.Errorf("dropped %d new %d, want %d and %d", res.Dropped, res.New, tt.wantDropped, len(tt.wantTitles))
			}
			got := keys(storedByTitle(t, db))
			sort.Strings(got)
			if !slices.Equal(got, tt.wantTitles) {
				t.Errorf("stored %q\nwant   %q", got, tt.wantTitles)
			}
		})
	}
}

func TestMaxAgeKeepsTheBacklogOutOnLaterPolls(t *testing.T) {
	s := newSite(t)
	s.serve(t, "/news/", "cards.html")
	p := pollerAt(openDB(t), time.Date(2025, 5, 9, 9, 0, 0, 0, time.UTC))
	src := withRules(htmlSource("r", s.URL+"/news/", pressfeed.HTMLSpec{Item: ".news-card", Title: "h3", Date: ".news-card__date"}), nil, nil, "4d")
	if res := p.Poll(t.Context(), src); res.New != 4 {
		t.Fatalf("first poll: %+v", res)
	}
	s.put("/news/", "text/html", string(fixture(t, "html/cards.html"))+"<!-- changed -->")
	if res := p.Poll(t.Context(), src); res.Outcome != fetch.OutcomeOK || res.New != 0 || res.Dropped != 2 {
		t.Errorf("second poll: %+v, want the two old items dropped again", res)
	}
}

func withRules(src pressfeed.Source, include, exclude []pressfeed.Rule, maxAge string) pressfeed.Source {
	src.Include, src.Exclude, src.MaxAge = include, exclude, maxAge
	return src
}

// pollerAt is a poller whose clock stands at now.
func pollerAt(db *index.DB, now time.Time) *fetch.Poller {
	return fetch.NewPoller(db, fetch.Options{AllowPrivateNetworks: true, Logger: quiet, HostSpacing: time.Millisecond, Now: func() time.Time { return now }})
}
