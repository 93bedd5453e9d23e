package fetch

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html/charset"

	"pressfeed"
)

// htmlAccept asks for a page, as a browser would.
const htmlAccept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"

// htmlState is what a Poller keeps for html sources across polls.
type htmlState struct {
	robots robotsCache
	london *time.Location
}

func newHTMLState() *htmlState {
	return &htmlState{robots: robotsCache{entries: map[string]robotsEntry{}}, london: pressfeed.London()}
}

// spec is a compiled pressfeed.HTMLSpec. A nil selector means "not given".
type spec struct {
	pressfeed.HTMLSpec
	item, title, link, date, summary, image cascadia.Selector
}

// compileSpec compiles every selector of s and checks its layout and
// attributes. It returns a pressfeed.ValidationError whose fields name the
// keys ("html.item", "html.date_layout", …), or nil.
func compileSpec(s *pressfeed.HTMLSpec) (*spec, error) {
	var errs pressfeed.ValidationError
	add := func(field, format string, args ...any) {
		errs = append(errs, pressfeed.FieldError{Field: "html." + field, Reason: fmt.Sprintf(format, args...)})
	}
	cs := &spec{HTMLSpec: *s}
	sel := func(field, value string, required bool) cascadia.Selector {
		value = strings.TrimSpace(value)
		if value == "" {
			if required {
				add(field, "is required: a CSS selector matching one element per news item")
			}
			return nil
		}
		c, err := cascadia.Compile(value)
		if err != nil {
			add(field, "%q is not a valid CSS selector: %v", value, err)
			return nil
		}
		return c
	}
	cs.item = sel("item", s.Item, true)
	cs.title = sel("title", s.Title, false)
	cs.link = sel("link", s.Link, false)
	cs.date = sel("date", s.Date, false)
	cs.summary = sel("summary", s.Summary, false)
	cs.image = sel("image", s.Image, false)
	for _, a := range []struct{ field, value string }{{"link_attr", s.LinkAttr}, {"date_attr", s.DateAttr}, {"image_attr", s.ImageAttr}} {
		if a.value != "" && strings.ContainsAny(a.value, " \t\n\"'<>=/") {
			add(a.field, "%q is not an attribute name", a.value)
		}
	}
	if s.DateAttr != "" && s.Date == "" {
		add("date_attr", "needs html.date, the element to read it from")
	}
	if s.ImageAttr != "" && s.Image == "" {
		add("image_attr", "needs html.image, the element to read it from")
	}
	if s.DateLayout != "" {
		if err := checkLayout(s.DateLayout); err != nil {
			add("date_layout", "%v", err)
		}
	}
	if s.Follow < 0 || s.Follow > pressfeed.MaxFollow {
		add("follow", "%d is not between 0 and %d", s.Follow, pressfeed.MaxFollow)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if cs.LinkAttr == "" {
		cs.LinkAttr = "href"
	}
	if cs.ImageAttr == "" {
		cs.ImageAttr = "src"
	}
	return cs, nil
}

// anyLink and anyTime are the defaults when a source names no link or date
// element.
var (
	anyLink = cascadia.MustCompile("a[href]")
	anyTime = cascadia.MustCompile("time[datetime]")
	baseTag = cascadia.MustCompile("base[href]")
)

// listing is what one listing page gave.
type listing struct {
	matched  int // elements the item selector matched
	items    []pressfeed.Item
	undated  int      // items whose date could not be read
	dateErrs []string // the first few reasons, for check
	skipped  int      // matched elements with neither title nor link
	block    string   // automatic extraction: where the items were found, for the report
	// slugTitled holds the guids of items whose title was made from their
	// link (a sitemap's), which following replaces with the page's own.
	slugTitled map[string]bool
}

// scrapeSource fetches an html source's listing (after asking its
// robots.txt), extracts its items and, when the source says so, follows new
// items' own pages. Warnings for a person (check) go to notes when it is not
// nil. A listing the item selector finds nothing on is an *Error of category
// pressfeed.CatNoItems, never zero items.
func (p *Poller) scrapeSource(ctx context.Context, src pressfeed.Source, st pressfeed.SourceState, notes *[]string) ([]pressfeed.Item, *response, error) {
	if src.HTML == nil {
		return nil, nil, &Error{Category: pressfeed.CatSettings, Err: fmt.Errorf("source %s has type html but no html selectors", src.ID)}
	}
	if _, err := compileSpec(src.HTML); err != nil {
		return nil, nil, &Error{Category: pressfeed.CatSettings, Err: fmt.Errorf("source %s: %w", src.ID, err)}
	}
	res := p.readWay(ctx, src, way{id: pressfeed.StrategySelectors, url: src.URL, spec: src.HTML}, st, nil)
	if res.err == nil && !res.resp.NotModified {
		p.followWay(ctx, src, &res)
	}
	if notes != nil {
		*notes = append(*notes, res.notes...)
	}
	return res.items, res.resp, res.err
}

func addNotes(notes *[]string, page listing) {
	if notes == nil {
		return
	}
	if page.skipped > 0 {
		*notes = append(*notes, fmt.Sprintf("%d of %d matched elements had neither a title nor a link and were skipped", page.skipped, page.matched))
	}
	switch {
	case page.undated == 0:
	case page.undated == len(page.items):
		*notes = append(*notes, "no dates found: every item will be dated when it is first seen (set html.date, and html.date_layout if the form is unusual)")
	default:
		*notes = append(*notes, fmt.Sprintf("%d of %d items have no readable date and will be dated when first seen", page.undated, len(page.items)))
	}
	for _, e := range page.dateErrs {
		*notes = append(*notes, e)
	}
}

// extract reads the items of a listing page fetched from pageURL.
func (p *Poller) extract(body []byte, contentType string, pageURL *url.URL, cs *spec) (listing, error) {
	doc, err := parseHTML(body, contentType, pageURL)
	if err != nil {
		return listing{}, err
	}
	return p.extractSpec(doc, body, pageURL, cs)
}

// extractSpec reads the items of a parsed listing page with selectors;
// body is the page's bytes, for the hint when it is a feed.
func (p *Poller) extractSpec(doc *goquery.Document, body []byte, pageURL *url.URL, cs *spec) (listing, error) {
	base := baseURL(doc, pageURL)
	var out listing
	elems := doc.FindMatcher(cs.item)
	out.matched = elems.Length()
	if out.matched == 0 {
		hint := "the page may have changed, or be a bot challenge; run pressfeed check"
		if _, err := decodeFeed(body, ""); err == nil {
			hint = "the URL serves a feed: use type = \"feed\""
		}
		return out, &Error{Category: pressfeed.CatNoItems, Err: fmt.Errorf("item selector matched 0 elements: %q on %s (%s)", cs.Item, pageURL, hint)}
	}
	seen := make(map[string]bool, out.matched)
	elems.Each(func(_ int, el *goquery.Selection) {
		it, dateErr, ok := p.extractItem(el, cs, base)
		if !ok {
			out.skipped++
			return
		}
		if seen[it.GUID] {
			return // a story shown twice (a featured card and the list): the first copy, as the store keeps
		}
		seen[it.GUID] = true
		if it.Published.IsZero() {
			out.undated++
			if dateErr != "" && len(out.dateErrs) < 3 {
				out.dateErrs = append(out.dateErrs, fmt.Sprintf("%q: %s", it.Title, dateErr))
			}
		}
		out.items = append(out.items, it)
	})
	if len(out.items) == 0 {
		return out, &Error{Category: pressfeed.CatNoItems, Err: fmt.Errorf("item selector %q matched %d elements on %s but none had a title or a link", cs.Item, out.matched, pageURL)}
	}
	return out, nil
}

// baseURL is the URL a page's relative links resolve against: its <base
// href>, else the URL it was fetched from.
func baseURL(doc *goquery.Document, pageURL *url.URL) *url.URL {
	if href, ok := doc.FindMatcher(baseTag).First().Attr("href"); ok {
		if u, err := pageURL.Parse(strings.TrimSpace(href)); err == nil {
			return u
		}
	}
	return pageURL
}

// extractItem reads one item element. It reports false for an element with
// neither title nor link (a promotion box caught by a broad selector), and
// why the date could not be read, if it could not.
func (p *Poller) extractItem(el *goquery.Selection, cs *spec, base *url.URL) (pressfeed.Item, string, bool) {
	var linkEl *goquery.Selection
	switch {
	case cs.link != nil:
		linkEl = el.FindMatcher(cs.link).First()
	case goquery.NodeName(el) == "a":
		linkEl = el
	default:
		linkEl = el.FindMatcher(anyLink).First()
	}
	link := ""
	if raw, ok := linkEl.Attr(cs.LinkAttr); ok {
		link = webLink(base, raw)
	}
	title := ""
	if cs.title != nil {
		title = text(el.FindMatcher(cs.title).First())
	}
	if title == "" {
		title = text(linkEl)
	}
	it := pressfeed.Item{Title: title, Link: link}
	if cs.summary != nil {
		if h, err := el.FindMatcher(cs.summary).First().Html(); err == nil {
			it.Summary = p.sanitizeHTML(h, base)
		}
	}
	if cs.image != nil {
		img := el.FindMatcher(cs.image).First()
		raw, ok := img.Attr(cs.ImageAttr)
		if !ok && cs.ImageAttr == "src" {
			raw, ok = img.Attr("data-src") // lazy-loaded images
		}
		if ok {
			it.Image = webLink(base, raw)
		}
	}
	rawDate, dateErr := "", ""
	dateEl, attr := el.FindMatcher(anyTime).First(), "datetime"
	if cs.date != nil {
		dateEl, attr = el.FindMatcher(cs.date).First(), cs.DateAttr
	}
	switch {
	case dateEl.Length() == 0 && cs.date != nil:
		dateErr = fmt.Sprintf("no element matches html.date %q", cs.Date)
	case dateEl.Length() == 0:
	case attr != "":
		rawDate, _ = dateEl.Attr(attr)
	default:
		rawDate = text(dateEl)
	}
	if rawDate != "" {
		if t, err := parseDate(rawDate, cs.DateLayout, p.html.london); err == nil {
			it.Published = t
		} else {
			dateErr = err.Error()
		}
	} else if dateErr == "" && dateEl.Length() > 0 {
		dateErr = "the date element is empty"
	}
	if it.Title == "" && it.Link == "" {
		return it, "", false
	}
	it.GUID = identity("", it.Link, it.Title, rawDate)
	if it.Title == "" {
		it.Title = untitled(it)
	}
	return it, dateErr, true
}

// parseHTML parses a page, decoding it from the charset its Content-Type or
// its own <meta charset> names (UTF-8 when neither does).
func parseHTML(body []byte, contentType string, pageURL *url.URL) (*goquery.Document, error) {
	r, err := charset.NewReader(bytes.NewReader(body), contentType)
	if err != nil {
		r = bytes.NewReader(body) // an unknown charset label: read the bytes as they are
	}
	doc, err := goquery.NewDocumentFromReader(r)
	if err != nil {
		return nil, &Error{Category: pressfeed.CatParse, Err: fmt.Errorf("parse page %s: %w", pageURL, err)}
	}
	return doc, nil
}

// text is an element's text with runs of white space collapsed. goquery has
// decoded the entities once already; decoding again would turn a literal
// "&amp;" in a title into "&".
func text(s *goquery.Selection) string {
	if s == nil || s.Length() == 0 {
		return ""
	}
	return strings.Join(strings.Fields(s.Text()), " ")
}

// webLink resolves raw against base and keeps it only if it is an http or
// https URL: a "javascript:" or "mailto:" card link is no item link.
func webLink(base *url.URL, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.HasPrefix(raw, "#") {
		return ""
	}
	u, err := base.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.String()
}
