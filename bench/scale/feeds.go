package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"pressfeed/internal/synthtext"
)

// feedServer serves one RSS feed per source, each on its own loopback
// address (127.1.x.y), so that per-host limits in the fetcher see 1,000
// hosts as production would, not one. A source's feed at version v lists
// items v*step … v*step+items-1, newest first: bumping the version by one
// adds step new items and drops step old ones; the rest are unchanged.
// Strong ETags make unchanged feeds answer 304.
type feedServer struct {
	items, itemBytes, step int
	servers                []*http.Server

	mu      sync.Mutex
	version []int
	cache   []cached // the rendered feed of each source's current version
}

type cached struct {
	version int
	body    []byte
	etag    string
}

// sourceAddr is the loopback address of source i.
func sourceAddr(i int) string {
	return fmt.Sprintf("127.1.%d.%d", i/200, i%200+10)
}

// startFeeds listens on one loopback address per source.
func startFeeds(n, items, itemBytes, step int) (*feedServer, []string, error) {
	f := &feedServer{items: items, itemBytes: itemBytes, step: step, version: make([]int, n), cache: make([]cached, n)}
	urls := make([]string, n)
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", sourceAddr(i)+":0")
		if err != nil {
			f.close()
			return nil, nil, fmt.Errorf("listen for source %d on %s (Linux routes all of 127.0.0.0/8 to loopback): %w", i, sourceAddr(i), err)
		}
		i := i
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.serve(i, w, r) }), ReadHeaderTimeout: 10 * time.Second}
		f.servers = append(f.servers, srv)
		go srv.Serve(ln)
		urls[i] = "http://" + ln.Addr().String() + "/feed.rss"
	}
	return f, urls, nil
}

func (f *feedServer) close() {
	for _, s := range f.servers {
		s.Close()
	}
}

// closeIdle closes every idle client connection, as a feed server's
// keep-alive timeout (seconds to a minute or two) does long before a
// source's next poll is due.
func (f *feedServer) closeIdle() {
	for _, s := range f.servers {
		s.SetKeepAlivesEnabled(false) // closes the idle connections
		s.SetKeepAlivesEnabled(true)
	}
}

// bump moves every k-th source (k=10 for 10 %) on by one version.
func (f *feedServer) bump(every, by int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.version {
		if i%every == 0 {
			f.version[i] += by
		}
	}
}

// etags returns each source's current ETag.
func (f *feedServer) etags() []string {
	out := make([]string, len(f.version))
	for i := range out {
		out[i] = f.feed(i).etag
	}
	return out
}

func (f *feedServer) feed(i int) cached {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.cache[i]
	if c.body == nil || c.version != f.version[i] {
		body := render(i, f.version[i], f.items, f.itemBytes, f.step)
		sum := sha256.Sum256(body)
		c = cached{version: f.version[i], body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		f.cache[i] = c
	}
	return c
}

func (f *feedServer) serve(i int, w http.ResponseWriter, r *http.Request) {
	c := f.feed(i)
	w.Header().Set("ETag", c.etag)
	if r.Header.Get("If-None-Match") == c.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Write(c.body)
}

// text writes n words for item (source i, number n), the same every time.
func text(b *bytes.Buffer, i, item, seq, n int) {
	synthtext.NewWords(uint64(i)<<32|uint64(item), uint64(seq)).Write(b, n)
}

// epoch is a fixed publication clock, so runs are comparable.
var epoch = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// render writes source i's feed at version v: items newest first, each with
// about itemBytes of HTML description.
func render(i, v, items, itemBytes, step int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Source %d news</title><link>http://%s/</link><description>News of source %d</description>
`, i, sourceAddr(i), i)
	newest := v*step + items - 1
	for n := newest; n > newest-items; n-- {
		pub := epoch.Add(time.Duration(n) * time.Hour).Add(time.Duration(i) * time.Second)
		b.WriteString("<item><title>")
		text(&b, i, n, 0, 8)
		fmt.Fprintf(&b, "</title><link>http://%s/news/%d</link><guid>http://%s/news/%d</guid><pubDate>%s</pubDate><description><![CDATA[",
			sourceAddr(i), n, sourceAddr(i), n, pub.Format(time.RFC1123Z))
		start := b.Len()
		for p := 1; b.Len()-start < itemBytes; p++ {
			b.WriteString("<p>")
			text(&b, i, n, p, 30)
			fmt.Fprintf(&b, ` <a href="/news/%d/more">more</a> <strong>update</strong></p>`, n)
		}
		b.WriteString("]]></description></item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}
