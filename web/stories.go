package web

import (
	"html"
	"net/url"
	"strings"

	"pressfeed/syndicate"
)

// alsoPublishedBy renders the line that names a story's other publishers,
// each linked to its own copy: `<p>Also published by <a href="…">A</a>, B
// and C.</p>`. Names come from the source list and links from the feeds,
// so both are escaped, and a link that is not http(s) is left out rather
// than made clickable.
func alsoPublishedBy(others []syndicate.Link) string {
	parts := make([]string, len(others))
	for i, o := range others {
		name := html.EscapeString(o.Title)
		if u, err := url.Parse(o.Href); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			name = `<a href="` + html.EscapeString(o.Href) + `">` + name + `</a>`
		}
		parts[i] = name
	}
	list := parts[0]
	if n := len(parts); n > 1 {
		list = strings.Join(parts[:n-1], ", ") + " and " + parts[n-1]
	}
	return "<p>Also published by " + list + ".</p>"
}
