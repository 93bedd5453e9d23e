package config

import (
	"fmt"
	"sort"
	"strings"

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
