// Package syndicate writes the merged feed as Atom 1.0, RSS 2.0 and JSON
// Feed 1.1, and the source list as OPML. It owns its encoders because the
// common Go feed writer (github.com/gorilla/feeds) has no categories, no self
// links and no control over entry ids, and stable ids are what stop a reader
// from delivering an item twice.
package syndicate

import (
	"encoding/hex"
	"time"
)

// Feed is a format-neutral feed document.
type Feed struct {
	ID       string // Atom feed id; stable per URL
	Title    string
	Subtitle string
	SelfURL  string // this document's URL
	HomeURL  string // the web page showing the same view
	NextURL  string // the next (older) page, RFC 5005; empty on the last
	Hubs     []string
	Updated  time.Time
	Language string
	Entries  []Entry
}

// Entry is one story in a feed.
type Entry struct {
	ID         string // stable for ever; see EntryID
	Title      string
	Link       string
	Related    []Link // the same story at other publishers
	Published  time.Time
	Updated    time.Time
	Authors    []string // the publishing organisations, primary first
	Categories []Category
	Summary    string // sanitized HTML
	Content    string // sanitized HTML
	Image      string
	Source     *Origin  // the primary's own feed
	Sources    []Origin // every publisher, for the JSON Feed extension
}

// Link is a link with a title.
type Link struct {
	Href  string
	Title string
}

// Category is a tag with an optional scheme (Atom) or domain (RSS).
type Category struct {
	Term   string
	Scheme string
	Label  string
}

// Origin names a publishing source.
type Origin struct {
	ID      string // source id
	Title   string // organisation name
	FeedURL string // the source's own URL
	Link    string // the item at that source
	Kind    string
	Area    string
}

// EntryID turns a 32-hex-digit story or item key into a urn:uuid id. The
// key never changes, so neither does the id. Version and variant bits mark
// it as an RFC 9562 custom (version 8) UUID.
func EntryID(key string) string {
	b, err := hex.DecodeString(key)
	if err != nil || len(b) != 16 {
		return "urn:pressfeed:" + key
	}
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return "urn:uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
