package config

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/unicode/norm"

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

// opmlOutline is one source as syndicate.WriteOPML writes it, or as another
// program's subscription list has it. text, type, xmlUrl and url are OPML's
// own (htmlUrl is read for lists from other programs); the attributes in
// syndicate.OPMLNamespace carry what OPML has no word for.
type opmlOutline struct {
	Text       string        `xml:"text,attr"`
	Title      string        `xml:"title,attr"`
	XMLURL     string        `xml:"xmlUrl,attr"`
	URL        string        `xml:"url,attr"`
	HTMLURL    string        `xml:"htmlUrl,attr"`
	ID         string        `xml:"urn:pressfeed:opml id,attr"`
	Kind       string        `xml:"urn:pressfeed:opml kind,attr"`
	Area       string        `xml:"urn:pressfeed:opml area,attr"`
	SrcType    string        `xml:"urn:pressfeed:opml sourceType,attr"`
	Schedule   string        `xml:"urn:pressfeed:opml schedule,attr"`
	Enabled    string        `xml:"urn:pressfeed:opml enabled,attr"`
	Definition string        `xml:"urn:pressfeed:opml definition,attr"`
	Children   []opmlOutline `xml:"outline"`
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
		problems = append(problems, "no outlines with an xmlUrl, url or htmlUrl")
	}
	if len(problems) > 0 {
		return nil, &Error{File: name, Problems: problems}
	}
	return sources, nil
}

func (o opmlOutline) source() (pressfeed.Source, error) {
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

// Slug makes a source id from a name: lower-case ASCII letters and digits
// joined by single hyphens, at most 64 characters. Accents are dropped, so
// "Ynys Môn" becomes "ynys-mon"; other letters outside ASCII separate words.
func Slug(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent: the letter before it stays
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
