// Package syndicate writes the merged feed as Atom 1.0 (RFC 4287), RSS 2.0
// and JSON Feed 1.1, and the source list as OPML 2.0.
//
// It owns its encoders rather than using github.com/gorilla/feeds, the
// common Go feed writer, because that library's Item has no categories, one
// author and one link, and its Feed has one link: there is no way to say
// which organisations published a story, to give a self, next or hub link,
// or to add a related link per cross-posting publisher. RSS and JSON Feed
// are encoding/xml and encoding/json over structs that mirror each format;
// Atom, the feed most readers take, is written by hand (xmlWriter), byte
// for byte what encoding/xml wrote, escapes included, at a sixth of the
// cost. Output is a pure function of the Feed: equal feeds give equal
// bytes, which is what makes strong ETags possible.
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
	SelfURL  string   // this document's URL
	HomeURL  string   // the web page showing the same view
	NextURL  string   // the next (older) page, RFC 5005; empty on the last
	FirstURL string   // the first (newest) page, RFC 5005; empty when not paged
	Hubs     []string // WebSub hubs that are told when this feed changes
	Updated  time.Time
	Language string
	Version  string   // the generator's version
	Sources  []Origin // the sources this view covers, for the JSON Feed extension
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
