package fetch

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"pressfeed"
)

// wanderAfter is how many consecutive failures of the strategy in use make
// an auto source try its strategies from the top again. A 404 or 410, or a
// page that used to list items and lists none, does so at once; a blocked
// source never does.
const wanderAfter = 3

// resolver tries an auto source's strategies in order (see
// pressfeed.StrategyKinds) and notes what each found.
type resolver struct {
	p        *Poller
	src      pressfeed.Source
	all      bool // try every strategy, as a check does, not only until one yields items
	tried    map[string]bool
	attempts []pressfeed.Attempt
	results  []wayResult // every way read, in order
	chosen   *wayResult
	blocked  error // the first refusal met
	pageErr  error // why the news page could not be read
}

// resolve tries src's strategies until one yields items (every one when
// all is set) and returns what it found. Nothing is sent with validators:
// each way is read afresh.
func (p *Poller) resolve(ctx context.Context, src pressfeed.Source, all bool) *resolver {
	r := &resolver{p: p, src: src, all: all, tried: map[string]bool{}}
	for _, f := range src.Feeds {
		r.try(ctx, way{id: pressfeed.StrategyFeed, url: f}, nil)
	}
	if r.done() {
		return r
	}
	if !r.wants(pressfeed.StrategyDiscover, pressfeed.StrategyPlatform, pressfeed.StrategySelectors,
		pressfeed.StrategyTemplate, pressfeed.StrategyAuto, pressfeed.StrategyJSONLD) {
		// Pinned to feeds or the sitemap: the page matters only as a feed
		// itself, when no feed is declared.
		if len(src.Feeds) == 0 {
			r.try(ctx, way{id: pressfeed.StrategyFeed, url: src.URL}, nil)
		}
		r.trySitemaps(ctx)
		return r
	}
	pg := p.loadPage(ctx, src, src.URL, pressfeed.SourceState{})
	if pg.err != nil {
		r.pageErr = pg.err
		r.note(pressfeed.StrategyPage, src.URL, pg.err)
		if category(pg.err) == pressfeed.CatBlocked {
			return r // the site refuses us: a sitemap on it would be refused too
		}
	} else if pg.isFeed() {
		r.try(ctx, way{id: pressfeed.StrategyFeed, url: src.URL}, pg)
	} else {
		r.tryPage(ctx, pg)
	}
	if !r.done() {
		r.trySitemaps(ctx)
	}
	return r
}

// tryPage tries the strategies that start from the news page: the feeds it
// or the home page links, its platform's feeds, selectors and templates,
// automatic extraction and JSON-LD.
func (r *resolver) tryPage(ctx context.Context, pg *pageDoc) {
	pageURL := pg.resp.URL
	links := discoverFeeds(pg.doc, baseURL(pg.doc, pageURL))
	platforms := detectPlatforms(pg.resp.Body, pg.resp.Header)
	if home := pageURL.Scheme + "://" + pageURL.Host + "/"; len(links) == 0 && pageURL.String() != home && r.wants(pressfeed.StrategyDiscover, pressfeed.StrategyPlatform) {
		if hp := r.p.loadPage(ctx, r.src, home, pressfeed.SourceState{}); hp.err == nil && hp.doc != nil {
			links = discoverFeeds(hp.doc, baseURL(hp.doc, hp.resp.URL))
			platforms = union(platforms, detectPlatforms(hp.resp.Body, hp.resp.Header))
		}
	}
	if len(links) == 0 {
		r.noteText(pressfeed.StrategyDiscover, "no feed linked from the page or the home page")
	}
	for _, l := range links {
		r.try(ctx, way{id: pressfeed.StrategyDiscover, url: l}, nil)
	}
	feeds := 0
	for _, pl := range platforms {
		urls := platformFeeds(pl, pageURL, pg.doc)
		ids := make([]string, len(urls))
		for i := range urls {
			ids[i] = pressfeed.StrategyPlatform + ":" + pl
		}
		if pl == PlatformWordPress {
			for _, u := range platformFeeds(PlatformWPJSON, pageURL, pg.doc) {
				urls, ids = append(urls, u), append(ids, pressfeed.StrategyPlatform+":"+PlatformWPJSON)
			}
		}
		for i, u := range urls {
			feeds++
			r.try(ctx, way{id: ids[i], url: u}, nil)
		}
	}
	if feeds == 0 {
		r.noteText(pressfeed.StrategyPlatform, platformNote(platforms))
	}
	if r.src.HTML != nil {
		r.try(ctx, way{id: pressfeed.StrategySelectors, url: r.src.URL, spec: r.src.HTML}, pg)
	}
	for _, t := range templates {
		if matchesAny(pg.doc, t.spec.Item) {
			spec := t.spec
			r.try(ctx, way{id: pressfeed.StrategyTemplate + ":" + t.name, url: r.src.URL, spec: &spec}, pg)
		}
	}
	r.try(ctx, way{id: pressfeed.StrategyAuto, url: r.src.URL}, pg)
	r.try(ctx, way{id: pressfeed.StrategyJSONLD, url: r.src.URL}, pg)
}

// platformNote says why no platform feed was tried.
func platformNote(platforms []string) string {
	if len(platforms) == 0 {
		return "no platform with a known feed path (WordPress, Drupal, Jadu, Single Online Home) detected"
	}
	names := make([]string, len(platforms))
	for i, p := range platforms {
		names[i] = pressfeed.PlatformName(p)
	}
	return "the site looks like " + strings.Join(names, " and ") + ", which has no known feed path here"
}

// trySitemaps tries the sitemaps robots.txt names, else the usual paths.
func (r *resolver) trySitemaps(ctx context.Context) {
	if !r.wants(pressfeed.StrategySitemap) {
		return
	}
	u, err := url.Parse(r.src.URL)
	if err != nil {
		return
	}
	origin := u.Scheme + "://" + u.Host
	var maps []string
	if rules, err := r.p.robots(ctx, origin); err == nil {
		maps = rules.sitemaps
	}
	if len(maps) == 0 {
		maps = []string{origin + "/sitemap.xml", origin + "/sitemap_index.xml", origin + "/wp-sitemap.xml"}
	}
	for i, m := range maps {
		if i == 3 {
			break // a site with dozens of sitemaps names its news ones first, if at all
		}
		r.try(ctx, way{id: pressfeed.StrategySitemap, url: m}, nil)
	}
}

// wants reports whether the pin allows any strategy of the kinds given.
func (r *resolver) wants(kinds ...string) bool {
	for _, k := range kinds {
		if r.src.Pin == "" || pressfeed.StrategyKind(r.src.Pin) == k {
			return true
		}
	}
	return false
}

// done reports whether resolution can stop.
func (r *resolver) done() bool { return r.chosen != nil && !r.all }

// try reads one way, unless the pin excludes it, it was read already, or
// resolution is done, and notes what it found. The first way with items is
// chosen.
func (r *resolver) try(ctx context.Context, w way, pg *pageDoc) {
	key := w.id + " " + w.url
	if !isPageWay(w.id) {
		key = w.url // a feed is one way in, whoever names it
	}
	if r.done() || r.tried[key] || !pressfeed.PinMatches(r.src.Pin, w.id) || ctx.Err() != nil {
		return
	}
	r.tried[key] = true
	res := r.p.readWay(ctx, r.src, w, pressfeed.SourceState{}, pg)
	r.results = append(r.results, res)
	a := pressfeed.Attempt{Strategy: w.id, URL: w.url, Items: len(res.items)}
	switch {
	case res.err != nil:
		fe := categorize(res.err)
		a.Category, a.Note = fe.Category, fe.Error()
		if fe.Category == pressfeed.CatBlocked && r.blocked == nil {
			r.blocked = fe
		}
	case len(res.items) == 0:
		a.Category, a.Note = pressfeed.CatNoItems, "a feed with no items"
	default:
		a.Note = fmt.Sprintf("%d items", len(res.items))
		if res.desc != "" {
			a.Note += " in " + res.desc
		}
	}
	r.attempts = append(r.attempts, a)
	if res.err == nil && len(res.items) > 0 && r.chosen == nil {
		r.chosen = &r.results[len(r.results)-1]
	}
}

// note records a failure that is not a way's, such as the news page not
// loading.
func (r *resolver) note(id, u string, err error) {
	fe := categorize(err)
	r.attempts = append(r.attempts, pressfeed.Attempt{Strategy: id, URL: u, Category: fe.Category, Note: fe.Error()})
}

// noteText records why a kind of strategy had nothing to try.
func (r *resolver) noteText(id, text string) {
	if !r.done() && r.wants(id) {
		r.attempts = append(r.attempts, pressfeed.Attempt{Strategy: id, Category: pressfeed.CatNoItems, Note: text})
	}
}

// outcome is the way chosen, or the error that says why none was: a
// refusal, the page's own failure, a page that needs a script, else
// "none of the strategies found items" with what each found.
func (r *resolver) outcome() (*wayResult, error) {
	if r.chosen != nil {
		return r.chosen, nil
	}
	summary := pressfeed.Resolution{Attempts: r.attempts}.Summary()
	switch {
	case r.blocked != nil:
		return nil, r.blocked
	case r.pageErr != nil && len(r.src.Feeds) == 0:
		return nil, r.pageErr
	}
	for _, res := range r.results {
		if category(res.err) == pressfeed.CatNeedsScript {
			if len(r.attempts) <= 1 {
				return nil, res.err // the summary would only say it again
			}
			return nil, failure(pressfeed.CatNeedsScript, res.err, "%v (what each way found: %s)", res.err, summary)
		}
	}
	if summary == "" {
		summary = "the pin " + r.src.Pin + " allows no strategy this source has"
	}
	return nil, failure(pressfeed.CatNoItems, nil, "no way in found: %s", summary)
}

// resolution is the record of r for the source's state. prev is the
// resolution before, whose strategy stays in use when none was chosen.
func (r *resolver) resolution(prev pressfeed.Resolution, now time.Time) pressfeed.Resolution {
	out := pressfeed.Resolution{Strategy: prev.Strategy, URL: prev.URL, Yielded: prev.Yielded,
		At: now, Attempts: r.attempts, For: r.src.StrategyKey()}
	if r.chosen != nil {
		out.Strategy, out.URL, out.Yielded = r.chosen.way.id, r.chosen.way.url, len(r.chosen.items)
		if !r.all {
			return out
		}
		// A check tries every way; the record keeps those up to the chosen.
		for i, a := range r.attempts {
			if a.Strategy == out.Strategy && a.URL == out.URL {
				out.Attempts = r.attempts[:i+1]
				break
			}
		}
	}
	return out
}

// category is err's category, or "" for nil.
func category(err error) pressfeed.ErrorCategory {
	if err == nil {
		return ""
	}
	return categorize(err).Category
}

func union(a, b []string) []string {
	for _, s := range b {
		found := false
		for _, t := range a {
			found = found || s == t
		}
		if !found {
			a = append(a, s)
		}
	}
	return a
}

// fetchAuto reads an auto source: the strategy in use, when there is one
// and nothing calls for another, else each strategy in order until one
// yields items. st's resolution is updated in place. It returns the items
// of the strategy used (followed to their pages where the listing lacks
// dates or teasers) and that strategy's response.
func (p *Poller) fetchAuto(ctx context.Context, src pressfeed.Source, st *pressfeed.SourceState, notes *[]string) ([]pressfeed.Item, *response, error) {
	now := p.opts.Now()
	if p.resolveReason(src, *st, now) == "" {
		w := wayOf(src, st.Resolution)
		res := p.readWay(ctx, src, w, *st, nil)
		if res.err == nil && (res.resp.NotModified || res.found() > 0) {
			return p.settle(ctx, src, st, &res, notes)
		}
		if res.err == nil {
			res.err = failure(pressfeed.CatNoItems, nil, "%s found no items at %s, where it found %d before", pressfeed.StrategyLabel(w.id), w.url, st.Resolution.Yielded)
		}
		if !shouldWander(*st, res) || ctx.Err() != nil {
			return res.items, res.resp, res.err
		}
		p.logger.Info("strategy failed; trying the others", "source", src.ID, "strategy", w.id, "error", res.err)
	}
	r := p.resolve(ctx, src, false)
	st.Resolution = r.resolution(st.Resolution, now)
	chosen, err := r.outcome()
	if err != nil {
		return nil, nil, err
	}
	return p.settle(ctx, src, st, chosen, notes)
}

// settle follows the chosen way's items and notes how many it yielded.
func (p *Poller) settle(ctx context.Context, src pressfeed.Source, st *pressfeed.SourceState, res *wayResult, notes *[]string) ([]pressfeed.Item, *response, error) {
	if !res.resp.NotModified {
		p.followWay(ctx, src, res)
		if n := res.found(); n > 0 {
			st.Resolution.Yielded = n
		}
	}
	if notes != nil {
		*notes = append(*notes, res.notes...)
	}
	return res.items, res.resp, nil
}

// resolveReason says why src's strategies must be tried again before this
// poll, or "" when the one in use should be read: there is none yet, the
// source's definition changed, its pin no longer allows it, or it is a
// fallback (something before it failed), working, and the better ones have
// not been tried for Options.Reresolve.
func (p *Poller) resolveReason(src pressfeed.Source, st pressfeed.SourceState, now time.Time) string {
	r := st.Resolution
	switch {
	case r.Strategy == "":
		return "no strategy yet"
	case r.For != src.StrategyKey():
		return "the source's definition changed"
	case !pressfeed.PinMatches(src.Pin, r.Strategy):
		return "the pin does not allow the strategy in use"
	case (pressfeed.StrategyKind(r.Strategy) == pressfeed.StrategySelectors || pressfeed.StrategyKind(r.Strategy) == pressfeed.StrategyTemplate) && wayOf(src, r).spec == nil:
		return "the selectors of the strategy in use are gone"
	case len(r.Attempts) > 1 && st.ConsecutiveFailures == 0 && now.Sub(r.At) >= p.opts.Reresolve:
		return "a better strategy may work again"
	}
	return ""
}

// wayOf rebuilds the way a resolution chose.
func wayOf(src pressfeed.Source, r pressfeed.Resolution) way {
	w := way{id: r.Strategy, url: r.URL}
	switch kind, name, _ := strings.Cut(r.Strategy, ":"); kind {
	case pressfeed.StrategySelectors:
		w.spec = src.HTML
	case pressfeed.StrategyTemplate:
		if t, ok := templateNamed(name); ok {
			spec := t.spec
			w.spec = &spec
		}
	}
	return w
}

// shouldWander reports whether the failure of the strategy in use calls for
// trying the others: a 404 or 410, a page or feed that no longer has items
// or is no longer a feed, or wanderAfter failures in a row. A refusal never
// does (another way in would be refused too), nor does our own store.
func shouldWander(st pressfeed.SourceState, res wayResult) bool {
	switch category(res.err) {
	case pressfeed.CatBlocked, pressfeed.CatStore:
		return false
	case pressfeed.CatNoItems, pressfeed.CatNeedsScript, pressfeed.CatNotAFeed, pressfeed.CatSettings:
		return true
	}
	if res.resp != nil && (res.resp.Status == http.StatusNotFound || res.resp.Status == http.StatusGone) {
		return true
	}
	return st.ConsecutiveFailures+1 >= wanderAfter
}
