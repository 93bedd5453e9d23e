package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"pressfeed"
	"pressfeed/syndicate"
)

type format struct {
	path        string
	contentType string
	write       func(*bytes.Buffer, syndicate.Feed) error
}

var (
	formatAtom = format{"/feed.atom", "application/atom+xml; charset=utf-8", func(b *bytes.Buffer, f syndicate.Feed) error { return syndicate.WriteAtom(b, f) }}
	formatRSS  = format{"/feed.rss", "application/rss+xml; charset=utf-8", func(b *bytes.Buffer, f syndicate.Feed) error { return syndicate.WriteRSS(b, f) }}
	formatJSON = format{"/feed.json", "application/feed+json; charset=utf-8", func(b *bytes.Buffer, f syndicate.Feed) error { return syndicate.WriteJSON(b, f) }}
)

// Source-describing category schemes, so a reader can tell a source
// category from a kind or an area.
const (
	schemeSource = "urn:pressfeed:source"
	schemeKind   = "urn:pressfeed:kind"
	schemeArea   = "urn:pressfeed:area"
)

func (s *Server) handleFeed(f format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := parseQuery(r.URL.Query())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rd, err := s.feed(r.Context(), f, s.baseURL(r), q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.serveRendered(w, r, rd)
	}
}

// feed returns the rendering of q in format f, from the cache while the
// store is unchanged. The generation is read before the store is, so a
// write during the render leaves an entry that is already stale.
func (s *Server) feed(ctx context.Context, f format, base string, q pressfeed.Query) (*rendered, error) {
	key := f.path + "\x00" + base + "\x00" + encodeQuery(q, q.Cursor)
	return s.cache.get(ctx, key, s.store.Generation(), func(ctx context.Context) ([]byte, string, time.Time, error) {
		sources, err := s.store.Sources(ctx)
		if err != nil {
			return nil, "", time.Time{}, err
		}
		if q, err = resolveQuery(q, sources); err != nil {
			return nil, "", time.Time{}, err
		}
		page, err := s.store.Stories(ctx, q)
		if err != nil {
			return nil, "", time.Time{}, err
		}
		var buf bytes.Buffer
		if err := f.write(&buf, s.buildFeed(base, f, q, page, sources)); err != nil {
			return nil, "", time.Time{}, fmt.Errorf("render %s: %w", f.path, err)
		}
		return buf.Bytes(), f.contentType, lastChange(page), nil
	})
}

// lastChange is when the page's content last changed: the latest first
// sighting or update of any member. Publication dates are not enough: an
// item published yesterday and first seen now changes the feed now.
func lastChange(page pressfeed.Page) time.Time {
	var t time.Time
	for _, st := range page.Stories {
		for _, m := range st.Members {
			for _, c := range []time.Time{m.FirstSeen, m.Updated} {
				if c.After(t) {
					t = c
				}
			}
		}
	}
	return t
}

func byID(list []pressfeed.Source) map[string]pressfeed.Source {
	m := make(map[string]pressfeed.Source, len(list))
	for _, s := range list {
		m[s.ID] = s
	}
	return m
}

// buildFeed turns a page of stories into a feed document whose self link is
// the request's own URL, so every filtered view is its own subscribable feed.
func (s *Server) buildFeed(base string, f format, q pressfeed.Query, page pressfeed.Page, list []pressfeed.Source) syndicate.Feed {
	sources := byID(list)
	doc := syndicate.Feed{
		Title:    "North West police news" + describe(q, sources),
		Subtitle: "Press releases from the police forces, Police and Crime Commissioners and the Regional Organised Crime Unit of north-west England and North Wales",
		SelfURL:  base + f.path + encodeQuery(q, q.Cursor),
		HomeURL:  base + "/" + encodeQuery(q, ""),
		Language: "en-GB",
		Version:  s.opts.Version,
		Updated:  time.Unix(0, 0).UTC(),
	}
	doc.ID = base + f.path + encodeQuery(q, "")
	if page.Next != "" {
		doc.NextURL = base + f.path + encodeQuery(q, page.Next)
	}
	if q.Cursor != "" || page.Next != "" {
		doc.FirstURL = doc.ID
	}
	if s.isTopic(base, q) {
		doc.Hubs = s.opts.Hubs
	}
	for _, src := range list {
		if covers(q, src) {
			doc.Sources = append(doc.Sources, originOf(src))
		}
	}
	for _, st := range page.Stories {
		e := entryOf(st, sources)
		if e.Updated.After(doc.Updated) {
			doc.Updated = e.Updated
		}
		doc.Entries = append(doc.Entries, e)
	}
	return doc
}

// entryOf renders a story as a feed entry: the primary's title, link and
// text; every publisher as an author and a category; the other publishers'
// copies as related links and, in the content, an "Also published by" line.
func entryOf(st pressfeed.Story, sources map[string]pressfeed.Source) syndicate.Entry {
	p := st.Primary()
	e := syndicate.Entry{
		ID:        syndicate.EntryID(st.ID),
		Title:     p.Title,
		Link:      p.Link,
		Published: p.Published,
		Updated:   st.Updated,
		Summary:   p.Summary,
		Content:   p.Content,
		Image:     p.Image,
	}
	if e.Updated.Before(e.Published) {
		e.Updated = e.Published
	}
	seenCat := make(map[string]bool)
	addCat := func(c syndicate.Category) {
		if c.Term != "" && !seenCat[c.Scheme+"\x00"+c.Term] {
			seenCat[c.Scheme+"\x00"+c.Term] = true
			e.Categories = append(e.Categories, c)
		}
	}
	var others []syndicate.Link
	for i, id := range st.SourceIDs() {
		src := sourceOrUnknown(sources, id)
		e.Authors = append(e.Authors, src.Name)
		addCat(syndicate.Category{Term: src.ID, Scheme: schemeSource, Label: src.Name})
		addCat(syndicate.Category{Term: string(src.Kind), Scheme: schemeKind})
		addCat(syndicate.Category{Term: src.Area, Scheme: schemeArea})
		o := syndicate.Origin{ID: src.ID, Title: src.Name, FeedURL: src.URL, Kind: string(src.Kind), Area: src.Area}
		for _, m := range st.Members {
			if m.SourceID == id {
				o.Link = m.Link
				break
			}
		}
		if i == 0 {
			origin := o
			e.Source = &origin
		} else {
			others = append(others, syndicate.Link{Href: o.Link, Title: src.Name})
			if o.Link != "" && o.Link != p.Link {
				e.Related = append(e.Related, syndicate.Link{Href: o.Link, Title: src.Name})
			}
		}
		e.Sources = append(e.Sources, o)
	}
	if len(others) > 0 {
		body := e.Content
		if body == "" {
			body = e.Summary
		}
		e.Content = body + alsoPublishedBy(others)
	}
	return e
}

// sourceOrUnknown returns the source with id, or a stand-in for a source
// deleted since its items were stored.
func sourceOrUnknown(sources map[string]pressfeed.Source, id string) pressfeed.Source {
	if src, ok := sources[id]; ok {
		return src
	}
	return pressfeed.Source{ID: id, Name: id, Kind: pressfeed.KindOther}
}

// describe names the filter for the feed title: " — Merseyside Police, forces".
func describe(q pressfeed.Query, sources map[string]pressfeed.Source) string {
	var parts []string
	for _, id := range q.Sources {
		parts = append(parts, sourceOrUnknown(sources, id).Name)
	}
	for _, k := range q.Kinds {
		parts = append(parts, namesOf(k).plural)
	}
	parts = append(parts, q.Areas...)
	if q.Text != "" {
		parts = append(parts, "“"+q.Text+"”")
	}
	if !q.Since.IsZero() {
		parts = append(parts, "since "+q.Since.UTC().Format("2 Jan 2006 15:04 MST"))
	}
	if q.Ungrouped {
		parts = append(parts, "every item")
	}
	if len(parts) == 0 {
		return ""
	}
	return " — " + strings.Join(parts, ", ")
}

// encodeQuery writes q back as URL parameters in a fixed order, so the same
// view always has the same URL. cursor, when set, replaces q's own.
func encodeQuery(q pressfeed.Query, cursor string) string {
	v := url.Values{}
	for _, s := range q.Sources {
		v.Add("source", s)
	}
	for _, k := range q.Kinds {
		v.Add("kind", string(k))
	}
	for _, a := range q.Areas {
		v.Add("area", a)
	}
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339))
	}
	if q.Limit != pressfeed.DefaultLimit && q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Ungrouped {
		v.Set("dedup", "none")
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}
