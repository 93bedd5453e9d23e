package fetch

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"pressfeed"
)

// autoFollow is how many new items' own pages a page strategy of an auto
// source follows per poll, when the listing lacks their dates or teasers
// and the source sets no html.follow of its own.
const autoFollow = 5

// way is one strategy to read: its id and what it reads.
type way struct {
	id   string
	url  string
	spec *pressfeed.HTMLSpec // the selectors of a selectors or template strategy
}

// isPageWay reports whether a strategy reads an HTML page (and may follow
// its items), rather than a feed.
func isPageWay(id string) bool {
	switch pressfeed.StrategyKind(id) {
	case pressfeed.StrategySelectors, pressfeed.StrategyTemplate, pressfeed.StrategyAuto,
		pressfeed.StrategyJSONLD, pressfeed.StrategySitemap:
		return true
	}
	return false
}

// pageDoc is a fetched and parsed HTML page. One resolution fetches the
// listing once and every page strategy reads the same document.
type pageDoc struct {
	resp *response
	doc  *goquery.Document
	err  error
}

// wayResult is what reading one way found.
type wayResult struct {
	way   way
	items []pressfeed.Item
	resp  *response
	err   error
	notes []string // for a person checking the source
	desc  string   // where the items were found, for the attempt's note ("div.news > article (12 cards)")
	// slugTitled holds the guids of items titled from their links, whose
	// own pages give the real title when followed.
	slugTitled map[string]bool
}

// loadPage fetches and parses an HTML page, asking robots.txt first unless
// the source ignores it. A page identical to the last success's (st's body
// hash) comes back NotModified, unparsed.
func (p *Poller) loadPage(ctx context.Context, src pressfeed.Source, rawURL string, st pressfeed.SourceState) *pageDoc {
	if !src.IgnoreRobots {
		if err := p.checkRobots(ctx, rawURL); err != nil {
			return &pageDoc{err: err}
		}
	}
	resp, err := p.get(ctx, rawURL, htmlAccept, st)
	if err != nil || resp.NotModified {
		return &pageDoc{resp: resp, err: err}
	}
	resp.BodyHash = bodyHash(resp.Body)
	if resp.BodyHash == st.BodyHash && !st.LastSuccess.IsZero() {
		resp.NotModified = true
		return &pageDoc{resp: resp}
	}
	doc, err := parseHTML(resp.Body, resp.ContentType, resp.URL)
	return &pageDoc{resp: resp, doc: doc, err: err}
}

// isFeed reports whether the page turned out to be a feed.
func (pg *pageDoc) isFeed() bool {
	if pg.err != nil || pg.resp == nil || pg.resp.NotModified {
		return false
	}
	_, err := decodeFeed(pg.resp.Body, pg.resp.ContentType)
	return err == nil
}

// readWay reads one strategy of src, sending the validators in st. pg, when
// not nil, is the page the way reads, already fetched (a resolution's
// listing); otherwise the way fetches its own URL. It never follows items:
// the caller follows the way it settles on.
func (p *Poller) readWay(ctx context.Context, src pressfeed.Source, w way, st pressfeed.SourceState, pg *pageDoc) wayResult {
	res := wayResult{way: w}
	kind := pressfeed.StrategyKind(w.id)
	switch {
	case w.id == pressfeed.StrategyPlatform+":"+PlatformWPJSON:
		res.resp, res.err = p.get(ctx, w.url, "application/json", st)
		if res.err == nil && !res.resp.NotModified && !p.unchanged(res.resp, st) {
			res.items, res.err = p.readWPPosts(res.resp.Body, res.resp.URL)
		}
	case kind == pressfeed.StrategyFeed || kind == pressfeed.StrategyDiscover || kind == pressfeed.StrategyPlatform:
		if pg != nil && pg.resp != nil && pg.err == nil {
			res.resp = pg.resp // the listing URL is itself the feed
			res.items, res.err = p.feedItems(src, res.resp, st)
			break
		}
		res.items, res.resp, res.err = p.fetchFeedURL(ctx, src, w.url, st)
	case kind == pressfeed.StrategySitemap:
		res.err = p.readSitemapWay(ctx, src, w, &res)
	default:
		if pg == nil {
			pg = p.loadPage(ctx, src, w.url, st)
		}
		res.resp, res.err = pg.resp, pg.err
		if res.err == nil && !res.resp.NotModified {
			p.readPage(w, pg, &res)
		}
	}
	if res.err == nil && res.resp != nil && !res.resp.NotModified && len(res.items) == 0 && isPageWay(w.id) {
		res.err = failure(pressfeed.CatNoItems, nil, "%s found no items on %s", pressfeed.StrategyLabel(w.id), w.url)
	}
	return res
}

// unchanged marks resp NotModified when its body is the last success's.
func (p *Poller) unchanged(resp *response, st pressfeed.SourceState) bool {
	resp.BodyHash = bodyHash(resp.Body)
	if resp.BodyHash == st.BodyHash && !st.LastSuccess.IsZero() {
		resp.NotModified = true
	}
	return resp.NotModified
}

// readPage extracts the items of a parsed page with the way's extractor.
func (p *Poller) readPage(w way, pg *pageDoc, res *wayResult) {
	var (
		page listing
		err  error
	)
	switch pressfeed.StrategyKind(w.id) {
	case pressfeed.StrategyAuto:
		page, err = p.extractAuto(pg.doc, pg.resp.URL)
	case pressfeed.StrategyJSONLD:
		page, err = p.extractJSONLD(pg.doc, pg.resp.URL)
	default: // selectors, template
		var cs *spec
		if cs, err = compileSpec(w.spec); err != nil {
			err = &Error{Category: pressfeed.CatSettings, Err: fmt.Errorf("%s: %w", pressfeed.StrategyLabel(w.id), err)}
			break
		}
		page, err = p.extractSpec(pg.doc, pg.resp.Body, pg.resp.URL, cs)
	}
	res.err = err
	if err != nil {
		return
	}
	addNotes(&res.notes, page)
	res.items, res.desc = page.items, page.block
}

// readSitemapWay reads the sitemap strategy: the sitemap at the way's URL,
// scoped to the source's news path.
func (p *Poller) readSitemapWay(ctx context.Context, src pressfeed.Source, w way, res *wayResult) error {
	if !src.IgnoreRobots {
		if err := p.checkRobots(ctx, w.url); err != nil {
			return err
		}
	}
	scope, err := url.Parse(src.URL)
	if err != nil {
		return failure(pressfeed.CatSettings, err, "%q is not a URL", src.URL)
	}
	page, resp, err := p.sitemapItems(ctx, w.url, scope)
	res.resp = resp
	if err != nil {
		return err
	}
	addNotes(&res.notes, page)
	res.items, res.slugTitled = page.items, page.slugTitled
	return nil
}

// fetchFeedURL fetches, decodes, parses, caps and normalizes src's feed at
// rawURL. A 304, or a body identical to the last successful one (servers
// that ignore validators), returns a response marked NotModified and costs
// no parse.
func (p *Poller) fetchFeedURL(ctx context.Context, src pressfeed.Source, rawURL string, st pressfeed.SourceState) ([]pressfeed.Item, *response, error) {
	resp, err := p.get(ctx, rawURL, feedAccept, st)
	if err != nil || resp.NotModified {
		return nil, resp, err
	}
	items, err := p.feedItems(src, resp, st)
	return items, resp, err
}

// feedItems parses, caps and normalizes a fetched feed of src, unless its
// body is the last success's. It leaves out the items st's marks say the
// store holds as they are; resp says which, and what to mark (marks.go).
func (p *Poller) feedItems(src pressfeed.Source, resp *response, st pressfeed.SourceState) ([]pressfeed.Item, error) {
	if p.unchanged(resp, st) {
		return nil, nil
	}
	feed, warnings, err := readFeed(resp.Body, resp.ContentType, p.opts.Limits)
	if err != nil {
		return nil, err
	}
	resp.Warnings = append(warnings, capFeed(feed, p.opts.Limits)...)
	var items []pressfeed.Item
	items, resp.marks = p.normalizeMarked(feed, resp.URL, newMarker(src, resp.URL), readMarks(st.Marks))
	return items, nil
}

// followWay follows the new items of a page strategy's result to their own
// pages, up to the source's html.follow or autoFollow.
func (p *Poller) followWay(ctx context.Context, src pressfeed.Source, res *wayResult) {
	if !isPageWay(res.way.id) || len(res.items) == 0 {
		return
	}
	n := autoFollow
	if src.HTML != nil && (src.HTML.Follow > 0 || res.way.id == pressfeed.StrategySelectors) {
		n = src.HTML.Follow
	}
	if src.Type == pressfeed.TypeHTML {
		n = src.HTML.Follow
	}
	if n > 0 {
		res.items = p.follow(ctx, src, n, res.items, res.slugTitled, &res.notes)
	}
}

// matchesAny reports whether the page has an element the selector matches;
// an invalid selector matches nothing.
func matchesAny(doc *goquery.Document, selector string) bool {
	sel, err := cascadia.Compile(strings.TrimSpace(selector))
	return err == nil && doc.FindMatcher(sel).Length() > 0
}
