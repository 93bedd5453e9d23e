package config

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"pressfeed"
)

// Source lists travel as TOML ([[source]] tables, the settings file's own
// format) or as OPML, the outline format feed readers import and export.
// Both carry every field, so an export imports back unchanged.

// ParseSourceList reads a list of sources from an import file, TOML or OPML
// (recognised by its first character), and validates every source. name is
// used in messages. It returns an *Error listing every problem, each naming
// the source it is about; nothing is returned half-read.
func ParseSourceList(name string, data []byte) ([]pressfeed.Source, error) {
	if bytes.HasPrefix(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), []byte("<")) {
		return parseOPML(name, data)
	}
	return parseTOMLList(name, data)
}

func parseTOMLList(name string, data []byte) ([]pressfeed.Source, error) {
	var doc struct {
		Source []toml.Primitive `toml:"source"`
	}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, &Error{File: name, Problems: []string{fmt.Sprintf("line %d: %s", perr.Position.Line, perr.Message)}}
		}
		return nil, &Error{File: name, Problems: []string{err.Error()}}
	}
	sources, problems := parseSources(md, doc.Source)
	for _, k := range md.Undecoded() {
		if len(k) > 0 && k[0] != "source" {
			problems = append(problems, fmt.Sprintf("unknown key %q (a source list holds [[source]] tables only)", k.String()))
		}
	}
	if len(sources) == 0 && len(problems) == 0 {
		problems = append(problems, "no [[source]] tables")
	}
	if len(problems) > 0 {
		return nil, &Error{File: name, Problems: problems}
	}
	return sources, nil
}

// WriteTOML writes sources as [[source]] tables that ParseSourceList and the
// settings file both read.
func WriteTOML(w io.Writer, sources []pressfeed.Source) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# pressfeed source list, %d sources.\n# Import it with `pressfeed sources import FILE` or on /admin/import.\n", len(sources))
	for _, s := range sources {
		b.WriteString("\n[[source]]\n")
		writeKey(&b, "id", s.ID)
		writeKey(&b, "name", s.Name)
		writeKey(&b, "kind", string(s.Kind))
		if s.Area != "" {
			writeKey(&b, "area", s.Area)
		}
		writeKey(&b, "url", s.URL)
		writeKey(&b, "type", string(s.Type))
		if s.Schedule != "" {
			writeKey(&b, "schedule", s.Schedule)
		}
		fmt.Fprintf(&b, "enabled = %t\n", s.Enabled)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeKey writes key = "value" as a TOML basic string.
func writeKey(b *bytes.Buffer, key, value string) {
	b.WriteString(key + ` = "`)
	for _, r := range strings.ToValidUTF8(value, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString("\"\n")
}

// opmlDoc is an OPML 2.0 document as far as source lists need it.
type opmlDoc struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Head    struct {
		Title       string `xml:"title"`
		DateCreated string `xml:"dateCreated,omitempty"`
	} `xml:"head"`
	Body struct {
		Outlines []opmlOutline `xml:"outline"`
	} `xml:"body"`
}

// opmlOutline is one source. text, type, xmlUrl and htmlUrl are OPML's
// own; the pressfeed* attributes carry what OPML has no word for, and
// readers that do not know them ignore them.
type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr,omitempty"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Category string        `xml:"category,attr,omitempty"`
	ID       string        `xml:"pressfeedId,attr,omitempty"`
	Kind     string        `xml:"pressfeedKind,attr,omitempty"`
	Area     string        `xml:"pressfeedArea,attr,omitempty"`
	SrcType  string        `xml:"pressfeedType,attr,omitempty"`
	Schedule string        `xml:"pressfeedSchedule,attr,omitempty"`
	Enabled  string        `xml:"pressfeedEnabled,attr,omitempty"`
	Children []opmlOutline `xml:"outline"`
}

// WriteOPML writes sources as an OPML 2.0 outline. Feed sources are rss
// outlines a feed reader can subscribe to; HTML sources are link outlines.
func WriteOPML(w io.Writer, title string, sources []pressfeed.Source, now time.Time) error {
	doc := opmlDoc{Version: "2.0"}
	doc.Head.Title = title
	doc.Head.DateCreated = now.UTC().Format(time.RFC1123Z)
	for _, s := range sources {
		o := opmlOutline{
			Text: s.Name, Title: s.Name, ID: s.ID, Kind: string(s.Kind), Area: s.Area,
			SrcType: string(s.Type), Schedule: s.Schedule, Enabled: strconv.FormatBool(s.Enabled),
			Category: "/" + string(s.Kind),
		}
		if s.Area != "" {
			o.Category += "/" + s.Area
		}
		if s.Type == pressfeed.TypeFeed {
			o.Type, o.XMLURL = "rss", s.URL
		} else {
			o.Type, o.HTMLURL = "link", s.URL
		}
		doc.Body.Outlines = append(doc.Body.Outlines, o)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// parseOPML reads the outlines of an OPML file, nested ones included. An
// outline from another program has no pressfeed attributes: its id is made
// from its title, its kind is other and it is enabled.
func parseOPML(name string, data []byte) ([]pressfeed.Source, error) {
	var doc opmlDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: name, Problems: []string{"not an OPML document: " + err.Error()}}
	}
	var (
		sources  []pressfeed.Source
		problems []string
		seen     = make(map[string]int)
	)
	var walk func([]opmlOutline)
	walk = func(list []opmlOutline) {
		for _, o := range list {
			if o.XMLURL == "" && o.HTMLURL == "" {
				walk(o.Children) // a folder
				continue
			}
			i := len(sources)
			src, err := o.source()
			label := fmt.Sprintf("outline %q", firstNonEmpty(o.Text, o.Title, o.XMLURL, o.HTMLURL))
			if err != nil {
				problems = append(problems, label+": "+err.Error())
			}
			if verr := ValidateSource(src); verr != nil {
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
		problems = append(problems, "no outlines with an xmlUrl or htmlUrl")
	}
	if len(problems) > 0 {
		return nil, &Error{File: name, Problems: problems}
	}
	return sources, nil
}

func (o opmlOutline) source() (pressfeed.Source, error) {
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
	if s.Type == pressfeed.TypeHTML {
		s.URL = strings.TrimSpace(firstNonEmpty(o.HTMLURL, o.XMLURL))
	}
	if s.ID == "" {
		s.ID = Slug(s.Name)
	}
	if o.Enabled != "" {
		v, err := strconv.ParseBool(o.Enabled)
		if err != nil {
			return s, fmt.Errorf("pressfeedEnabled: %q is not true or false", o.Enabled)
		}
		s.Enabled = v
	}
	return s, nil
}

// Slug makes a source id from a name: lower-case ASCII letters and digits
// joined by single hyphens, at most 64 characters.
func Slug(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= 64 {
			break
		}
	}
	return strings.Trim(b.String()[:min(b.Len(), 64)], "-")
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
