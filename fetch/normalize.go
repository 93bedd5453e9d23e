package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"pressfeed"
)

// normalizeFeed turns a parsed feed into items ready to store: identities,
// absolute links, plain-text titles, sanitized HTML, dates. base is the URL
// the feed was fetched from, after redirects. Unknown dates stay zero; the
// store replaces them with the first-seen time.
func (p *Poller) normalizeFeed(feed *gofeed.Feed, base *url.URL) []pressfeed.Item {
	items := make([]pressfeed.Item, 0, len(feed.Items))
	for _, fi := range feed.Items {
		if fi != nil {
			items = append(items, p.normalizeItem(fi, base))
		}
	}
	return items
}

// normalizeItem is one parsed item made ready to store (see normalizeFeed).
// What it makes of an item depends on nothing but the item and base: marks
// rely on it (marks.go; change markVersion when its output changes).
func (p *Poller) normalizeItem(fi *gofeed.Item, base *url.URL) pressfeed.Item {
	link := fi.Link
	if link == "" && len(fi.Links) > 0 {
		link = fi.Links[0]
	}
	it := pressfeed.Item{
		Title:      plainText(fi.Title),
		Link:       resolve(base, link),
		Summary:    p.sanitizeHTML(fi.Description, base),
		Content:    p.sanitizeHTML(fi.Content, base),
		Published:  firstTime(fi.PublishedParsed, fi.UpdatedParsed),
		Categories: cleanList(fi.Categories),
	}
	for _, a := range fi.Authors {
		if a == nil {
			continue
		}
		name := plainText(a.Name)
		if name == "" {
			name = plainText(a.Email)
		}
		if name != "" {
			it.Authors = append(it.Authors, name)
		}
	}
	it.Image = itemImage(fi, base)
	it.GUID = identity(strings.TrimSpace(fi.GUID), it.Link, it.Title, fi.Published+fi.Updated)
	if it.Title == "" {
		it.Title = untitled(it)
	}
	return it
}

// identity picks an item's identity within its source: the feed's guid, else
// its canonical link, else a hash of its title and date strings. The last
// resort means an item with neither guid nor link becomes a new item if its
// title is edited; nothing better is knowable.
func identity(guid, link, title, date string) string {
	switch {
	case guid != "":
		return guid
	case link != "":
		return pressfeed.CanonicalURL(link)
	}
	sum := sha256.Sum256([]byte(title + "\x00" + date))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (p *Poller) sanitizeHTML(fragment string, base *url.URL) string {
	fragment = strings.TrimSpace(fragment)
	if fragment == "" {
		return ""
	}
	return strings.TrimSpace(p.policy.Sanitize(absolutize(fragment, base)))
}

func firstTime(ts ...*time.Time) time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() {
			return t.UTC()
		}
	}
	return time.Time{}
}

func cleanList(in []string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, s := range in {
		s = plainText(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func itemImage(fi *gofeed.Item, base *url.URL) string {
	if fi.Image != nil && fi.Image.URL != "" {
		return resolve(base, fi.Image.URL)
	}
	for _, e := range fi.Enclosures {
		if e != nil && strings.HasPrefix(e.Type, "image/") && e.URL != "" {
			return resolve(base, e.URL)
		}
	}
	return ""
}

// untitled gives an item with no title a readable one from its summary.
func untitled(it pressfeed.Item) string {
	text := plainText(it.Summary)
	if text == "" {
		text = plainText(it.Content)
	}
	if text == "" {
		return "(untitled)"
	}
	if r := []rune(text); len(r) > 80 {
		return strings.TrimSpace(string(r[:80])) + "…"
	}
	return text
}
