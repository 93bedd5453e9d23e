package web

import (
	"errors"
	"html"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pressfeed"
)

// siteTitle names the merged feed and the page.
const siteTitle = "North West police news"

// indexData is the news page: the filter form, the stories by day, paging
// and the feeds of the same view.
type indexData struct {
	Description string // the filter in words, "" when unfiltered
	Filtered    bool
	Search      string
	Kinds       []choice
	Areas       []choice
	Sources     []choice
	MultiArea   bool // several areas are selected: show a multiple select
	MultiSource bool
	Hidden      []choice // since, limit, dedup: kept by the form, not shown
	Days        []dayView
	Count       int
	NextURL     string
	FirstURL    string // set on later pages
	Feeds       *feedLinks
}

type choice struct {
	Value, Label string
	Selected     bool
}

type dayView struct {
	Heading string
	Date    string // YYYY-MM-DD in London, for the heading's <time>
	Stories []storyView
}

type storyView struct {
	Title      string
	Link       string
	Summary    string // plain text
	Published  time.Time
	Publishers []publisherView
}

type publisherView struct {
	ID, Name  string
	Kind      pressfeed.Kind
	FilterURL string // this page, filtered to the publisher
	Link      string // the publisher's own copy, when it differs from the story's link
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.Query())
	if err != nil {
		s.pageError(w, r, "news", err)
		return
	}
	ctx := r.Context()
	pg, err := s.store.Stories(ctx, q)
	if err != nil {
		s.pageError(w, r, "news", err)
		return
	}
	sources, err := s.store.Sources(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byID := byID(sources)
	d := indexData{
		Description: strings.TrimPrefix(describe(q, byID), " — "),
		Search:      q.Text,
		Count:       len(pg.Stories),
	}
	d.Filtered = d.Description != ""
	d.Kinds, d.Areas, d.Sources = filterChoices(q, sources)
	d.MultiArea, d.MultiSource = len(q.Areas) > 1, len(q.Sources) > 1
	if !q.Since.IsZero() {
		d.Hidden = append(d.Hidden, choice{Value: q.Since.UTC().Format(time.RFC3339), Label: "since"})
	}
	if q.Limit != pressfeed.DefaultLimit {
		d.Hidden = append(d.Hidden, choice{Value: strconv.Itoa(q.Limit), Label: "limit"})
	}
	if q.Ungrouped {
		d.Hidden = append(d.Hidden, choice{Value: "none", Label: "dedup"})
	}
	d.Days = s.groupByDay(pg.Stories, byID)
	if pg.Next != "" {
		d.NextURL = "/" + encodeQuery(q, pg.Next)
	}
	if q.Cursor != "" {
		d.FirstURL = "/" + encodeQuery(q, "")
	}
	feedQuery := encodeQuery(q, "")
	d.Feeds = &feedLinks{
		Title: siteTitle + describe(q, byID),
		Atom:  formatAtom.path + feedQuery,
		RSS:   formatRSS.path + feedQuery,
		JSON:  formatJSON.path + feedQuery,
	}
	p := page{Title: "Latest news", Section: "news", Feeds: d.Feeds, Data: d}
	if d.Filtered {
		p.Title = d.Description
	}
	s.render(w, r, http.StatusOK, "index", p)
}

// pageError answers a bad filter with the page's layout and a 400, and
// anything else as fail does.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, section string, err error) {
	var br *BadRequest
	switch {
	case errors.As(err, &br):
		s.renderError(w, r, http.StatusBadRequest, section, "That filter does not work", br.Msg)
	case errors.Is(err, pressfeed.ErrInvalidCursor):
		s.renderError(w, r, http.StatusBadRequest, section, "That page link does not work", "The page link is not one this site made. Start again from the latest news.")
	default:
		s.fail(w, r, err)
	}
}

// choicesOf lists values as options, each labelled by label and selected
// when it is one of chosen.
func choicesOf[T ~string](values, chosen []T, label func(T) string) []choice {
	out := make([]choice, len(values))
	for i, v := range values {
		out[i] = choice{Value: string(v), Label: label(v), Selected: slices.Contains(chosen, v)}
	}
	return out
}

// filterChoices lists the form's options with the query's selections
// marked. Areas come from the sources, so the list follows the source list.
func filterChoices(q pressfeed.Query, sources []pressfeed.Source) (kinds, areas, srcs []choice) {
	kinds = choicesOf(pressfeed.Kinds, q.Kinds, func(k pressfeed.Kind) string { return namesOf(k).choice })
	seenArea := make(map[string]bool)
	for _, src := range sources {
		if src.Area != "" && !seenArea[src.Area] {
			seenArea[src.Area] = true
			areas = append(areas, choice{Value: src.Area, Label: src.Area, Selected: slices.Contains(q.Areas, src.Area)})
		}
	}
	sort.Slice(areas, func(i, j int) bool { return areas[i].Label < areas[j].Label })
	for _, src := range sources {
		srcs = append(srcs, choice{Value: src.ID, Label: src.Name, Selected: slices.Contains(q.Sources, src.ID)})
	}
	sort.SliceStable(srcs, func(i, j int) bool { return srcs[i].Label < srcs[j].Label })
	return kinds, areas, srcs
}

// groupByDay turns a page of stories into London calendar days, keeping
// the newest-first order.
func (s *Server) groupByDay(stories []pressfeed.Story, sources map[string]pressfeed.Source) []dayView {
	var days []dayView
	for _, st := range stories {
		v := storyOf(st, sources)
		date := v.Published.In(s.desk.london).Format("2006-01-02")
		if len(days) == 0 || days[len(days)-1].Date != date {
			days = append(days, dayView{Heading: s.day(v.Published), Date: date})
		}
		last := &days[len(days)-1]
		last.Stories = append(last.Stories, v)
	}
	return days
}

// storyOf renders a story for the page: the primary's title, link and
// summary as text, and every publisher once, primary first.
func storyOf(st pressfeed.Story, sources map[string]pressfeed.Source) storyView {
	p := st.Primary()
	v := storyView{Title: p.Title, Link: p.Link, Published: p.Published}
	text := p.Summary
	if strings.TrimSpace(text) == "" {
		text = p.Content
	}
	v.Summary = summaryText(text, 320)
	for _, id := range st.SourceIDs() {
		src := sourceOrUnknown(sources, id)
		pv := publisherView{ID: src.ID, Name: src.Name, Kind: src.Kind, FilterURL: "/?source=" + src.ID}
		for _, m := range st.Members {
			if m.SourceID == id && m.Link != "" && m.Link != p.Link {
				pv.Link = m.Link
				break
			}
		}
		v.Publishers = append(v.Publishers, pv)
	}
	return v
}

// summaryText turns stored (sanitized) HTML into at most max characters of
// plain text, cut at a word boundary. Block-level tags become spaces and
// inline ones vanish, so "<a>team</a>." stays "team.". The template
// escapes the result.
func summaryText(fragment string, max int) string {
	var b, tag strings.Builder
	in := false
	for _, r := range fragment {
		switch {
		case r == '<':
			in = true
			tag.Reset()
		case r == '>' && in:
			in = false
			if isBlockTag(tag.String()) {
				b.WriteByte(' ')
			}
		case in:
			tag.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	text := strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	cut := string([]rune(text)[:max])
	if i := strings.LastIndexByte(cut, ' '); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// isBlockTag reports whether the tag (its text between < and >) starts or
// ends a block: its words must not run into the next block's.
func isBlockTag(tag string) bool {
	name := strings.ToLower(strings.TrimLeft(tag, "/"))
	if i := strings.IndexAny(name, " \t\n/"); i >= 0 {
		name = name[:i]
	}
	switch name {
	case "p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
		"table", "blockquote", "pre", "hr", "figure", "figcaption", "section", "article", "dd", "dt":
		return true
	}
	return false
}
