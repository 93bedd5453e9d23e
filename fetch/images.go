package fetch

import (
	"fmt"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html"
)

// newParser returns a gofeed parser whose RSS items get the images gofeed's
// own translator gives them, found more cheaply. gofeed looks for an item's
// image in its HTML when the feed names none, and to do so builds a whole
// HTML tree of the item's content and then its description: a fifth of a
// poll's CPU on a feed of long descriptions. rssTranslator builds a tree only
// for HTML that can hold an image.
func newParser() *gofeed.Parser {
	p := gofeed.NewParser()
	p.RSSTranslator = rssTranslator{}
	return p
}

// rssTranslator is gofeed's RSS translator with its HTML image scan done by
// firstImage.
type rssTranslator struct{}

// Translate translates an *rss.Feed as gofeed.DefaultRSSTranslator does.
func (rssTranslator) Translate(feed interface{}) (*gofeed.Feed, error) {
	rf, ok := feed.(*rss.Feed)
	if !ok {
		return nil, fmt.Errorf("translate RSS: got a %T, not an *rss.Feed", feed)
	}
	out, err := (&gofeed.DefaultRSSTranslator{DisableContentImageScan: true}).Translate(rf)
	if err != nil {
		return nil, err
	}
	if out.Image == nil {
		out.Image = firstImage(rf.Description)
	}
	for i, it := range out.Items { // one for each of rf.Items, in order
		if it.Image != nil {
			continue
		}
		if it.Image = firstImage(rf.Items[i].Content); it.Image == nil {
			it.Image = firstImage(rf.Items[i].Description)
		}
	}
	return out, nil
}

// firstImage is the src of the first <img> with one in an HTML document, as
// gofeed finds it: an element the HTML parser names img, which only a tag
// spelled <img or <image (in any case) can make.
func firstImage(doc string) *gofeed.Image {
	if !containsFold(doc, "<im") {
		return nil
	}
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return nil
	}
	var walk func(n *html.Node) *gofeed.Image
	walk = func(n *html.Node) *gofeed.Image {
		if n.Type == html.ElementNode && n.Data == "img" {
			for _, a := range n.Attr {
				if a.Key == "src" {
					return &gofeed.Image{URL: a.Val}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if img := walk(c); img != nil {
				return img
			}
		}
		return nil
	}
	return walk(root)
}

// containsFold reports whether s contains the lower-case ASCII substr in
// any case.
func containsFold(s, substr string) bool {
	for i := 0; ; {
		j := strings.IndexByte(s[i:], substr[0])
		if j < 0 {
			return false
		}
		i += j
		if len(s)-i < len(substr) {
			return false
		}
		if strings.EqualFold(s[i:i+len(substr)], substr) {
			return true
		}
		i++
	}
}
