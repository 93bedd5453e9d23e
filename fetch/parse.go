package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"mime"

	"github.com/mmcdole/gofeed"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// looksLikeHTML reports whether a response is an HTML page (an error page, a
// bot challenge, a site's home page) rather than a feed. gofeed would only
// say "failed to detect feed type", which tells an admin nothing.
func looksLikeHTML(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/html" || mt == "application/xhtml+xml" {
		return !looksLikeFeed(body)
	}
	head := bytes.ToLower(bytes.TrimSpace(bytes.TrimPrefix(body, utf8BOM)))
	if len(head) > 512 {
		head = head[:512]
	}
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// looksLikeFeed reports whether body starts like a feed document, for
// servers that label their feed text/html.
func looksLikeFeed(body []byte) bool {
	head := body
	if len(head) > 4096 {
		head = head[:4096]
	}
	for _, root := range [][]byte{[]byte("<rss"), []byte("<feed"), []byte("<rdf:RDF"), []byte(`"version":`)} {
		if bytes.Contains(head, root) {
			return true
		}
	}
	return false
}

// parseFeed parses an RSS, Atom or JSON feed document.
func parseFeed(body []byte, contentType string) (*gofeed.Feed, error) {
	if looksLikeHTML(contentType, body) {
		return nil, &Error{Category: CatNotAFeed, Err: fmt.Errorf("got an HTML page, not a feed (Content-Type %q)", contentType)}
	}
	body = bytes.TrimPrefix(body, utf8BOM)
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, &Error{Category: CatNotAFeed, Err: fmt.Errorf("not an RSS, Atom or JSON feed: %w", err)}
		}
		return nil, &Error{Category: CatParse, Err: fmt.Errorf("parse feed: %w", err)}
	}
	return feed, nil
}
