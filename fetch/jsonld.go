package fetch

import (
	"encoding/json"
	"html"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"pressfeed"
)

var jsonLDSel = cascadia.MustCompile(`script[type="application/ld+json" i]`)

// articleTypes are the schema.org types a news item is published as.
var articleTypes = map[string]bool{"NewsArticle": true, "Article": true, "BlogPosting": true, "Report": true,
	"PressRelease": true, "AnalysisNewsArticle": true, "ReportageNewsArticle": true}

// extractJSONLD reads the items a listing page describes in JSON-LD: an
// ItemList's elements, or articles (NewsArticle, Article, BlogPosting),
// also inside @graph arrays. Broken JSON-LD blocks are skipped. It returns
// an *Error of category pressfeed.CatNoItems when the page describes none.
func (p *Poller) extractJSONLD(doc *goquery.Document, pageURL *url.URL) (listing, error) {
	base := baseURL(doc, pageURL)
	self := pressfeed.CanonicalURL(pageURL.String())
	var out listing
	seen := map[string]bool{}
	add := func(obj map[string]any) {
		link := webLink(base, firstString(obj["url"], obj["mainEntityOfPage"], obj["@id"]))
		if link == "" || !sameSite(pageURL, link) || pressfeed.CanonicalURL(link) == self {
			return
		}
		it := pressfeed.Item{Title: plainText(html.UnescapeString(firstString(obj["headline"], obj["name"]))), Link: link}
		if raw := firstString(obj["datePublished"], obj["dateCreated"]); raw != "" {
			if t, err := parseDate(raw, "", p.html.london); err == nil {
				it.Published = t
			}
		}
		if d := strings.TrimSpace(firstString(obj["description"])); d != "" {
			it.Summary = p.sanitizeHTML(html.EscapeString(plainText(d)), base)
		}
		if img := firstString(obj["image"]); img != "" {
			it.Image = webLink(base, img)
		}
		it.GUID = identity("", it.Link, it.Title, "")
		if seen[it.GUID] {
			return
		}
		seen[it.GUID] = true
		if it.Title == "" {
			it.Title = slugTitle(it.Link)
		}
		if it.Published.IsZero() {
			out.undated++
		}
		out.items = append(out.items, it)
	}
	eachJSONLD(doc, func(v map[string]any) []any {
		types := typeNames(v["@type"])
		switch {
		case types["ItemList"] || types["CollectionPage"] && v["mainEntity"] != nil:
			return []any{v["itemListElement"], v["mainEntity"]}
		case types["ListItem"]:
			if item, ok := v["item"].(map[string]any); ok {
				return []any{item}
			}
			add(v)
		case anyArticle(types):
			add(v)
		default:
			return []any{v["@graph"], v["mainEntity"]}
		}
		return nil
	})
	out.matched = len(out.items)
	if len(out.items) == 0 {
		return out, failure(pressfeed.CatNoItems, nil, "no JSON-LD list or articles on %s", pageURL)
	}
	return out, nil
}

func anyArticle(types map[string]bool) bool {
	for t := range types {
		if articleTypes[t] {
			return true
		}
	}
	return false
}

// typeNames reads @type, a string or a list of strings.
func typeNames(v any) map[string]bool {
	out := map[string]bool{}
	switch v := v.(type) {
	case string:
		out[v] = true
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				out[s] = true
			}
		}
	}
	return out
}

// firstString returns the first of vals that is (or holds, as an object's
// @id or url, or a list's first element) a non-empty string.
func firstString(vals ...any) string {
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			if v != "" {
				return v
			}
		case map[string]any:
			if s := firstString(v["url"], v["@id"]); s != "" {
				return s
			}
		case []any:
			if len(v) > 0 {
				if s := firstString(v[0]); s != "" {
					return s
				}
			}
		}
	}
	return ""
}

// jsonLDPublished is the datePublished of the first article an article
// page's JSON-LD describes, or "".
func jsonLDPublished(doc *goquery.Document) string {
	found := ""
	eachJSONLD(doc, func(v map[string]any) []any {
		if found != "" {
			return nil
		}
		if anyArticle(typeNames(v["@type"])) {
			found = firstString(v["datePublished"], v["dateCreated"])
			return nil
		}
		return []any{v["@graph"], v["mainEntity"]}
	})
	return found
}

// eachJSONLD calls visit on every object of the page's JSON-LD blocks, to
// a depth of 6, descending into the values visit returns. Broken blocks are
// skipped.
func eachJSONLD(doc *goquery.Document, visit func(obj map[string]any) []any) {
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 6 {
			return
		}
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e, depth+1)
			}
		case map[string]any:
			for _, next := range visit(v) {
				walk(next, depth+1)
			}
		}
	}
	doc.FindMatcher(jsonLDSel).Each(func(_ int, s *goquery.Selection) {
		var v any
		if json.Unmarshal([]byte(s.Text()), &v) == nil {
			walk(v, 0)
		}
	})
}
