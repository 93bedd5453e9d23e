package fetch

import (
	"encoding/json"
	"html"
	"net/url"
	"strconv"
	"time"

	"pressfeed"
)

// wpPost is the part of a WordPress REST API post (/wp-json/wp/v2/posts)
// an item needs.
type wpPost struct {
	ID      int64  `json:"id"`
	DateGMT string `json:"date_gmt"`
	Link    string `json:"link"`
	Title   struct {
		Rendered string `json:"rendered"`
	} `json:"title"`
	Excerpt struct {
		Rendered string `json:"rendered"`
	} `json:"excerpt"`
}

// readWPPosts turns a WordPress REST API posts list into items. Each item's
// identity is the guid WordPress gives the same post in its RSS feed
// ("https://site/?p=123"), so a source that moves between the two keeps its
// items. It returns an *Error of category not_a_feed for anything but a
// JSON array of posts.
func (p *Poller) readWPPosts(body []byte, base *url.URL) ([]pressfeed.Item, error) {
	var posts []wpPost
	if err := json.Unmarshal(body, &posts); err != nil {
		return nil, failure(pressfeed.CatNotAFeed, err, "not a WordPress posts list: %v", err)
	}
	lim := p.opts.Limits
	if len(posts) > lim.MaxItems {
		posts = posts[:lim.MaxItems]
	}
	items := make([]pressfeed.Item, 0, len(posts))
	for _, wp := range posts {
		it := pressfeed.Item{
			Title:   plainText(html.UnescapeString(wp.Title.Rendered)),
			Link:    webLink(base, wp.Link),
			Summary: p.sanitizeHTML(wp.Excerpt.Rendered, base),
		}
		if t, err := time.Parse("2006-01-02T15:04:05", wp.DateGMT); err == nil {
			it.Published = t.UTC()
		}
		guid := ""
		if wp.ID > 0 {
			guid = base.Scheme + "://" + base.Host + "/?p=" + strconv.FormatInt(wp.ID, 10)
		}
		it.GUID = identity(guid, it.Link, it.Title, wp.DateGMT)
		if it.Title == "" {
			it.Title = untitled(it)
		}
		if it.Link == "" && it.Title == "" {
			continue
		}
		items = append(items, it)
	}
	if len(items) == 0 && len(posts) > 0 {
		return nil, failure(pressfeed.CatNotAFeed, nil, "the WordPress posts list has %d entries but none with a title or a link", len(posts))
	}
	return items, nil
}
