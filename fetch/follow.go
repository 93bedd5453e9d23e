package fetch

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"

	"pressfeed"
)

// ItemLookup is implemented by a Sink that can say which items it already
// holds (*index.DB does). With it, follow fetches only new items' pages;
// without it (a check with no store) every item counts as new.
type ItemLookup interface {
	// KnownItems returns the subset of guids the source already has items for.
	KnownItems(ctx context.Context, sourceID string, guids []string) (map[string]bool, error)
}

// applyRules removes the items src's include, exclude and max_age rules
// reject. It returns the kept items and how many were dropped; an invalid
// stored rule is an *Error of category pressfeed.CatSettings.
func (p *Poller) applyRules(src pressfeed.Source, items []pressfeed.Item, now time.Time) ([]pressfeed.Item, int, error) {
	rules, err := CompileRules(src)
	if err != nil {
		return nil, 0, &Error{Category: pressfeed.CatSettings, Err: fmt.Errorf("source %s: %w", src.ID, err)}
	}
	kept, dropped := rules.filter(items, now, false)
	return kept, len(dropped), nil
}

// Page meta the follow step reads.
var (
	metaPublished   = cascadia.MustCompile(`meta[property="article:published_time"], meta[itemprop="datePublished"]`)
	metaDescription = cascadia.MustCompile(`meta[property="og:description"], meta[name="description"]`)
	metaImage       = cascadia.MustCompile(`meta[property="og:image"]`)
	metaTitle       = cascadia.MustCompile(`meta[property="og:title"]`)
)

// follow fetches the own pages of up to limit new items that lack a date or
// a summary and the rules may still keep, politely spaced, and fills in the
// published time (article:published_time, else the first <time datetime>),
// the summary (og:description) and the image (og:image). A page that fails
// is logged and leaves its item as the listing gave it: following only ever
// adds. Following stops early rather than use more than half the time left
// to the poll, so the items are still stored; a poll with no deadline of its
// own gives following one fetch timeout (Options.Timeout) in all.
func (p *Poller) follow(ctx context.Context, src pressfeed.Source, limit int, items []pressfeed.Item, slugTitled map[string]bool, notes *[]string) []pressfeed.Item {
	note := func(format string, args ...any) {
		if notes != nil {
			*notes = append(*notes, fmt.Sprintf(format, args...))
		}
	}
	rules, err := CompileRules(src)
	if err != nil {
		return items // applyRules reports it
	}
	now := p.opts.Now()
	var want []int
	for i, it := range items {
		if it.Link == "" || (!it.Published.IsZero() && it.Summary != "" && !slugTitled[it.GUID]) {
			continue
		}
		if ok, _ := rules.Keep(it, now, true); ok {
			want = append(want, i)
		}
	}
	if lookup, ok := p.sink.(ItemLookup); ok && len(want) > 0 {
		guids := make([]string, len(want))
		for j, i := range want {
			guids[j] = items[i].GUID
		}
		known, err := lookup.KnownItems(ctx, src.ID, guids)
		if err != nil {
			p.logger.Warn("follow skipped: cannot tell new items", "source", src.ID, "error", err)
			return items
		}
		fresh := want[:0]
		for _, i := range want {
			if !known[items[i].GUID] {
				fresh = append(fresh, i)
			}
		}
		want = fresh
	}
	if len(want) > limit {
		note("%d new items lack a date or summary; following the first %d (html.follow = %d), the rest keep what the listing gives", len(want), limit, limit)
		want = want[:limit]
	}
	budget := p.opts.Timeout
	if deadline, ok := ctx.Deadline(); ok {
		budget = time.Until(deadline) / 2
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	for n, i := range want {
		if n > 0 && !sleep(ctx, p.opts.FollowDelay) {
			note("following stopped after %d pages: out of time", n)
			break
		}
		link := items[i].Link
		if err := p.followOne(ctx, src, &items[i], slugTitled[items[i].GUID]); err != nil {
			p.logger.Warn("follow failed", "source", src.ID, "url", link, "error", err)
			note("follow %s: %v", link, err)
		}
	}
	return items
}

// followOne fetches the item's own page and fills in what the listing
// lacked; retitle replaces a title made from the link with the page's own
// (og:title, else its first h1).
func (p *Poller) followOne(ctx context.Context, src pressfeed.Source, it *pressfeed.Item, retitle bool) error {
	if !src.IgnoreRobots {
		if err := p.checkRobots(ctx, it.Link); err != nil {
			return err
		}
	}
	resp, err := p.get(ctx, it.Link, htmlAccept, pressfeed.SourceState{})
	if err != nil {
		return err
	}
	doc, err := parseHTML(resp.Body, resp.ContentType, resp.URL)
	if err != nil {
		return err
	}
	if retitle {
		title, _ := doc.FindMatcher(metaTitle).First().Attr("content")
		if title = plainText(title); title == "" {
			title = text(doc.FindMatcher(headingSel).First())
		}
		if title != "" {
			it.Title = title
		}
	}
	if it.Published.IsZero() {
		raw, _ := doc.FindMatcher(metaPublished).First().Attr("content")
		if raw == "" {
			raw = jsonLDPublished(doc)
		}
		if raw == "" {
			raw, _ = doc.FindMatcher(anyTime).First().Attr("datetime")
		}
		if raw != "" {
			if t, err := parseDate(raw, "", p.html.london); err == nil {
				it.Published = t
			}
		}
	}
	if it.Summary == "" {
		desc, _ := doc.FindMatcher(metaDescription).First().Attr("content")
		if desc = strings.Join(strings.Fields(desc), " "); desc != "" {
			it.Summary = p.sanitizeHTML(html.EscapeString(desc), nil)
		}
	}
	if it.Image == "" {
		if raw, ok := doc.FindMatcher(metaImage).First().Attr("content"); ok {
			it.Image = webLink(resp.URL, raw)
		}
	}
	return nil
}

// sleep waits d or until ctx ends, and reports whether it waited the whole d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
