package syndicate

import (
	"encoding/json"
	"io"

	"pressfeed"
)

type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url,omitempty"`
	FeedURL     string       `json:"feed_url"`
	Description string       `json:"description,omitempty"`
	NextURL     string       `json:"next_url,omitempty"`
	Language    string       `json:"language,omitempty"`
	Authors     []jsonAuthor `json:"authors,omitempty"`
	Hubs        []jsonHub    `json:"hubs,omitempty"`
	Ext         *jsonExt     `json:"_pressfeed,omitempty"`
	Items       []jsonItem   `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type jsonHub struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type jsonItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url,omitempty"`
	Title         string       `json:"title"`
	ContentHTML   string       `json:"content_html"`
	Summary       string       `json:"summary,omitempty"`
	Image         string       `json:"image,omitempty"`
	DatePublished string       `json:"date_published,omitempty"`
	DateModified  string       `json:"date_modified,omitempty"`
	Authors       []jsonAuthor `json:"authors,omitempty"`
	Tags          []string     `json:"tags,omitempty"`
	Ext           *jsonExt     `json:"_pressfeed,omitempty"`
}

// jsonExt is the _pressfeed extension. On an item it lists every publisher
// of the story, so a JSON client can show them without parsing the content;
// on the feed it lists the sources the view covers. JSON Feed 1.1 asks
// extensions to start with "_" and to say where they are described.
type jsonExt struct {
	About   string       `json:"about"`
	Sources []jsonOrigin `json:"sources"`
}

// extensionAbout describes the _pressfeed extension.
const extensionAbout = "https://pressfeed.invalid/docs/json-feed-extension"

func extOf(origins []Origin) *jsonExt {
	if len(origins) == 0 {
		return nil
	}
	ext := &jsonExt{About: extensionAbout}
	for _, o := range origins {
		ext.Sources = append(ext.Sources, jsonOrigin{ID: o.ID, Name: o.Title, Kind: o.Kind, Area: o.Area, URL: o.Link, FeedURL: o.FeedURL})
	}
	return ext
}

type jsonOrigin struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Kind    string `json:"kind,omitempty"`
	Area    string `json:"area,omitempty"`
	URL     string `json:"url,omitempty"`
	FeedURL string `json:"feed_url,omitempty"`
}

// WriteJSON writes f as a JSON Feed 1.1 document: next_url for paging, hubs
// for WebSub, and the _pressfeed extension naming the sources.
func WriteJSON(w io.Writer, f Feed) error {
	doc := jsonFeed{
		Version:     "https://jsonfeed.org/version/1.1",
		Title:       f.Title,
		HomePageURL: f.HomeURL,
		FeedURL:     f.SelfURL,
		Description: f.Subtitle,
		NextURL:     f.NextURL,
		Language:    f.Language,
		Authors:     []jsonAuthor{{Name: "pressfeed"}},
		Ext:         extOf(f.Sources),
		Items:       make([]jsonItem, 0, len(f.Entries)),
	}
	for _, h := range f.Hubs {
		doc.Hubs = append(doc.Hubs, jsonHub{Type: "WebSub", URL: h})
	}
	for _, e := range f.Entries {
		doc.Items = append(doc.Items, jsonItemOf(e))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

func jsonItemOf(e Entry) jsonItem {
	it := jsonItem{
		ID:           e.ID,
		URL:          e.Link,
		Title:        e.Title,
		ContentHTML:  e.Content,
		Summary:      pressfeed.PlainText(e.Summary),
		Image:        e.Image,
		DateModified: rfc3339(e.Updated),
	}
	if it.ContentHTML == "" {
		it.ContentHTML = e.Summary
	}
	if !e.Published.IsZero() {
		it.DatePublished = rfc3339(e.Published)
	}
	for _, a := range e.Authors {
		it.Authors = append(it.Authors, jsonAuthor{Name: a})
	}
	for _, c := range e.Categories {
		it.Tags = append(it.Tags, c.Term)
	}
	it.Ext = extOf(e.Sources)
	return it
}
