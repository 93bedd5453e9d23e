package sourcelist

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"pressfeed"
)

// htmlFile is a [source.html] table: how to read a news listing page.
type htmlFile struct {
	Item       string `toml:"item,omitempty"`
	Title      string `toml:"title,omitempty"`
	Link       string `toml:"link,omitempty"`
	LinkAttr   string `toml:"link_attr,omitempty"`
	Date       string `toml:"date,omitempty"`
	DateAttr   string `toml:"date_attr,omitempty"`
	DateLayout string `toml:"date_layout,omitempty"`
	Summary    string `toml:"summary,omitempty"`
	Image      string `toml:"image,omitempty"`
	ImageAttr  string `toml:"image_attr,omitempty"`
	Follow     int    `toml:"follow,omitempty"`
}

// htmlKeys are the keys a [source.html] table may hold.
var htmlKeys = map[string]bool{
	"item": true, "title": true, "link": true, "link_attr": true, "date": true, "date_attr": true,
	"date_layout": true, "summary": true, "image": true, "image_attr": true, "follow": true,
}

func (h *htmlFile) spec() *pressfeed.HTMLSpec {
	if h == nil {
		return nil
	}
	return &pressfeed.HTMLSpec{
		Item: strings.TrimSpace(h.Item), Title: strings.TrimSpace(h.Title),
		Link: strings.TrimSpace(h.Link), LinkAttr: strings.TrimSpace(h.LinkAttr),
		Date: strings.TrimSpace(h.Date), DateAttr: strings.TrimSpace(h.DateAttr), DateLayout: h.DateLayout,
		Summary: strings.TrimSpace(h.Summary),
		Image:   strings.TrimSpace(h.Image), ImageAttr: strings.TrimSpace(h.ImageAttr),
		Follow: h.Follow,
	}
}

// ruleFile is one [[source.include]] or [[source.exclude]] table.
type ruleFile struct {
	Field   string `toml:"field,omitempty"`
	Keyword string `toml:"keyword,omitempty"`
	Regexp  string `toml:"regexp,omitempty"`
}

// ruleKeys are the keys a rule table may hold.
var ruleKeys = map[string]bool{"field": true, "keyword": true, "regexp": true}

func fileHTML(h *pressfeed.HTMLSpec) *htmlFile {
	if h == nil {
		return nil
	}
	return &htmlFile{
		Item: h.Item, Title: h.Title, Link: h.Link, LinkAttr: h.LinkAttr,
		Date: h.Date, DateAttr: h.DateAttr, DateLayout: h.DateLayout,
		Summary: h.Summary, Image: h.Image, ImageAttr: h.ImageAttr, Follow: h.Follow,
	}
}

func fileRules(in []pressfeed.Rule) []ruleFile {
	var out []ruleFile
	for _, r := range in {
		out = append(out, ruleFile{Field: r.Field, Keyword: r.Keyword, Regexp: r.Regexp})
	}
	return out
}

func rules(in []ruleFile) []pressfeed.Rule {
	var out []pressfeed.Rule
	for _, r := range in {
		out = append(out, pressfeed.Rule{Field: strings.TrimSpace(r.Field), Keyword: r.Keyword, Regexp: r.Regexp})
	}
	return out
}

// nestedUnknownKeys returns the unknown keys inside a source's html table and
// rule tables, named as a settings file would write them ("html.itme",
// "include[2].keywrod"), sorted.
func nestedUnknownKeys(raw map[string]any) []string {
	var unknown []string
	if h, ok := raw["html"].(map[string]any); ok {
		for k := range h {
			if !htmlKeys[k] {
				unknown = append(unknown, "html."+k)
			}
		}
	}
	for _, list := range []string{"include", "exclude"} {
		tables, _ := raw[list].([]map[string]any)
		for i, t := range tables {
			for k := range t {
				if !ruleKeys[k] {
					unknown = append(unknown, fmt.Sprintf("%s[%d].%s", list, i+1, k))
				}
			}
		}
	}
	sort.Strings(unknown)
	return unknown
}

// decodeHint says how to write the html and rule tables when a settings file
// gives them the wrong shape, which the TOML decoder only calls a "type
// mismatch".
func decodeHint(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "source.include") || strings.Contains(msg, "source.exclude"):
		return ` (include and exclude are lists of rule tables: [[source.include]] with keyword = "…", or include = [{ keyword = "police" }])`
	case strings.Contains(msg, "source.html"):
		return " (html is a table: [source.html] with item = \"…\" and the other selectors)"
	}
	return ""
}

// sourceFile is a [[source]] table as written in a settings file. Parse
// reads it and WriteSources writes it, so the two cannot drift apart.
type sourceFile struct {
	ID       string `toml:"id"`
	Name     string `toml:"name"`
	Kind     string `toml:"kind"`
	Area     string `toml:"area,omitempty"`
	URL      string `toml:"url"`
	Type     string `toml:"type"`
	Schedule string `toml:"schedule,omitempty"`
	Enabled  *bool  `toml:"enabled"`

	Feeds        []string   `toml:"feeds,omitempty"`
	Pin          string     `toml:"pin,omitempty"`
	MaxAge       string     `toml:"max_age,omitempty"`
	IgnoreRobots bool       `toml:"ignore_robots,omitempty"`
	HTML         *htmlFile  `toml:"html,omitempty"`
	Include      []ruleFile `toml:"include,omitempty"`
	Exclude      []ruleFile `toml:"exclude,omitempty"`
	Cluster      *bool      `toml:"cluster,omitempty"`
}

func (f sourceFile) source() pressfeed.Source {
	s := pressfeed.Source{
		ID:       strings.TrimSpace(f.ID),
		Name:     strings.TrimSpace(f.Name),
		Kind:     pressfeed.Kind(f.Kind),
		Area:     strings.TrimSpace(f.Area),
		URL:      strings.TrimSpace(f.URL),
		Type:     pressfeed.SourceType(f.Type),
		Schedule: strings.TrimSpace(f.Schedule),
		Enabled:  f.Enabled == nil || *f.Enabled,

		HTML:         f.HTML.spec(),
		Feeds:        trimAll(f.Feeds),
		Pin:          strings.TrimSpace(f.Pin),
		Include:      rules(f.Include),
		Exclude:      rules(f.Exclude),
		MaxAge:       strings.TrimSpace(f.MaxAge),
		IgnoreRobots: f.IgnoreRobots,
		Cluster:      f.Cluster,
	}
	if s.Type == "" {
		s.Type = pressfeed.TypeFeed
	}
	return s
}

// trimAll trims each string of list, keeping nil as nil.
func trimAll(list []string) []string {
	var out []string
	for _, s := range list {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

// sourceKeys are the keys a [[source]] table may hold.
var sourceKeys = map[string]bool{
	"id": true, "name": true, "kind": true, "area": true, "url": true,
	"type": true, "schedule": true, "enabled": true,
	"html": true, "feeds": true, "pin": true, "include": true, "exclude": true, "max_age": true, "ignore_robots": true,
	"cluster": true,
}

// Decode reads the [[source]] tables prims of a TOML document decoded with
// md, checking each with check (nil is Source.Validate). It returns the
// sources and every problem found, each naming its source: unknown keys,
// wrong shapes, invalid fields, duplicate ids.
func Decode(md toml.MetaData, prims []toml.Primitive, check Check) ([]pressfeed.Source, []string) {
	if check == nil {
		check = pressfeed.Source.Validate
	}
	var (
		sources  []pressfeed.Source
		problems []string
		seen     = make(map[string]int)
	)
	for i, p := range prims {
		var raw map[string]any
		if err := md.PrimitiveDecode(p, &raw); err != nil {
			problems = append(problems, fmt.Sprintf("source #%d: %v", i+1, err))
			continue
		}
		var f sourceFile
		if err := md.PrimitiveDecode(p, &f); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v%s", sourceLabel(i, raw), err, decodeHint(err)))
			continue
		}
		label := sourceLabel(i, raw)
		var unknown []string
		for k := range raw {
			if !sourceKeys[k] {
				unknown = append(unknown, k)
			}
		}
		sort.Strings(unknown)
		unknown = append(unknown, nestedUnknownKeys(raw)...)
		for _, k := range unknown {
			problems = append(problems, fmt.Sprintf("%s: unknown key %q", label, k))
		}
		src := f.source()
		if err := check(src); err != nil {
			problems = append(problems, fieldProblems(label, err)...)
		}
		if src.ID != "" {
			if j, dup := seen[src.ID]; dup {
				problems = append(problems, fmt.Sprintf("%s: duplicate id (also source #%d)", label, j+1))
			}
			seen[src.ID] = i
		}
		sources = append(sources, src)
	}
	return sources, problems
}

func sourceLabel(i int, raw map[string]any) string {
	if id, ok := raw["id"].(string); ok && id != "" {
		return fmt.Sprintf("source %q", id)
	}
	return fmt.Sprintf("source #%d", i+1)
}

func fieldProblems(label string, err error) []string {
	var verr pressfeed.ValidationError
	if errors.As(err, &verr) {
		out := make([]string, len(verr))
		for i, fe := range verr {
			out[i] = label + ": " + fe.Error()
		}
		return out
	}
	return []string{label + ": " + err.Error()}
}
