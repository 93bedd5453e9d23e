package syndicate

import (
	"bytes"
	"encoding/xml"
	"io"
	"time"
)

type atomLink struct {
	Rel   string `xml:"rel,attr,omitempty"`
	Type  string `xml:"type,attr,omitempty"`
	Href  string `xml:"href,attr"`
	Title string `xml:"title,attr,omitempty"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// generatorURI names the software in Atom's generator element and RSS's
// generator text.
const generatorURI = "https://pressfeed.invalid/"

// WriteAtom writes f as an Atom 1.0 document (RFC 4287) with RFC 5005 paging
// links and WebSub hub links. It writes the document itself, not through
// encoding/xml's reflection, which cost most of a feed's render; the bytes
// are those encoding/xml wrote for the same document (the XML declaration,
// one space of indent a level, the same escapes: atom_internal_test.go
// holds the encoding/xml version and compares the two).
func WriteAtom(w io.Writer, f Feed) error {
	x := &xmlWriter{}
	// Into a bytes.Buffer (as the web server renders), the document is
	// built in the buffer's own space and not copied (AvailableBuffer).
	if buf, ok := w.(*bytes.Buffer); ok {
		buf.Grow(atomSize(f))
		x.b = buf.AvailableBuffer()
	} else {
		x.b = make([]byte, 0, atomSize(f))
	}
	x.raw(xml.Header)
	x.begin("feed")
	x.attr("xmlns", "http://www.w3.org/2005/Atom")
	x.attrs("xml:lang", f.Language)
	x.end()
	x.leaf("id", f.ID)
	x.leaf("title", f.Title, "type", "text")
	if f.Subtitle != "" {
		x.leaf("subtitle", f.Subtitle, "type", "text")
	}
	x.leaf("updated", rfc3339(f.Updated))
	// rel="alternate" first: some readers (@extractus/feed-extractor) take
	// the first link as the site.
	if f.HomeURL != "" {
		x.link(atomLink{Rel: "alternate", Type: "text/html", Href: f.HomeURL})
	}
	for _, l := range feedLinks(f, "application/atom+xml") {
		x.link(l)
	}
	// Every entry names its publishers; the feed-level author covers the
	// rule that an entry without one inherits the feed's.
	x.open("author")
	x.leaf("name", "pressfeed")
	x.close("author")
	x.leaf("generator", "pressfeed", "uri", generatorURI, "version", f.Version)
	for _, e := range f.Entries {
		writeAtomEntry(x, e)
	}
	x.close("feed")
	x.raw("\n")
	_, err := w.Write(x.b)
	return err
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

// atomSize guesses the size of f's Atom document, so that it is written
// into one buffer: the bulk is the entries' text, and their markup and
// links about a kilobyte each.
func atomSize(f Feed) int {
	n := 2 << 10
	for _, e := range f.Entries {
		n += len(e.Summary) + len(e.Content) + 1<<10 + 200*len(e.Related)
	}
	return n
}

func writeAtomEntry(x *xmlWriter, e Entry) {
	x.open("entry")
	x.leaf("id", e.ID)
	x.leaf("title", e.Title, "type", "text")
	if e.Link != "" {
		x.link(atomLink{Rel: "alternate", Type: "text/html", Href: e.Link})
	}
	for _, r := range e.Related {
		x.link(atomLink{Rel: "related", Type: "text/html", Href: r.Href, Title: r.Title})
	}
	if e.Image != "" {
		x.link(atomLink{Rel: "enclosure", Type: imageType(e.Image), Href: e.Image})
	}
	if !e.Published.IsZero() {
		x.leaf("published", rfc3339(e.Published))
	}
	x.leaf("updated", rfc3339(e.Updated))
	for _, a := range e.Authors {
		x.open("author")
		x.leaf("name", a)
		x.close("author")
	}
	for _, c := range e.Categories {
		x.begin("category")
		x.attr("term", c.Term)
		x.attrs("scheme", c.Scheme, "label", c.Label)
		x.end()
		x.close("category")
	}
	if e.Summary != "" {
		x.leaf("summary", e.Summary, "type", "html")
	}
	switch {
	case e.Content != "":
		x.leaf("content", e.Content, "type", "html")
	case e.Link == "":
		// RFC 4287 4.1.1: an entry with no alternate link must have content.
		x.leaf("content", e.Summary, "type", "html")
	}
	if e.Source != nil && e.Source.FeedURL != "" {
		x.open("source")
		x.leaf("id", e.Source.FeedURL)
		x.leaf("title", e.Source.Title, "type", "text")
		x.link(atomLink{Rel: "self", Href: e.Source.FeedURL})
		x.close("source")
	}
	x.close("entry")
}
