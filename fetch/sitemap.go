package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"

	"pressfeed"
)

const (
	sitemapAccept   = "application/xml, text/xml;q=0.9, */*;q=0.1"
	sitemapChildren = 3  // child sitemaps of an index read per poll
	sitemapItemsMax = 30 // newest items kept from a sitemap
)

// sitemapDoc is a sitemap or a sitemap index (sitemaps.org), with Google
// News' extension.
type sitemapDoc struct {
	XMLName  xml.Name
	URLs     []sitemapURL `xml:"url"`
	Sitemaps []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"sitemap"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
	News    struct {
		Title     string `xml:"title"`
		Published string `xml:"publication_date"`
	} `xml:"news"`
}

// sitemapItems reads the sitemap at sitemapURL (following an index to a
// few of its sitemaps, news and post ones first) and returns the newest
// pages under scope's path as items: titled by Google News' title, else
// provisionally from the link's last segment (listed in slugTitled, for
// following to replace), dated by the publication date, else lastmod. It
// returns the first response, and an *Error of category pressfeed.CatNoItems when no
// page is under scope.
func (p *Poller) sitemapItems(ctx context.Context, sitemapURL string, scope *url.URL) (listing, *response, error) {
	doc, resp, err := p.readSitemap(ctx, sitemapURL)
	if err != nil {
		return listing{}, resp, err
	}
	urls := doc.URLs
	if len(doc.Sitemaps) > 0 {
		children := doc.Sitemaps
		sort.SliceStable(children, func(i, j int) bool {
			return sitemapRank(children[i].Loc, children[i].LastMod) > sitemapRank(children[j].Loc, children[j].LastMod)
		})
		for i, c := range children {
			if i == sitemapChildren || ctx.Err() != nil {
				break
			}
			if !sameSite(scope, c.Loc) {
				continue
			}
			child, _, err := p.readSitemap(ctx, c.Loc)
			if err != nil {
				p.logger.Debug("child sitemap unreadable", "url", c.Loc, "error", err)
				continue
			}
			urls = append(urls, child.URLs...)
		}
	}
	out := p.sitemapListing(urls, scope)
	if len(out.items) == 0 {
		return out, resp, failure(pressfeed.CatNoItems, nil, "the sitemap %s lists no page under %s", sitemapURL, scopePrefix(scope))
	}
	return out, resp, nil
}

// sitemapRank orders an index's sitemaps: news sitemaps, then posts, then
// the most recently changed.
func sitemapRank(loc, lastmod string) string {
	l := strings.ToLower(loc)
	rank := "0"
	switch {
	case strings.Contains(l, "news"):
		rank = "3"
	case strings.Contains(l, "post"):
		rank = "2"
	case strings.Contains(l, "page"), strings.Contains(l, "tag"), strings.Contains(l, "categor"), strings.Contains(l, "author"):
		rank = "0"
	default:
		rank = "1"
	}
	return rank + lastmod
}

// readSitemap fetches and parses one sitemap, gzip'd or not.
func (p *Poller) readSitemap(ctx context.Context, rawURL string) (*sitemapDoc, *response, error) {
	resp, err := p.get(ctx, rawURL, sitemapAccept, pressfeed.SourceState{})
	if err != nil {
		return nil, resp, err
	}
	body := resp.Body
	if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, resp, failure(pressfeed.CatParse, err, "the sitemap %s is not valid gzip: %v", rawURL, err)
		}
		body, err = io.ReadAll(io.LimitReader(zr, p.opts.MaxBodyBytes+1))
		if err != nil || int64(len(body)) > p.opts.MaxBodyBytes {
			return nil, resp, failure(pressfeed.CatTooLarge, err, "the sitemap %s inflates past the %s limit", rawURL, byteSize(p.opts.MaxBodyBytes))
		}
	}
	var doc sitemapDoc
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	dec.Entity = map[string]string{} // no entity from a DOCTYPE is expanded
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, resp, failure(pressfeed.CatParse, err, "the sitemap %s is not a sitemap: %v", rawURL, err)
	}
	if name := doc.XMLName.Local; name != "urlset" && name != "sitemapindex" {
		return nil, resp, failure(pressfeed.CatNotAFeed, nil, "%s is not a sitemap (its root is <%s>)", rawURL, name)
	}
	return &doc, resp, nil
}

// sitemapListing keeps the pages under scope, newest first.
func (p *Poller) sitemapListing(urls []sitemapURL, scope *url.URL) listing {
	prefix := scopePrefix(scope)
	self := pressfeed.CanonicalURL(scope.String())
	out := listing{slugTitled: map[string]bool{}}
	type dated struct {
		it pressfeed.Item
		at time.Time
	}
	var list []dated
	seen := map[string]bool{}
	for _, u := range urls {
		link := webLink(scope, u.Loc)
		pu, err := url.Parse(link)
		if link == "" || err != nil || !sameSite(scope, link) || !strings.HasPrefix(pu.Path, prefix) ||
			pressfeed.CanonicalURL(link) == self || !looksLikeArticle(link, scope) {
			continue
		}
		it := pressfeed.Item{Title: plainText(u.News.Title), Link: link}
		for _, raw := range []string{u.News.Published, u.LastMod} {
			if t, err := parseDate(raw, "", p.html.london); raw != "" && err == nil {
				it.Published = t
				break
			}
		}
		it.GUID = identity("", link, "", "")
		if seen[it.GUID] {
			continue
		}
		seen[it.GUID] = true
		if it.Title == "" {
			it.Title = slugTitle(link)
			out.slugTitled[it.GUID] = true
		}
		list = append(list, dated{it, it.Published})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].at.After(list[j].at) })
	for i, d := range list {
		if i == sitemapItemsMax {
			break
		}
		if d.it.Published.IsZero() {
			out.undated++
		}
		out.items = append(out.items, d.it)
	}
	out.matched = len(out.items)
	if n := len(out.slugTitled); n > 0 {
		out.block = fmt.Sprintf("%d pages under %s, %d titled from their links until followed", len(out.items), prefix, n)
	}
	return out
}

// scopePrefix is the path a source's news lives under: its URL's path as a
// directory ("/news/" for "/news/?page=1", "/en/news/" for "/en/news",
// "/news/" for "/news/index.php").
func scopePrefix(scope *url.URL) string {
	p := scope.Path
	if p == "" {
		return "/"
	}
	if strings.HasSuffix(p, "/") {
		return p
	}
	if i := strings.LastIndexByte(p, '/'); strings.Contains(p[i:], ".") {
		return p[:i+1] // a page such as /news/index.php
	}
	return p + "/"
}
