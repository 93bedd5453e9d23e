// Package faults serves the misbehaving HTTP responses the fetcher must
// survive: a server that hangs, one that drips its body, bodies of
// gigabytes, gzip bombs. The fetch tests and the poll-cycle benchmark share
// them; nothing in the daemon uses them.
package faults

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"sync/atomic"
	"time"
)

// Hang answers nothing until the client gives up.
func Hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// Drip sends the headers and the start of a feed, then one byte every
// interval, for ever.
func Drip(interval time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte("<rss>"))
		for {
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(interval):
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}
}

// HugeBody streams size bytes without a Content-Length and adds to sent
// (when not nil) what it managed to write before the client hung up.
func HugeBody(size int64, sent *atomic.Int64) http.HandlerFunc {
	chunk := bytes.Repeat([]byte(" "), 32<<10)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte("<rss>"))
		for n := int64(0); n < size; n += int64(len(chunk)) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			if sent != nil {
				sent.Add(int64(len(chunk)))
			}
		}
	}
}

// GzipBomb serves mib MiB of zeros, gzip-encoded in about a thousandth of
// that: one small gzip member of 1 MiB of zeros, repeated (gzip readers
// read concatenated members as one stream).
func GzipBomb(mib int) http.HandlerFunc {
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression) // a valid level: no error
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		for range mib {
			if _, err := w.Write(member.Bytes()); err != nil {
				return
			}
		}
	}
}
