package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pressfeed"
)

//go:embed templates/*.html static/style.css
var assets embed.FS

// pages holds one parsed template per page, each the layout plus the
// page's own "content", and the stylesheet.
type pages struct {
	byName map[string]*template.Template
	css    []byte
	cssURL string // carries a hash of the stylesheet, so it can be cached for ever
}

func newPages(s *Server) *pages {
	funcs := template.FuncMap{
		"when":          s.when,
		"day":           s.day,
		"iso":           func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"kindLabel":     func(k pressfeed.Kind) string { return namesOf(k).heading },
		"exact":         s.auditTime,
		"strategyLabel": pressfeed.StrategyLabel,
		"list":          func(v ...string) []string { return v },
		"htmlField":     htmlField,
		"args":          fragmentArgs,
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html"))
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err) // the pattern is a constant
	}
	p := &pages{byName: make(map[string]*template.Template)}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		p.byName[base] = template.Must(template.Must(layout.Clone()).ParseFS(assets, name))
	}
	p.css, err = assets.ReadFile("static/style.css")
	if err != nil {
		panic(err) // embedded above
	}
	sum := sha256.Sum256(p.css)
	p.cssURL = "/static/style.css?v=" + hex.EncodeToString(sum[:6])
	return p
}

// page is what the layout needs; Data is the page's own.
type page struct {
	Title   string
	Section string // "news", "sources" or "admin": the current nav item
	CSS     string
	Feeds   *feedLinks // the feeds of the page's view, for autodiscovery
	User    string     // the signed-in admin, on admin pages
	CSRF    string     // the session's token, for every form
	Flash   string
	Data    any
}

// feedLinks are the three feeds of one view. The layout writes the media
// types literally: html/template would escape their "+" as "&#43;", which
// browsers decode but some feed discoverers do not.
type feedLinks struct {
	Title           string
	Atom, RSS, JSON string
}

// render writes a page with status. Output is rendered into a buffer first,
// so a template error becomes a 500 and never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.desk.pages.byName[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("no page template %q", name))
		return
	}
	p.CSS = s.desk.pages.cssURL
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows a problem as a page in the site's layout.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, section, title, msg string) {
	s.render(w, r, status, "error", page{Title: title, Section: section, Data: msg})
}

func (s *Server) handleCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	w.Write(s.desk.pages.css)
}

// when formats t for people in the region: "Fri 20 Nov, 09:00", with the
// year when it is not this year; "never" for the zero time.
func (s *Server) when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	lt := t.In(s.desk.london)
	if lt.Year() != s.opts.Now().In(s.desk.london).Year() {
		return lt.Format("Mon 2 Jan 2006, 15:04")
	}
	return lt.Format("Mon 2 Jan, 15:04")
}

// day names the London calendar day of t: "Today", "Yesterday" or
// "Friday 20 November 2026".
func (s *Server) day(t time.Time) string {
	lt := t.In(s.desk.london)
	now := s.opts.Now().In(s.desk.london)
	y1, m1, d1 := lt.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return "Today, " + lt.Format("Monday 2 January")
	case isYesterday(lt, now):
		return "Yesterday, " + lt.Format("Monday 2 January")
	}
	return lt.Format("Monday 2 January 2006")
}

func isYesterday(t, now time.Time) bool {
	y := now.AddDate(0, 0, -1)
	a, b, c := t.Date()
	d, e, f := y.Date()
	return a == d && b == e && c == f
}

// kindNames is what a kind of source is called: as a heading word, as the
// news filter's choice, and in the plural as a feed's title lists it.
type kindNames struct{ heading, choice, plural string }

var namesOfKind = map[pressfeed.Kind]kindNames{
	pressfeed.KindForce: {"Police force", "Police forces", "police forces"},
	pressfeed.KindPCC:   {"Commissioner", "Commissioners", "commissioners"},
	pressfeed.KindROCU:  {"Organised crime unit", "Organised crime unit", "organised crime unit"},
	pressfeed.KindOther: {"Other", "Other", "other sources"},
}

// namesOf is what k is called; a kind with no names of its own is called
// as KindOther is.
func namesOf(k pressfeed.Kind) kindNames {
	if n, ok := namesOfKind[k]; ok {
		return n
	}
	return namesOfKind[pressfeed.KindOther]
}

// fragmentArgs makes the argument of a shared fragment ({{template "x"
// (args "Name" value ...)}}) from name and value pairs.
func fragmentArgs(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("args: %d values, want name and value pairs", len(pairs))
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		name, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("args: name %v is not a string", pairs[i])
		}
		m[name] = pairs[i+1]
	}
	return m, nil
}

// htmlField is the value of one selector field of the source form.
func htmlField(h pressfeed.HTMLSpec, name string) string {
	switch name {
	case "item":
		return h.Item
	case "title":
		return h.Title
	case "link":
		return h.Link
	case "date":
		return h.Date
	case "date_layout":
		return h.DateLayout
	case "summary":
		return h.Summary
	case "image":
		return h.Image
	case "follow":
		if h.Follow == 0 {
			return ""
		}
		return strconv.Itoa(h.Follow)
	}
	return ""
}
