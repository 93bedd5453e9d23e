// Package barefeed is the floor pressfeed's feed handlers are measured
// against: one body served with net/http alone, a strong ETag, a 304 on
// If-None-Match and Cache-Control, without the cache lookup, security
// headers and metrics in front. bench/serve/bare serves it over a socket;
// web's BenchmarkFeed calls it in process.
package barefeed

import (
	"net/http"
	"strconv"
)

// Handler answers every request with body as an Atom feed, or with 304
// when If-None-Match is etag.
func Handler(body []byte, etag string) http.Handler {
	length := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=60")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", "application/atom+xml; charset=utf-8")
		h.Set("Content-Length", length)
		w.Write(body)
	})
}
