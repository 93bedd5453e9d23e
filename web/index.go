package web

import (
	"html/template"
	"net/http"
)

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>North West police news</title>
<link rel="alternate" type="application/atom+xml" title="North West police news (Atom)" href="/feed.atom">
<link rel="alternate" type="application/rss+xml" title="North West police news (RSS)" href="/feed.rss">
<link rel="alternate" type="application/feed+json" title="North West police news (JSON Feed)" href="/feed.json">
</head>
<body>
<h1>North West police news</h1>
<p>Subscribe: <a href="/feed.atom">Atom</a> · <a href="/feed.rss">RSS</a> · <a href="/feed.json">JSON Feed</a> · <a href="/sources.json">sources</a></p>
</body>
</html>
`))

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := indexPage.Execute(w, nil); err != nil {
		s.logger.Debug("write index page", "error", err)
	}
}
