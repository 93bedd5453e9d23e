package fetch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"pressfeed"

	"github.com/mmcdole/gofeed"
)

// parseFeed parses an RSS, Atom or JSON feed document.
func parseFeed(body []byte, contentType string) (*gofeed.Feed, error) {
	feed, _, err := readFeed(body, contentType, Limits{}.withDefaults())
	return feed, err
}

// readFeed decodes body (see decodeFeed), cuts an XML feed to lim.MaxItems
// items and parses it with gofeed. It returns the feed and what decoding
// and cutting did, or an *Error: not_a_feed for an HTML page or a document
// of another kind, parse for a broken feed. A broken feed yields no feed at
// all, never part of one.
func readFeed(body []byte, contentType string, lim Limits) (*gofeed.Feed, []string, error) {
	dec, err := decodeFeed(body, contentType)
	if err != nil {
		return nil, nil, err
	}
	if dec.Format == formatXML {
		var cut bool
		if dec.Doc, cut = capXMLItems(dec.Doc, lim.MaxItems); cut {
			dec.Warnings = append(dec.Warnings, fmt.Sprintf("the feed has more than %d items; kept the first %d", lim.MaxItems, lim.MaxItems))
		}
	}
	if dec.Format == formatJSON {
		var head struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(dec.Doc, &head); err != nil {
			return nil, nil, failure(pressfeed.CatParse, err, "the JSON feed is broken: %v", err)
		}
		if head.Version == "" {
			return nil, nil, failure(pressfeed.CatNotAFeed, nil, "a JSON document, but not a JSON Feed (it has no \"version\")")
		}
	}
	feed, err := newParser().Parse(bytes.NewReader(dec.Doc))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, nil, failure(pressfeed.CatNotAFeed, err, "not an RSS, Atom or JSON feed")
		}
		return nil, nil, failure(pressfeed.CatParse, err, "the feed is broken: %v", err)
	}
	return feed, dec.Warnings, nil
}
