// Command bare serves one file at /feed.atom with nothing but net/http: a
// strong ETag, If-None-Match answered with 304, Cache-Control. It is the
// floor bench/serve/run holds pressfeed's handler chain against: the same
// bytes over the same HTTP server, without the cache lookup, security
// headers and metrics in front.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	file := flag.String("file", "", "the file to serve as /feed.atom")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	data, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	sum := sha256.Sum256(data)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	length := strconv.Itoa(len(data))
	http.HandleFunc("GET /feed.atom", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=60")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", "application/atom+xml; charset=utf-8")
		h.Set("Content-Length", length)
		w.Write(data)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
