package sourcelist

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"pressfeed"
)

// Namespace is the XML namespace of the attributes that carry a source's
// pressfeed-only fields (id, kind, area, sourceType, schedule, enabled,
// definition) on its outline, so an OPML export reads back without loss.
// OPML 2.0 allows attributes from other namespaces. No local name repeats an
// OPML attribute's ("type"), so a reader that ignores namespaces is not
// misled.
const Namespace = "urn:pressfeed:opml"

// Title heads the OPML export of the source list, on the web and from the
// command line alike.
const Title = "North West police news: sources"

// opmlDoc is an OPML 2.0 document as far as source lists need it, for
// reading and writing alike.
type opmlDoc struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	NS      string   `xml:"xmlns:pressfeed,attr,omitempty"`
	Head    struct {
		Title string `xml:"title"`
		Docs  string `xml:"docs,omitempty"`
	} `xml:"head"`
	Body struct {
		Outlines []outline `xml:"outline"`
	} `xml:"body"`
}

// outline is one source as WriteOPML writes it, or as another program's
// subscription list has it. text, title, type, xmlUrl, url and category are
// OPML's own (htmlUrl is read for lists from other programs); the attributes
// in Namespace carry what OPML has no word for. Reading matches them by
// namespace; MarshalXML writes them with the pressfeed prefix the document
// declares once.
type outline struct {
	Text     string `xml:"text,attr"`
	Title    string `xml:"title,attr"`
	Type     string `xml:"type,attr"`
	XMLURL   string `xml:"xmlUrl,attr"`
	URL      string `xml:"url,attr"`
	HTMLURL  string `xml:"htmlUrl,attr"`
	Category string `xml:"category,attr"`
	ID       string `xml:"urn:pressfeed:opml id,attr"`
	Kind     string `xml:"urn:pressfeed:opml kind,attr"`
	Area     string `xml:"urn:pressfeed:opml area,attr"`
	SrcType  string `xml:"urn:pressfeed:opml sourceType,attr"`
	Schedule string `xml:"urn:pressfeed:opml schedule,attr"`
	Enabled  string `xml:"urn:pressfeed:opml enabled,attr"`
	// Definition is the whole source as JSON, written only when it has
	// fields the attributes above cannot carry (HTML selectors, feeds, pin,
	// rules, max_age, ignore_robots, cluster), so those survive an export
	// and import.
	Definition string    `xml:"urn:pressfeed:opml definition,attr"`
	Children   []outline `xml:"outline"`
}

// MarshalXML writes o as an empty outline element: OPML's attributes
// unprefixed, pressfeed's with the prefix bound to Namespace on the document,
// empty optional ones left out.
func (o outline) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Name = xml.Name{Local: "outline"}
	add := func(name, value string, always bool) {
		if value != "" || always {
			start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: name}, Value: value})
		}
	}
	add("text", o.Text, true)
	add("title", o.Title, true)
	add("type", o.Type, true)
	add("xmlUrl", o.XMLURL, false)
	add("url", o.URL, false)
	add("category", o.Category, false)
	add("pressfeed:id", o.ID, true)
	add("pressfeed:kind", o.Kind, true)
	add("pressfeed:area", o.Area, false)
	add("pressfeed:sourceType", o.SrcType, true)
	add("pressfeed:schedule", o.Schedule, false)
	add("pressfeed:enabled", o.Enabled, true)
	add("pressfeed:definition", o.Definition, false)
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

// WriteOPML writes sources as an OPML 2.0 subscription list titled title.
// A feed source is an outline of type "rss" whose xmlUrl a reader can
// subscribe to; an HTML source has no feed of its own and is an outline of
// type "link" with its page as url. Each outline's category attribute is
// "/kind,/area" so readers that group by category group by both, and the
// pressfeed:* attributes carry the rest of the definition. The output has no
// dates, so the same list always gives the same bytes. Parse reads it back.
func WriteOPML(w io.Writer, title string, sources []pressfeed.Source) error {
	doc := opmlDoc{Version: "2.0", NS: Namespace}
	doc.Head.Title, doc.Head.Docs = title, "http://opml.org/spec2.opml"
	doc.Body.Outlines = make([]outline, 0, len(sources))
	for _, s := range sources {
		o, err := outlineOf(s)
		if err != nil {
			return fmt.Errorf("write opml: source %s: %w", s.ID, err)
		}
		doc.Body.Outlines = append(doc.Body.Outlines, o)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// outlineOf is the inverse of outline.source.
func outlineOf(s pressfeed.Source) (outline, error) {
	o := outline{
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
			return o, err
		}
		o.Definition = string(def)
	}
	if s.Type == pressfeed.TypeHTML || s.Type == pressfeed.TypeAuto {
		o.Type, o.URL = "link", s.URL
	} else {
		o.Type, o.XMLURL = "rss", s.URL
	}
	return o, nil
}

// parseOPML reads the outlines of an OPML file, nested ones included. An
// outline from another program has no pressfeed attributes: its id is made
// from its title, its kind is other and it is enabled.
func parseOPML(name string, data []byte, check Check) ([]pressfeed.Source, error) {
	var doc opmlDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: name, Problems: []string{"not an OPML document: " + err.Error()}}
	}
	var (
		sources  []pressfeed.Source
		problems []string
		seen     = make(map[string]int)
	)
	var walk func([]outline)
	walk = func(list []outline) {
		for _, o := range list {
			if o.XMLURL == "" && o.URL == "" && o.HTMLURL == "" && o.Definition == "" {
				walk(o.Children) // a folder
				continue
			}
			i := len(sources)
			src, err := o.source()
			label := fmt.Sprintf("outline %q", firstNonEmpty(o.Text, o.Title, o.XMLURL, o.URL, o.HTMLURL))
			if err != nil {
				problems = append(problems, label+": "+err.Error())
			}
			if verr := check(src); verr != nil {
				problems = append(problems, fieldProblems(label, verr)...)
			}
			if j, dup := seen[src.ID]; dup && src.ID != "" {
				problems = append(problems, fmt.Sprintf("%s: duplicate id %q (also outline #%d)", label, src.ID, j+1))
			}
			seen[src.ID] = i
			sources = append(sources, src)
			walk(o.Children)
		}
	}
	walk(doc.Body.Outlines)
	if len(sources) == 0 && len(problems) == 0 {
		problems = append(problems, "no outlines with an xmlUrl, url or htmlUrl")
	}
	if len(problems) > 0 {
		return nil, &Error{File: name, Problems: problems}
	}
	return sources, nil
}

func (o outline) source() (pressfeed.Source, error) {
	if o.Definition != "" {
		var s pressfeed.Source
		if err := json.Unmarshal([]byte(o.Definition), &s); err != nil {
			return s, fmt.Errorf("pressfeed:definition is not a source definition: %v", err)
		}
		return s, nil
	}
	s := pressfeed.Source{
		ID:       strings.TrimSpace(o.ID),
		Name:     strings.TrimSpace(firstNonEmpty(o.Title, o.Text)),
		Kind:     pressfeed.Kind(firstNonEmpty(o.Kind, string(pressfeed.KindOther))),
		Area:     strings.TrimSpace(o.Area),
		Type:     pressfeed.SourceType(o.SrcType),
		Schedule: strings.TrimSpace(o.Schedule),
		Enabled:  true,
	}
	if s.Type == "" {
		s.Type = pressfeed.TypeFeed
		if o.XMLURL == "" {
			s.Type = pressfeed.TypeHTML
		}
	}
	s.URL = strings.TrimSpace(o.XMLURL)
	if s.Type == pressfeed.TypeHTML || s.Type == pressfeed.TypeAuto {
		s.URL = strings.TrimSpace(firstNonEmpty(o.URL, o.HTMLURL, o.XMLURL))
	}
	if s.ID == "" {
		s.ID = Slug(s.Name)
	}
	if o.Enabled != "" {
		v, err := strconv.ParseBool(o.Enabled)
		if err != nil {
			return s, fmt.Errorf("pressfeed:enabled: %q is not true or false", o.Enabled)
		}
		s.Enabled = v
	}
	return s, nil
}
