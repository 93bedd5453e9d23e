package syndicate

import (
	"encoding/xml"
	"io"
	"time"
)

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"xml:lang,attr,omitempty"`
	ID       string      `xml:"id"`
	Title    atomText    `xml:"title"`
	Subtitle *atomText   `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Author   *atomPerson `xml:"author,omitempty"`
	Gen      atomGen     `xml:"generator"`
	Entries  []atomEntry `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Rel   string `xml:"rel,attr,omitempty"`
	Type  string `xml:"type,attr,omitempty"`
	Href  string `xml:"href,attr"`
	Title string `xml:"title,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomGen struct {
	URI     string `xml:"uri,attr,omitempty"`
	Version string `xml:"version,attr,omitempty"`
	Name    string `xml:",chardata"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

type atomSource struct {
	ID    string     `xml:"id"`
	Title atomText   `xml:"title"`
	Links []atomLink `xml:"link"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Links      []atomLink     `xml:"link"`
	Published  string         `xml:"published,omitempty"`
	Updated    string         `xml:"updated"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    *atomText      `xml:"content,omitempty"`
	Source     *atomSource    `xml:"source,omitempty"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// generatorURI names the software in Atom's generator element and RSS's
// generator text.
const generatorURI = "https://pressfeed.invalid/"

// WriteAtom writes f as an Atom 1.0 document (RFC 4287) with RFC 5005 paging
// links and WebSub hub links.
func WriteAtom(w io.Writer, f Feed) error {
	doc := atomFeed{
		Lang:    f.Language,
		ID:      f.ID,
		Title:   atomText{Type: "text", Body: f.Title},
		Updated: rfc3339(f.Updated),
		// Every entry names its publishers; the feed-level author covers
		// the rule that an entry without one inherits the feed's.
		Author: &atomPerson{Name: "pressfeed"},
		Gen:    atomGen{URI: generatorURI, Version: f.Version, Name: "pressfeed"},
	}
	if f.Subtitle != "" {
		doc.Subtitle = &atomText{Type: "text", Body: f.Subtitle}
	}
	// rel="alternate" first: some readers (@extractus/feed-extractor) take
	// the first link as the site.
	if f.HomeURL != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "alternate", Type: "text/html", Href: f.HomeURL})
	}
	doc.Links = append(doc.Links, feedLinks(f, "application/atom+xml")...)
	for _, e := range f.Entries {
		doc.Entries = append(doc.Entries, atomEntryOf(e))
	}
	return writeXML(w, doc)
}

// feedLinks returns f's self link, its RFC 5005 first and next links when
// it has them, all typed as mediaType, and a WebSub hub link for each hub.
func feedLinks(f Feed, mediaType string) []atomLink {
	links := []atomLink{{Rel: "self", Type: mediaType, Href: f.SelfURL}}
	if f.FirstURL != "" {
		links = append(links, atomLink{Rel: "first", Type: mediaType, Href: f.FirstURL})
	}
	if f.NextURL != "" {
		links = append(links, atomLink{Rel: "next", Type: mediaType, Href: f.NextURL})
	}
	for _, h := range f.Hubs {
		links = append(links, atomLink{Rel: "hub", Href: h})
	}
	return links
}

// writeXML writes the XML declaration and doc, indented one space, and a
// final newline.
func writeXML(w io.Writer, doc any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func atomEntryOf(e Entry) atomEntry {
	ae := atomEntry{
		ID:      e.ID,
		Title:   atomText{Type: "text", Body: e.Title},
		Updated: rfc3339(e.Updated),
	}
	if e.Link != "" {
		ae.Links = append(ae.Links, atomLink{Rel: "alternate", Type: "text/html", Href: e.Link})
	}
	for _, r := range e.Related {
		ae.Links = append(ae.Links, atomLink{Rel: "related", Type: "text/html", Href: r.Href, Title: r.Title})
	}
	if e.Image != "" {
		ae.Links = append(ae.Links, atomLink{Rel: "enclosure", Type: imageType(e.Image), Href: e.Image})
	}
	if !e.Published.IsZero() {
		ae.Published = rfc3339(e.Published)
	}
	for _, a := range e.Authors {
		ae.Authors = append(ae.Authors, atomPerson{Name: a})
	}
	for _, c := range e.Categories {
		ae.Categories = append(ae.Categories, atomCategory{Term: c.Term, Scheme: c.Scheme, Label: c.Label})
	}
	if e.Summary != "" {
		ae.Summary = &atomText{Type: "html", Body: e.Summary}
	}
	switch {
	case e.Content != "":
		ae.Content = &atomText{Type: "html", Body: e.Content}
	case e.Link == "":
		// RFC 4287 4.1.1: an entry with no alternate link must have content.
		ae.Content = &atomText{Type: "html", Body: e.Summary}
	}
	if e.Source != nil && e.Source.FeedURL != "" {
		ae.Source = &atomSource{
			ID:    e.Source.FeedURL,
			Title: atomText{Type: "text", Body: e.Source.Title},
			Links: []atomLink{{Rel: "self", Href: e.Source.FeedURL}},
		}
	}
	return ae
}
