package syndicate

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"pressfeed"
)

// OPMLNamespace is the XML namespace of the attributes that carry a
// source's pressfeed-only fields (id, kind, area, sourceType, schedule,
// enabled) on its outline, so an OPML export can be read back without loss.
// OPML 2.0 allows attributes from other namespaces. No local name repeats an
// OPML attribute's ("type"), so a reader that ignores namespaces is not
// misled.
const OPMLNamespace = "urn:pressfeed:opml"

// OPMLTitle heads the OPML export of the source list, on the web and from
// the command line alike.
const OPMLTitle = "North West police news: sources"

type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	NS      string      `xml:"xmlns:pressfeed,attr"`
	Head    opmlHead    `xml:"head"`
	Body    []opmlEntry `xml:"body>outline"`
}

type opmlHead struct {
	Title string `xml:"title"`
	Docs  string `xml:"docs"`
}

type opmlEntry struct {
	Text     string `xml:"text,attr"`
	Title    string `xml:"title,attr"`
	Type     string `xml:"type,attr"`
	XMLURL   string `xml:"xmlUrl,attr,omitempty"`
	URL      string `xml:"url,attr,omitempty"`
	Category string `xml:"category,attr,omitempty"`
	ID       string `xml:"pressfeed:id,attr"`
	Kind     string `xml:"pressfeed:kind,attr"`
	Area     string `xml:"pressfeed:area,attr,omitempty"`
	SrcType  string `xml:"pressfeed:sourceType,attr"`
	Schedule string `xml:"pressfeed:schedule,attr,omitempty"`
	Enabled  string `xml:"pressfeed:enabled,attr"`
	// Definition is the whole source as JSON, written only when it has
	// fields the attributes above cannot carry (HTML selectors, rules,
	// max_age, ignore_robots, cluster), so those survive an export and import.
	Definition string `xml:"pressfeed:definition,attr,omitempty"`
}

// WriteOPML writes sources as an OPML 2.0 subscription list titled title.
// A feed source is an outline of type "rss" whose xmlUrl a reader can
// subscribe to; an HTML source has no feed of its own and is an outline of
// type "link" with its page as url. Each outline's category attribute is
// "/kind,/area" so readers that group by category group by both, and the
// pressfeed:* attributes carry the rest of the definition. The output has no
// dates, so the same list always gives the same bytes.
func WriteOPML(w io.Writer, title string, sources []pressfeed.Source) error {
	doc := opmlDoc{
		Version: "2.0",
		NS:      OPMLNamespace,
		Head:    opmlHead{Title: title, Docs: "http://opml.org/spec2.opml"},
		Body:    make([]opmlEntry, 0, len(sources)),
	}
	for _, s := range sources {
		o := opmlEntry{
			Text:     s.Name,
			Title:    s.Name,
			Category: "/" + string(s.Kind),
			ID:       s.ID,
			Kind:     string(s.Kind),
			Area:     s.Area,
			SrcType:  string(s.Type),
			Schedule: s.Schedule,
			Enabled:  strconv.FormatBool(s.Enabled),
		}
		if s.Area != "" {
			o.Category += ",/" + s.Area
		}
		if s.HTML != nil || len(s.Feeds) > 0 || s.Pin != "" || len(s.Include) > 0 || len(s.Exclude) > 0 || s.MaxAge != "" || s.IgnoreRobots || s.Cluster != nil {
			def, err := json.Marshal(s)
			if err != nil {
				return fmt.Errorf("write opml: source %s: %w", s.ID, err)
			}
			o.Definition = string(def)
		}
		if s.Type == pressfeed.TypeHTML || s.Type == pressfeed.TypeAuto {
			o.Type, o.URL = "link", s.URL
		} else {
			o.Type, o.XMLURL = "rss", s.URL
		}
		doc.Body = append(doc.Body, o)
	}
	return writeXML(w, doc)
}
