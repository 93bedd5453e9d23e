package syndicate

import (
	"encoding/xml"
	"io"
	"path"
	"strings"
	"time"
)

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	DCNS    string     `xml:"xmlns:dc,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string     `xml:"title"`
	Link        string     `xml:"link"`
	Description string     `xml:"description"`
	Language    string     `xml:"language,omitempty"`
	LastBuild   string     `xml:"lastBuildDate,omitempty"`
	Generator   string     `xml:"generator"`
	Docs        string     `xml:"docs"`
	AtomLinks   []atomLink `xml:"atom:link"`
	Items       []rssItem  `xml:"item"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Value  string `xml:",chardata"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Length string `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

type rssSource struct {
	URL   string `xml:"url,attr"`
	Value string `xml:",chardata"`
}

type rssItem struct {
	Title       string        `xml:"title"`
	Link        string        `xml:"link,omitempty"`
	Description string        `xml:"description,omitempty"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate,omitempty"`
	Creators    []string      `xml:"dc:creator"`
	Categories  []rssCategory `xml:"category"`
	Enclosure   *rssEnclosure `xml:"enclosure,omitempty"`
	Source      *rssSource    `xml:"source,omitempty"`
}

// rfc1123 formats t as RSS wants it: RFC 822 with a four-digit year and a
// numeric zone.
func rfc1123(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// WriteRSS writes f as an RSS 2.0 document, with atom:link self, first,
// next and hub links and dc:creator for each publisher (RSS's own author
// element must be an e-mail address). Entry ids are urns, not URLs, so guids
// carry isPermaLink="false".
func WriteRSS(w io.Writer, f Feed) error {
	ch := rssChannel{
		Title:       f.Title,
		Link:        f.HomeURL,
		Description: f.Subtitle,
		Language:    f.Language,
		LastBuild:   rfc1123(f.Updated),
		Generator:   "pressfeed " + f.Version + " (" + generatorURI + ")",
		Docs:        "https://www.rssboard.org/rss-specification",
		AtomLinks:   feedLinks(f, "application/rss+xml"),
	}
	if f.Version == "" {
		ch.Generator = "pressfeed (" + generatorURI + ")"
	}
	if ch.Description == "" {
		ch.Description = f.Title
	}
	if ch.Link == "" {
		ch.Link = f.SelfURL
	}
	for _, e := range f.Entries {
		ch.Items = append(ch.Items, rssItemOf(e))
	}
	return writeXML(w, rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", DCNS: "http://purl.org/dc/elements/1.1/", Channel: ch})
}

func rssItemOf(e Entry) rssItem {
	it := rssItem{
		Title:    e.Title,
		Link:     e.Link,
		GUID:     rssGUID{IsPermaLink: permaLink(e.ID), Value: e.ID},
		Creators: e.Authors,
	}
	it.Description = e.Content
	if it.Description == "" {
		it.Description = e.Summary
	}
	if !e.Published.IsZero() {
		it.PubDate = rfc1123(e.Published)
	}
	for _, c := range e.Categories {
		it.Categories = append(it.Categories, rssCategory{Domain: c.Scheme, Value: c.Term})
	}
	if e.Image != "" {
		it.Enclosure = &rssEnclosure{URL: e.Image, Length: "0", Type: imageType(e.Image)}
	}
	if e.Source != nil && e.Source.FeedURL != "" {
		it.Source = &rssSource{URL: e.Source.FeedURL, Value: e.Source.Title}
	}
	return it
}

// permaLink is the guid's isPermaLink attribute: "true" only when the id is
// itself a web address a reader may open. RSS readers that see "true" (the
// default when the attribute is absent) use the guid as the item's link.
func permaLink(id string) string {
	if strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://") {
		return "true"
	}
	return "false"
}

// imageType guesses an image's media type from its URL's extension.
func imageType(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	switch strings.ToLower(path.Ext(u)) {
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".svg":
		return "image/svg+xml"
	}
	return "image/jpeg"
}
