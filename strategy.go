package pressfeed

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// A strategy is one way into a source's news. A source of type "auto" has an
// ordered list of them, worked out from its definition and from what its
// site turns out to be; the first that yields items is used and remembered
// until it stops working. Strategy ids are a kind, or a kind and a name
// ("platform:wordpress", "template:single-online-home").
const (
	StrategyFeed      = "feed"       // a feed URL the source declares (or its URL turns out to be a feed)
	StrategyDiscover  = "discovered" // a feed the listing or home page links with <link rel="alternate">
	StrategyPlatform  = "platform"   // a feed at the well-known path of the site's platform (WordPress /feed/, …)
	StrategySelectors = "selectors"  // the source's own [source.html] selectors on its listing page
	StrategyTemplate  = "template"   // a listing template known for the site's platform
	StrategyAuto      = "auto"       // automatic listing extraction: the page's repeated block of article links
	StrategyJSONLD    = "jsonld"     // JSON-LD ItemList or articles on the listing page
	StrategySitemap   = "sitemap"    // the site's sitemap, newest first, as a last resort
)

// StrategyPage is not a strategy but the news page every page strategy
// reads: an attempt under this id says the page itself could not be read.
const StrategyPage = "page"

// StrategyKinds lists the kinds in the order a resolution tries them.
var StrategyKinds = []string{StrategyFeed, StrategyDiscover, StrategyPlatform, StrategySelectors,
	StrategyTemplate, StrategyAuto, StrategyJSONLD, StrategySitemap}

// StrategyKind returns the kind part of a strategy id: "platform" for
// "platform:wordpress".
func StrategyKind(id string) string {
	kind, _, _ := strings.Cut(id, ":")
	return kind
}

// PinMatches reports whether the strategy id is allowed by pin: an empty
// pin allows every strategy, a kind ("platform") every strategy of that
// kind, a full id only itself.
func PinMatches(pin, id string) bool {
	if pin == "" {
		return true
	}
	if strings.Contains(pin, ":") {
		return pin == id
	}
	return pin == StrategyKind(id)
}

// checkPin reports why pin cannot name a strategy, or nil. Names after the
// colon are checked by the fetch package, which knows the platforms and
// templates.
func checkPin(pin string) error {
	kind, name, hasName := strings.Cut(pin, ":")
	known := false
	for _, k := range StrategyKinds {
		known = known || k == kind
	}
	switch {
	case !known:
		return fmt.Errorf("%q is not a strategy: one of %s, or platform:NAME, template:NAME", pin, strings.Join(StrategyKinds, ", "))
	case hasName && kind != StrategyPlatform && kind != StrategyTemplate:
		return fmt.Errorf("%q: only platform and template strategies take a name", pin)
	case hasName && name == "":
		return fmt.Errorf("%q names no %s", pin, kind)
	}
	return nil
}

// Attempt is what one strategy found when a source was last resolved.
type Attempt struct {
	Strategy string        `json:"strategy"`           // its id
	URL      string        `json:"url,omitempty"`      // what it read
	Items    int           `json:"items"`              // items it found
	Category ErrorCategory `json:"category,omitempty"` // why it failed, as a category; empty when it found items
	Note     string        `json:"note"`               // what happened, in words: "answered 404", "12 items"
}

// String is the attempt as one phrase of a resolution summary.
func (a Attempt) String() string {
	return StrategyLabel(a.Strategy) + ": " + a.Note
}

// StrategyLabel names a strategy id for a person: "WordPress feed",
// "automatic listing".
func StrategyLabel(id string) string {
	kind, name, _ := strings.Cut(id, ":")
	switch kind {
	case StrategyFeed:
		return "declared feed"
	case StrategyDiscover:
		return "linked feed"
	case StrategyPlatform:
		if name == "" {
			return "platform feed"
		}
		return PlatformName(name) + " feed"
	case StrategySelectors:
		return "the source's selectors"
	case StrategyTemplate:
		if name == "" {
			return "listing template"
		}
		return PlatformName(name) + " listing template"
	case StrategyAuto:
		return "automatic listing"
	case StrategyJSONLD:
		return "JSON-LD on the page"
	case StrategySitemap:
		return "sitemap"
	case StrategyPage:
		return "news page"
	}
	return id
}

// platformNames are the platforms' names as people write them.
var platformNames = map[string]string{
	"wordpress":          "WordPress",
	"wordpress-json":     "WordPress JSON API",
	"drupal":             "Drupal",
	"jadu":               "Jadu",
	"single-online-home": "Single Online Home",
	"umbraco":            "Umbraco",
	"govuk":              "GOV.UK-style",
}

// PlatformName returns a platform's name as people write it, or name itself.
func PlatformName(name string) string {
	if n, ok := platformNames[name]; ok {
		return n
	}
	return name
}

// Resolution is what a source's strategies found the last time they were
// tried in order, and which one is in use.
type Resolution struct {
	Strategy string    `json:"strategy,omitempty"` // the id in use; empty before the first success
	URL      string    `json:"url,omitempty"`      // what it reads
	At       time.Time `json:"at,omitzero"`        // when the strategies were last tried
	Attempts []Attempt `json:"attempts,omitempty"` // each strategy tried, in order, the one in use last
	// For identifies the definition the strategies were tried for (see
	// Source.StrategyKey): an edit to the URL, feeds, selectors or pin makes
	// the source try them again.
	For string `json:"for,omitempty"`
	// Yielded is how many items the strategy in use found the last time it
	// found any: a page that used to have items and now has none makes the
	// source try its strategies again.
	Yielded int `json:"yielded,omitempty"`
}

// Summary says in one line why the strategy in use is the one: "no feed
// linked from the page; WordPress feed: answered 404; automatic listing: 12
// items". It is empty before the first resolution.
func (r Resolution) Summary() string {
	parts := make([]string, len(r.Attempts))
	for i, a := range r.Attempts {
		parts[i] = a.String()
	}
	return strings.Join(parts, "; ")
}

// StrategyKey identifies the parts of a source's definition its strategies
// depend on: its URL, declared feeds, selectors, pin and robots setting.
func (s Source) StrategyKey() string {
	b, _ := json.Marshal(struct {
		URL    string
		Feeds  []string
		HTML   *HTMLSpec
		Pin    string
		Robots bool
	}{s.URL, s.Feeds, s.HTML, s.Pin, s.IgnoreRobots}) // cannot fail: strings, a list and a struct of strings
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
