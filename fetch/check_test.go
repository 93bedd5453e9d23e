package fetch_test

import (
	"errors"
	"strings"
	"testing"

	"pressfeed"
)

func TestCheckPreviewsWithoutAStore(t *testing.T) {
	s := followSite(t, 4)
	s.serve(t, "/cards/", "cards.html")
	s.serve(t, "/latest/", "bst-gmt.html")
	s.put("/robots.txt", "text/plain", "User-agent: *\nDisallow: /private/\n")
	s.serve(t, "/private/news/", "cards.html")
	p := newHTMLPoller(nil) // no sink: a check never stores

	tests := []struct {
		name         string
		src          pressfeed.Source
		wantErr      string // a poll would fail with this
		wantItems    int
		wantDropped  []string // reasons
		wantWarnings []string
	}{
		{
			name:         "undated listing followed",
			src:          htmlSource("c", s.URL+"/news/", pressfeed.HTMLSpec{Item: ".card", Title: "h3", Follow: 3}),
			wantItems:    4,
			wantWarnings: []string{"no dates found", "4 new items lack a date or summary; following the first 3"},
		},
		{
			name: "rules and a date layout that does not fit",
			src: withRules(htmlSource("c", s.URL+"/cards/", pressfeed.HTMLSpec{Item: ".news-card", Title: "h3", Date: ".news-card__date", DateLayout: "2 January 2006"}),
				nil, []pressfeed.Rule{{Keyword: "Test Appeal"}}, ""),
			wantItems:    5,
			wantDropped:  []string{`excluded by keyword "Test Appeal"`},
			wantWarnings: []string{"no dates found", `date "Thursday, May 8, 2025" does not match layout "2 January 2006"`},
		},
		{
			name:         "a story shown twice is one item",
			src:          htmlSource("c", s.URL+"/news/", pressfeed.HTMLSpec{Item: ".card, .card h3"}),
			wantItems:    4,
			wantWarnings: []string{"no dates found"},
		},
		{
			name:      "dates fine: no warnings",
			src:       htmlSource("c", s.URL+"/latest/", pressfeed.HTMLSpec{Item: "article.story", Date: ".posted"}),
			wantItems: 4,
		},
		{
			name:         "item selector matches nothing",
			src:          htmlSource("c", s.URL+"/cards/", pressfeed.HTMLSpec{Item: ".news-tile"}),
			wantErr:      "item selector matched 0 elements",
			wantWarnings: []string{"item selector matched 0 elements"},
		},
		{
			name:         "robots.txt disallows",
			src:          htmlSource("c", s.URL+"/private/news/", pressfeed.HTMLSpec{Item: ".news-card"}),
			wantErr:      "robots.txt disallows /private/news/",
			wantWarnings: []string{"robots.txt disallows /private/news/"},
		},
		{
			name:    "an invalid definition is refused before fetching",
			src:     htmlSource("c", s.URL+"/cards/", pressfeed.HTMLSpec{Item: "div[", DateLayout: "yyyy"}),
			wantErr: `html.item: "div[" is not a valid CSS selector: expected identifier, found EOF instead; html.date_layout: "yyyy" does not name a day`,
		},
		{
			name:      "feeds too",
			src:       source("f", s.URL+"/feed"),
			wantErr:   "answered 404 Not Found",
			wantItems: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := p.Check(t.Context(), tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("check: %v", err)
			}
			if len(rep.Items) != tt.wantItems {
				t.Errorf("%d items, want %d", len(rep.Items), tt.wantItems)
			}
			if len(rep.Dropped) != len(tt.wantDropped) {
				t.Errorf("dropped %+v, want %q", rep.Dropped, tt.wantDropped)
			}
			for i, why := range tt.wantDropped {
				if i < len(rep.Dropped) && rep.Dropped[i].Reason != why {
					t.Errorf("dropped reason %q, want %q", rep.Dropped[i].Reason, why)
				}
			}
			all := strings.Join(rep.Warnings, "\n")
			for _, w := range tt.wantWarnings {
				if !strings.Contains(all, w) {
					t.Errorf("warnings %q lack %q", rep.Warnings, w)
				}
			}
			if len(tt.wantWarnings) == 0 && len(rep.Warnings) > 0 {
				t.Errorf("unexpected warnings %q", rep.Warnings)
			}
		})
	}
}

func TestCheckInvalidSourceIsAValidationError(t *testing.T) {
	_, err := newHTMLPoller(nil).Check(t.Context(), htmlSource("c", "https://x.example/", pressfeed.HTMLSpec{Item: "a", Follow: -1}))
	var verr pressfeed.ValidationError
	if !errors.As(err, &verr) || verr[0].Field != "html.follow" {
		t.Errorf("error %v, want a ValidationError on html.follow", err)
	}
}
