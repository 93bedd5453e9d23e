package fetch

import (
	"net/http"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
)

// Feed autodiscovery: the feeds a page names in its head, as readers find
// them (RSS Board's autodiscovery, the Atom and JSON Feed equivalents), then
// links in the body whose text or address says RSS.
var (
	alternateLinks = cascadia.MustCompile(`link[rel~="alternate" i][href]`)
	anchorFeeds    = cascadia.MustCompile(`a[href]`)
	feedHrefRE     = regexp.MustCompile(`(?i)(/feed/?$|/rss/?$|\.rss$|/rss\.xml$|/atom\.xml$|/feed\.(xml|json|atom|rss)$|getnewsrss|[?&]feed=rss)`)
)

// feedTypes are the media types autodiscovery accepts.
var feedTypes = map[string]bool{
	"application/rss+xml": true, "application/atom+xml": true, "application/feed+json": true,
	"application/json": true, "application/rdf+xml": true, "text/xml": true, "application/xml": true,
}

// discoverFeeds returns the feeds doc links, absolute, in the order a
// reader would prefer them: <link rel="alternate"> in the page's order,
// then body links that look like feeds. Comment feeds (WordPress names one
// per page) are left out: they carry no news.
func discoverFeeds(doc *goquery.Document, base *url.URL) []string {
	var out []string
	seen := map[string]bool{}
	add := func(raw, title string) {
		if strings.Contains(strings.ToLower(title), "comment") || strings.Contains(strings.ToLower(raw), "comments/feed") {
			return
		}
		u := webLink(base, raw)
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	doc.FindMatcher(alternateLinks).Each(func(_ int, s *goquery.Selection) {
		typ, _ := s.Attr("type")
		typ = strings.ToLower(strings.TrimSpace(typ))
		if i := strings.IndexByte(typ, ';'); i >= 0 {
			typ = strings.TrimSpace(typ[:i])
		}
		if !feedTypes[typ] {
			return
		}
		href, _ := s.Attr("href")
		title, _ := s.Attr("title")
		add(href, title)
	})
	doc.FindMatcher(anchorFeeds).Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Attr("href")
		label := strings.ToLower(text(s))
		if feedHrefRE.MatchString(strings.TrimSpace(href)) || label == "rss" || strings.HasPrefix(label, "rss feed") {
			if sameSite(base, webLink(base, href)) {
				add(href, label)
			}
		}
	})
	return out
}

// sameSite reports whether raw is on base's host, "www." aside.
func sameSite(base *url.URL, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	trim := func(h string) string { return strings.TrimPrefix(strings.ToLower(h), "www.") }
	return trim(u.Hostname()) == trim(base.Hostname())
}

// Platforms pressfeed recognises, by the names strategy ids use
// ("platform:wordpress", "template:single-online-home").
const (
	PlatformWordPress = "wordpress"
	PlatformWPJSON    = "wordpress-json" // WordPress's REST API, read as a feed
	PlatformDrupal    = "drupal"
	PlatformJadu      = "jadu"
	PlatformSOH       = "single-online-home" // the Single Online Home police platform
	PlatformUmbraco   = "umbraco"
	PlatformGovUK     = "govuk" // GOV.UK Frontend markup
)

// Platforms lists every platform name a pin may use after "platform:".
var Platforms = []string{PlatformWordPress, PlatformWPJSON, PlatformDrupal, PlatformJadu, PlatformSOH}

// platformMarks are the signs of each platform in a page's markup, lower
// case; any one is enough.
var platformMarks = []struct {
	name  string
	marks []string
}{
	{PlatformSOH, []string{"c-news-panel", "/getnewsrss", "sohl-", "single online home"}},
	{PlatformWordPress, []string{`content="wordpress`, "/wp-content/", "/wp-includes/", "https://api.w.org/", "/wp-json/"}},
	{PlatformDrupal, []string{`content="drupal`, "drupal-settings-json", "data-drupal-", "/sites/default/files/", "drupal.settings"}},
	{PlatformJadu, []string{`content="jadu`, "jadu.net", "/site/scripts/", "jadu-", "powered by jadu"}},
	{PlatformUmbraco, []string{"/umbraco/", "umbraco", "/media/"}},
	{PlatformGovUK, []string{"govuk-template", "govuk-frontend", "govuk-header", "gem-c-"}},
}

// detectPlatforms names the platforms a page shows signs of, most specific
// first. header is the page's response header (Drupal says itself in
// X-Generator). Umbraco's "/media/" alone is too common to count.
func detectPlatforms(body []byte, header http.Header) []string {
	lower := strings.ToLower(string(body))
	gen := strings.ToLower(header.Get("X-Generator") + " " + header.Get("X-Powered-By"))
	var out []string
	for _, p := range platformMarks {
		hit := strings.Contains(gen, p.name)
		for _, m := range p.marks {
			if p.name == PlatformUmbraco && m == "/media/" {
				continue
			}
			hit = hit || strings.Contains(lower, m)
		}
		if hit {
			out = append(out, p.name)
		}
	}
	return out
}

// sohAreaRE finds the area segment of Single Online Home news paths:
// /news/merseyside/news/….
var (
	sohAreaRE = regexp.MustCompile(`/news/([a-z0-9-]+)/news/`)
	sohNewsRE = regexp.MustCompile(`^/news/([a-z0-9-]+)/?$`)
)

// platformFeeds returns the feed URLs a platform serves for the listing at
// page, best first, as strategy ids and URLs. doc is the listing, for the
// platforms whose feed path depends on what it links to.
func platformFeeds(platform string, page *url.URL, doc *goquery.Document) []string {
	origin := page.Scheme + "://" + page.Host
	dir := strings.TrimSuffix(page.Path, "/")
	var out []string
	switch platform {
	case PlatformWordPress:
		if dir != "" {
			out = append(out, origin+dir+"/feed/") // a category, tag or posts page's own feed
		}
		out = append(out, origin+"/feed/", origin+"/?feed=rss2")
	case PlatformWPJSON:
		out = append(out, origin+"/wp-json/wp/v2/posts?per_page=20")
	case PlatformDrupal:
		if dir != "" {
			out = append(out, origin+dir+"/feed", origin+dir+"/rss.xml")
		}
		out = append(out, origin+"/rss.xml")
	case PlatformJadu:
		out = append(out, origin+"/rss/news")
	case PlatformSOH:
		if area := sohArea(page, doc); area != "" {
			out = append(out, origin+"/news/"+area+"/news/GetNewsRss/")
		}
	}
	return out
}

// sohArea is the force's area segment in Single Online Home paths: from the
// page's own path, else the one its news links use most.
func sohArea(page *url.URL, doc *goquery.Document) string {
	if m := sohAreaRE.FindStringSubmatch(page.Path + "/"); m != nil {
		return m[1]
	}
	if m := sohNewsRE.FindStringSubmatch(page.Path); m != nil && m[1] != "news-search" {
		return m[1]
	}
	if doc == nil {
		return ""
	}
	counts := map[string]int{}
	doc.FindMatcher(anchorFeeds).Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Attr("href")
		if u, err := page.Parse(href); err == nil && sameSite(page, u.String()) {
			if m := sohAreaRE.FindStringSubmatch(path.Clean(u.Path) + "/"); m != nil {
				counts[m[1]]++
			}
		}
	})
	areas := make([]string, 0, len(counts))
	for a := range counts {
		areas = append(areas, a)
	}
	sort.Slice(areas, func(i, j int) bool {
		if counts[areas[i]] != counts[areas[j]] {
			return counts[areas[i]] > counts[areas[j]]
		}
		return areas[i] < areas[j]
	})
	if len(areas) == 0 {
		return ""
	}
	return areas[0]
}
