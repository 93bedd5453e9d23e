package fetch

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"pressfeed"
)

// CheckReport is a dry run of one poll of a source: what would be stored,
// what its rules would drop, and what a person writing selectors should know.
type CheckReport struct {
	URL      string           `json:"url,omitempty"`      // the page or feed fetched, after redirects
	Status   int              `json:"status,omitempty"`   // its HTTP status; 0 when nothing was fetched
	Found    int              `json:"found"`              // items found in the document
	Items    []pressfeed.Item `json:"items"`              // what a poll would store, in document order; a zero Published gets the first-seen time
	Dropped  []Dropped        `json:"dropped,omitempty"`  // what the include, exclude and max_age rules would drop
	Warnings []string         `json:"warnings,omitempty"` // no dates found, robots.txt disallows, the item selector matched nothing, …
	// Strategy is the way in a poll of an auto source would use, and
	// Attempts what every strategy found, in order (a check tries them all).
	Strategy string              `json:"strategy,omitempty"`
	Attempts []pressfeed.Attempt `json:"attempts,omitempty"`
}

// Check fetches src once, as a poll would, and reports what a poll would
// store, without storing anything or sending validators, so it works on a
// source that is not yet saved and with no store at all (a Poller made with
// a nil Sink). An html source's robots.txt is honoured and new items are
// followed as in a poll.
//
// It returns a pressfeed.ValidationError for an invalid source, and for
// anything that would make a poll fail (robots.txt disallows the page, the
// item selector matched nothing, an HTTP error) the *Error a poll would
// record, with the report saying as much as was learned.
func (p *Poller) Check(ctx context.Context, src pressfeed.Source) (CheckReport, error) {
	rep := CheckReport{Items: []pressfeed.Item{}}
	if err := src.Validate(); err != nil {
		return rep, err
	}
	if err := ValidateSource(src); err != nil {
		return rep, err
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	var (
		items []pressfeed.Item
		resp  *response
		err   error
	)
	switch src.Type {
	case pressfeed.TypeHTML:
		items, resp, err = p.scrapeSource(ctx, src, pressfeed.SourceState{}, &rep.Warnings)
	case pressfeed.TypeAuto:
		items, resp, err = p.checkAuto(ctx, src, &rep)
	default:
		items, resp, err = p.fetchFeed(ctx, src, pressfeed.SourceState{})
	}
	if resp != nil {
		rep.Status = resp.Status
		if resp.URL != nil {
			rep.URL = resp.URL.String()
		}
	}
	if err != nil {
		var fe *Error
		if errors.As(err, &fe) && (fe.Category == pressfeed.CatRobots || fe.Category == pressfeed.CatNoItems) && src.Type != pressfeed.TypeAuto {
			rep.Warnings = append(rep.Warnings, err.Error())
		}
		return rep, categorize(err)
	}
	rules, err := CompileRules(src)
	if err != nil {
		return rep, err
	}
	rep.Found = len(items)
	if !isPageWay(rep.Strategy) && src.Type != pressfeed.TypeHTML && len(items) > 0 && undated(items) == len(items) {
		rep.Warnings = append(rep.Warnings, "no dates found: every item will be dated when it is first seen")
	}
	rep.Items, rep.Dropped = rules.filter(items, p.opts.Now(), false)
	if len(rep.Items) == 0 && len(rep.Dropped) > 0 {
		rep.Warnings = append(rep.Warnings, "the rules drop every item: a poll would store nothing")
	}
	if n := unlinked(rep.Items); n > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d of %d items have no link", n, len(rep.Items)))
	}
	if rep.URL != "" && rep.URL != src.URL {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the URL redirects to %s; consider saving that instead", rep.URL))
	}
	return rep, nil
}

// checkAuto tries every strategy of an auto source and reports what each
// found; the items are those of the first that found any, followed as a
// poll would.
func (p *Poller) checkAuto(ctx context.Context, src pressfeed.Source, rep *CheckReport) ([]pressfeed.Item, *response, error) {
	r := p.resolve(ctx, src, true)
	rep.Attempts = r.attempts
	chosen, err := r.outcome()
	if err != nil {
		return nil, nil, err
	}
	rep.Strategy = chosen.way.id
	var st pressfeed.SourceState
	return p.settle(ctx, src, &st, chosen, &rep.Warnings)
}

func unlinked(items []pressfeed.Item) int {
	n := 0
	for _, it := range items {
		if it.Link == "" {
			n++
		}
	}
	return n
}

func undated(items []pressfeed.Item) int {
	n := 0
	for _, it := range items {
		if it.Published.IsZero() {
			n++
		}
	}
	return n
}

// Excerpt returns the start of an HTML fragment (a summary) as plain text,
// at most n characters, ending in "…" when cut.
func Excerpt(fragment string, n int) string {
	text := plainText(fragment)
	if r := []rune(text); len(r) > n {
		return strings.TrimSpace(string(r[:n])) + "…"
	}
	return text
}
