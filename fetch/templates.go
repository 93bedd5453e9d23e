package fetch

import (
	"pressfeed"
)

// template is a listing layout known from a platform's public pages: the
// selectors that read its items, tried on any page their item selector
// matches.
type template struct {
	name string // the platform's name, as in "template:single-online-home"
	spec pressfeed.HTMLSpec
}

// templates are the known listing layouts, most distinctive first.
//
// Single Online Home (the police platform of Merseyside, GMP, Cheshire and
// North Wales, among others) lists news as a.c-news-panel cards with an h3
// .c-news-panel_title, a .c-news-panel_text teaser and a
// .c-news-panel_status reading "Published: 09:45 20/11/2025" (24-hour
// time, then day/month/year), on /news/{area}/news/ and
// /news/news-search/?ct=News. The WordPress, Drupal and GOV.UK layouts are
// those platforms' default archive markup.
var templates = []template{
	{name: PlatformSOH, spec: pressfeed.HTMLSpec{
		Item: "a.c-news-panel", Title: ".c-news-panel_title", Summary: ".c-news-panel_text",
		Date: ".c-news-panel_status", DateLayout: "15:04 02/01/2006", Image: "img",
	}},
	{name: PlatformWordPress, spec: pressfeed.HTMLSpec{
		Item: "article.type-post, article.post", Title: ".entry-title", Link: ".entry-title a, a[rel=bookmark]",
		Date: "time.entry-date[datetime], time[datetime]", DateAttr: "datetime",
		Summary: ".entry-summary, .entry-content p", Image: "img",
	}},
	{name: PlatformDrupal, spec: pressfeed.HTMLSpec{
		Item: ".view-content .views-row", Title: ".views-field-title, h2, h3", Link: ".views-field-title a, h2 a, h3 a",
		Summary: ".views-field-body, .field--name-body, p", Image: "img",
	}},
	{name: PlatformGovUK, spec: pressfeed.HTMLSpec{
		Item: "li.gem-c-document-list__item", Title: ".gem-c-document-list__item-title", Link: "a",
		Date: "time[datetime]", DateAttr: "datetime", Summary: ".gem-c-document-list__item-description",
	}},
}

// Templates lists the names a pin may use after "template:".
func Templates() []string {
	out := make([]string, len(templates))
	for i, t := range templates {
		out[i] = t.name
	}
	return out
}

func templateNamed(name string) (template, bool) {
	for _, t := range templates {
		if t.name == name {
			return t, true
		}
	}
	return template{}, false
}

// PinChoices lists every value a source's pin may take: each strategy kind,
// then each platform and template by name.
func PinChoices() []string {
	out := append([]string(nil), pressfeed.StrategyKinds...)
	for _, p := range Platforms {
		out = append(out, pressfeed.StrategyPlatform+":"+p)
	}
	for _, t := range Templates() {
		out = append(out, pressfeed.StrategyTemplate+":"+t)
	}
	return out
}
