package fetch

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"pressfeed"
)

// Automatic listing extraction finds a listing's news items with no
// selectors. It looks at every same-site link that looks like an article
// (a path below the site's root, not the page itself, not pagination or a
// feed), takes each link's card (the largest element around it that links
// to no other article), groups cards of the same shape in the same list,
// and keeps the group that best looks like the page's news: most cards,
// longer titles, dates, in the main content, and not in navigation,
// headers, footers, sidebars or "most read" boxes.

var (
	headingSel = cascadia.MustCompile("h1, h2, h3, h4, h5, h6")
	imgSel     = cascadia.MustCompile("img")
	teaserSel  = cascadia.MustCompile(`p, [class*="summary" i], [class*="excerpt" i], [class*="teaser" i], [class*="intro" i], [class*="description" i], [class*="text" i]`)

	// boxWords in a class, id, role or heading mark a box that is not the
	// news list, however many links it has.
	boxWords   = regexp.MustCompile(`(?i)(^|[^a-z])(nav|navbar|navigation|menu|megamenu|footer|site-header|masthead|sidebar|aside|breadcrumbs?|pagination|pager|paging|cookies?|consent|share|sharing|social|related|popular|most-?read|mostread|trending|tags?|tag-?cloud|skip|banner|quick-?links|utility|toolbar)([^a-z]|$)`)
	boxHeading = regexp.MustCompile(`(?i)\b(most (read|popular|viewed)|popular|trending|related|you may also|latest tweets|follow us|quick links|useful links)\b`)
	// widgetClass is a WordPress sidebar widget's class token ("widget
	// widget_recent_entries"). It is matched as a whole token: page
	// builders put "widget" inside every class of the content too
	// ("elementor-widget-container").
	widgetClass = regexp.MustCompile(`(^|\s)(widget|widget-area|widget_[a-z_]+)(\s|$)`)
	// mainWords mark the page's main content.
	mainWords = regexp.MustCompile(`(?i)(^|[^a-z])(main|content|news|articles?|posts?|results|listing|list|stories|feed|archive)([^a-z]|$)`)
	// notArticle are paths that are never a news item: pages of the list,
	// feeds, searches, categories, files.
	notArticle = regexp.MustCompile(`(?i)(/page/\d+/?$|/(feed|rss|search|tag|tags|category|categories|author|login|contact|cdn-cgi)(/|$)|\.(pdf|docx?|xlsx?|jpe?g|png|gif|svg|zip|xml|rss)$)`)
	moreText   = regexp.MustCompile(`(?i)^(read (more|the full|full)|more|continue( reading)?|find out more|full story|view|details|learn more|›|»|→)\b`)
)

// autoItem is one card of the page.
type autoItem struct {
	node *html.Node
	link string // absolute, as found
	key  string // canonical link
}

// extractAuto finds the news items of a listing page with no selectors.
// It returns an *Error of category pressfeed.CatNeedsScript for a page whose content
// is drawn by script, and of pressfeed.CatNoItems when no repeated block of article
// links is found.
func (p *Poller) extractAuto(doc *goquery.Document, pageURL *url.URL) (listing, error) {
	base := baseURL(doc, pageURL)
	cards := articleCards(doc, pageURL, base)
	if len(cards) == 0 {
		if isScriptShell(doc) {
			return listing{}, failure(pressfeed.CatNeedsScript, nil, "%s is drawn by JavaScript: the page's HTML holds no news, so only a feed, JSON-LD or the sitemap can read it", pageURL)
		}
		return listing{}, failure(pressfeed.CatNoItems, nil, "automatic listing found no article links on %s", pageURL)
	}
	group, desc := bestGroup(cards)
	if len(group) < 2 {
		return listing{}, failure(pressfeed.CatNoItems, nil, "automatic listing found no repeated block of article links on %s (%d lone links)", pageURL, len(cards))
	}
	out := listing{matched: len(group), block: desc}
	seen := map[string]bool{}
	for _, c := range group {
		if seen[c.key] {
			continue // a featured story repeated in the list
		}
		seen[c.key] = true
		it := p.autoItem(goquery.NewDocumentFromNode(c.node).Selection, c, base)
		if it.Published.IsZero() {
			out.undated++
		}
		out.items = append(out.items, it)
	}
	return out, nil
}

// articleCards returns each article link's card, in page order, one per
// card.
func articleCards(doc *goquery.Document, pageURL, base *url.URL) []autoItem {
	self := pressfeed.CanonicalURL(pageURL.String())
	links := map[*html.Node]string{} // anchor → canonical article link
	doc.FindMatcher(anyLink).Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		u := webLink(base, href)
		if u == "" || !sameSite(pageURL, u) {
			return
		}
		key := pressfeed.CanonicalURL(u)
		if key == self || !looksLikeArticle(u, pageURL) {
			return
		}
		links[a.Nodes[0]] = key
	})
	var cards []autoItem
	done := map[*html.Node]bool{}
	for _, a := range doc.FindMatcher(anyLink).Nodes {
		key, ok := links[a]
		if !ok {
			continue
		}
		card := a
		for up := a.Parent; up != nil && up.Type == html.ElementNode && up.Data != "body" && up.Data != "main"; up = up.Parent {
			if linksOtherThan(up, key, links) {
				break
			}
			card = up
		}
		if done[card] {
			continue
		}
		done[card] = true
		href, _ := attr(a, "href")
		cards = append(cards, autoItem{node: card, link: webLink(base, href), key: key})
	}
	return cards
}

// looksLikeArticle reports whether a same-site URL can be a news item: a
// path with a real segment below the root, not the list's own pages.
func looksLikeArticle(raw string, page *url.URL) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	p := strings.TrimSuffix(u.Path, "/")
	if p == "" || notArticle.MatchString(u.Path) {
		return false
	}
	q := u.Query()
	if q.Has("page") || q.Has("p") && strings.TrimSuffix(page.Path, "/") == p {
		return false
	}
	// A section page one level down ("/news", "/about") is navigation; an
	// article has a deeper path or a slug of several words.
	segs := strings.Split(strings.Trim(p, "/"), "/")
	last := segs[len(segs)-1]
	return len(segs) >= 2 || strings.Count(last, "-") >= 2 || strings.Count(last, "_") >= 2 || q.Has("p") || q.Has("id")
}

// linksOtherThan reports whether n holds an article link to another item.
func linksOtherThan(n *html.Node, key string, links map[*html.Node]string) bool {
	found := false
	var walk func(*html.Node)
	walk = func(c *html.Node) {
		for ; c != nil && !found; c = c.NextSibling {
			if k, ok := links[c]; ok && k != key {
				found = true
				return
			}
			walk(c.FirstChild)
		}
	}
	walk(n.FirstChild)
	return found
}

// bestGroup groups the cards that are alike and listed together and
// returns the group that most looks like the page's news, with a
// description of where it is.
func bestGroup(cards []autoItem) ([]autoItem, string) {
	type group struct {
		cards []autoItem
		at    *html.Node // the element holding the list
	}
	byKey := map[string]*group{}
	var order []string
	for _, c := range cards {
		parent := c.node.Parent
		at := parent
		// Cards in a grid of rows (container > row > card) are one list:
		// group them under the container when the row holds few cards.
		if gp := parent.Parent; gp != nil && gp.Type == html.ElementNode && sameShapeSiblings(parent) > 0 {
			at = gp
		}
		key := fmt.Sprintf("%p|%s|%s", at, signature(c.node), signature(parent))
		g, ok := byKey[key]
		if !ok {
			g = &group{at: at}
			byKey[key] = g
			order = append(order, key)
		}
		g.cards = append(g.cards, c)
	}
	var best *group
	bestScore := 0.0
	for _, k := range order {
		g := byKey[k]
		if s := groupScore(g.cards, g.at); s > bestScore {
			best, bestScore = g, s
		}
	}
	if best == nil {
		return nil, ""
	}
	return best.cards, fmt.Sprintf("%s > %s (%d cards)", signature(best.at), signature(best.cards[0].node), len(best.cards))
}

// sameShapeSiblings counts n's element siblings with n's signature.
func sameShapeSiblings(n *html.Node) int {
	sig, count := signature(n), 0
	for s := n.Parent.FirstChild; s != nil; s = s.NextSibling {
		if s != n && s.Type == html.ElementNode && signature(s) == sig {
			count++
		}
	}
	return count
}

// groupScore weighs a group of cards: how many, how long their link text
// (navigation links are short), how many carry a date, and where they are.
func groupScore(cards []autoItem, at *html.Node) float64 {
	if len(cards) < 2 {
		return 0
	}
	textLen, dated := 0, 0
	for _, c := range cards {
		t := len([]rune(cardTitle(goquery.NewDocumentFromNode(c.node).Selection, c.key)))
		textLen += min(t, 80)
		if _, ok := findDate(nodeText(c.node), pressfeed.London()); ok || hasTime(c.node) {
			dated++
		}
	}
	avg := float64(textLen) / float64(len(cards))
	if avg < 12 {
		return 0 // menu items, tags, page numbers
	}
	score := float64(len(cards)) * avg * (1 + float64(dated)/float64(len(cards)))
	// The walk stops below <body>: its classes describe the whole page
	// (WordPress gives it "has-main-navigation"), not a box on it.
	for n := at; n != nil && n.Type == html.ElementNode && n.Data != "body"; n = n.Parent {
		switch {
		case n.Data == "nav" || n.Data == "footer" || n.Data == "aside" || n.Data == "form" || isBox(n):
			return 0
		case n.Data == "header" && n.Parent != nil && n.Parent.Data == "body":
			return 0
		case n.Data == "main" || n.Data == "article" || hasAttrWord(n, "role", "main") || mainWords.MatchString(attrOf(n, "class")+" "+attrOf(n, "id")):
			score *= 1.5
		}
	}
	if boxHeading.MatchString(headingBefore(at)) {
		return 0
	}
	return score
}

// isBox reports whether n's class, id or role says it is navigation, a
// sidebar or another box that is not the news.
func isBox(n *html.Node) bool {
	role := attrOf(n, "role")
	if role == "navigation" || role == "banner" || role == "contentinfo" || role == "complementary" || role == "menu" {
		return true
	}
	return boxWords.MatchString(attrOf(n, "class")+" "+attrOf(n, "id")) || widgetClass.MatchString(attrOf(n, "class"))
}

// headingBefore is the text of the heading that introduces n: its first
// child heading, or the heading just before it.
func headingBefore(n *html.Node) string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			if isHeading(c) {
				return nodeText(c)
			}
			break
		}
	}
	for s := n.PrevSibling; s != nil; s = s.PrevSibling {
		if s.Type == html.ElementNode {
			if isHeading(s) {
				return nodeText(s)
			}
			return ""
		}
	}
	return ""
}

func isHeading(n *html.Node) bool {
	return len(n.Data) == 2 && n.Data[0] == 'h' && n.Data[1] >= '1' && n.Data[1] <= '6'
}

// autoItem reads one card: its title, link, date, teaser and image.
func (p *Poller) autoItem(card *goquery.Selection, c autoItem, base *url.URL) pressfeed.Item {
	it := pressfeed.Item{Title: cardTitle(card, c.key), Link: c.link}
	if raw, ok := card.FindMatcher(anyTime).First().Attr("datetime"); ok {
		if t, err := parseDate(raw, "", p.html.london); err == nil {
			it.Published = t
		}
	}
	if it.Published.IsZero() {
		if t, ok := findDate(text(card), p.html.london); ok {
			it.Published = t
		}
	}
	card.FindMatcher(teaserSel).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		t := text(s)
		if len([]rune(t)) < 25 || strings.Contains(t, it.Title) || s.FindMatcher(headingSel).Length() > 0 {
			return true
		}
		if d, ok := findDate(t, p.html.london); ok && d.Equal(it.Published) && len([]rune(t)) < 60 {
			return true // the date line
		}
		if h, err := s.Html(); err == nil {
			it.Summary = p.sanitizeHTML(h, base)
		}
		return it.Summary == ""
	})
	img := card.FindMatcher(imgSel).First()
	if raw, ok := img.Attr("src"); ok && !strings.HasPrefix(raw, "data:") {
		it.Image = webLink(base, raw)
	} else if raw, ok := img.Attr("data-src"); ok {
		it.Image = webLink(base, raw)
	}
	it.GUID = identity("", it.Link, it.Title, "")
	if it.Title == "" {
		it.Title = untitled(it)
	}
	return it
}

// cardTitle is a card's title: its heading, else the longest text of a
// link to the article that is not "Read more", else an image's alt text.
func cardTitle(card *goquery.Selection, key string) string {
	if h := text(card.FindMatcher(headingSel).First()); h != "" {
		return h
	}
	best := ""
	links := card.FindMatcher(anyLink)
	if goquery.NodeName(card) == "a" {
		links = links.AddSelection(card)
	}
	links.Each(func(_ int, a *goquery.Selection) {
		t := text(a)
		if t == "" {
			t, _ = a.Attr("title")
		}
		if len(t) > len(best) && !moreText.MatchString(t) {
			best = t
		}
	})
	if best == "" {
		best, _ = card.FindMatcher(imgSel).First().Attr("alt")
	}
	return strings.Join(strings.Fields(best), " ")
}

// isScriptShell reports whether a page's body is an empty shell for a
// script to fill: next to no text, and an app root or scripts.
func isScriptShell(doc *goquery.Document) bool {
	body := doc.Find("body").Clone()
	body.Find("script, style, noscript, template, svg").Remove()
	if len(strings.Fields(body.Text())) > 40 {
		return false
	}
	return doc.Find(`#root, #app, #__next, #__nuxt, [data-reactroot], app-root, [ng-app], [ng-version]`).Length() > 0 ||
		doc.Find("script[src]").Length() > 0 || strings.Contains(strings.ToLower(doc.Find("noscript").Text()), "javascript")
}

// signature is an element's tag and first class, digits dropped: cards of
// one list share it ("post-12 category-news" and "post-13 category-crime"
// are both "article.post-"), whatever else their classes say.
func signature(n *html.Node) string {
	if n == nil || n.Type != html.ElementNode {
		return ""
	}
	classes := strings.Fields(attrOf(n, "class"))
	if len(classes) == 0 {
		return n.Data
	}
	return n.Data + "." + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, classes[0])
}

func attrOf(n *html.Node, name string) string {
	v, _ := attr(n, name)
	return v
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func hasAttrWord(n *html.Node, name, word string) bool {
	return strings.EqualFold(strings.TrimSpace(attrOf(n, name)), word)
}

func hasTime(n *html.Node) bool {
	return goquery.NewDocumentFromNode(n).FindMatcher(anyTime).Length() > 0
}

// nodeText is an element's text, white space collapsed.
func nodeText(n *html.Node) string {
	return text(goquery.NewDocumentFromNode(n).Selection)
}

// slugTitle makes a readable title from the last segment of a URL's path,
// for items whose source gives no title (a sitemap's): "man-charged-after-
// burglary" becomes "Man charged after burglary".
func slugTitle(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	last := path.Base(strings.TrimSuffix(u.Path, "/"))
	last = strings.TrimSuffix(last, path.Ext(last))
	words := strings.FieldsFunc(last, func(r rune) bool { return r == '-' || r == '_' || r == '+' })
	if len(words) == 0 {
		return ""
	}
	s := strings.Join(words, " ")
	return strings.ToUpper(s[:1]) + s[1:]
}
