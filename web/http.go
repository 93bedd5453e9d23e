package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header values that never change, shared by every response. net/http
// only reads header values, so sharing the slices is safe.
var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	gzipEncoding       = []string{"gzip"}
)

// serveRendered answers r with body, honouring HEAD, If-None-Match,
// If-Modified-Since and Accept-Encoding: gzip. Every answer, 304 included,
// carries the validators, Cache-Control and Vary, as RFC 9110 15.4.5 asks.
// Headers are assigned prebuilt (canonical keys, shared values) because a
// cached answer is the hot path.
func (s *Server) serveRendered(w http.ResponseWriter, r *http.Request, rd *rendered) {
	h := w.Header()
	body, etag, length := rd.body, rd.etagHeader, rd.lengthHeader
	gz := rd.gzipped != nil && acceptsGzip(r.Header.Get("Accept-Encoding"))
	if gz {
		body, etag, length = rd.gzipped, rd.gzipETagHeader, rd.gzipLengthHeader
	}
	h["Etag"] = etag
	h["Last-Modified"] = rd.modifiedHeader
	h["Cache-Control"] = s.cacheControl
	h["Vary"] = varyAcceptEncoding
	if notModified(r, rd) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if gz {
		h["Content-Encoding"] = gzipEncoding
	}
	h["Content-Type"] = rd.typeHeader
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body) // the client went away; nothing to do
	}
}

// notModified applies RFC 9110 13.2.2: If-None-Match decides when present
// (weak comparison, either encoding's tag matching, since both name the same
// content); otherwise If-Modified-Since, to the second.
func notModified(r *http.Request, rd *rendered) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == rd.etag || (rd.gzipETag != "" && tag == rd.gzipETag) {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !rd.modified.After(t)
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: named
// with a q-value above zero, or not named and "*" allowed.
func acceptsGzip(header string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			gzipQ = q
		case "*":
			starQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// cacheControlFor is the Cache-Control value for a max-age: shared caches
// may keep a feed too, since every reader gets the same bytes.
func cacheControlFor(maxAge time.Duration) []string {
	return []string{"public, max-age=" + strconv.Itoa(int(maxAge/time.Second))}
}
