package pressfeed

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HTMLSpec says how to read a news listing page that has no feed: CSS
// selectors for each item and its parts, and how to read its date. Every
// selector but Item is applied inside one item element.
type HTMLSpec struct {
	Item       string `json:"item"`                  // one element per news item; required
	Title      string `json:"title,omitempty"`       // the title's element; empty means the link's text
	Link       string `json:"link,omitempty"`        // the link's element; empty means the first a[href]
	LinkAttr   string `json:"link_attr,omitempty"`   // the attribute holding the URL; empty means href
	Date       string `json:"date,omitempty"`        // the date's element; empty means no date on the listing
	DateAttr   string `json:"date_attr,omitempty"`   // read the date from this attribute (e.g. datetime), not the text
	DateLayout string `json:"date_layout,omitempty"` // a Go time layout; empty tries ISO 8601 and common UK forms
	Summary    string `json:"summary,omitempty"`     // the teaser's element
	Image      string `json:"image,omitempty"`       // the image's element
	ImageAttr  string `json:"image_attr,omitempty"`  // the attribute holding the image URL; empty means src
	// Follow is how many new items' own pages a poll may fetch for their
	// published time and summary when the listing lacks them; 0 fetches none.
	Follow int `json:"follow,omitempty"`
}

// MaxFollow is the most item pages one poll of one source may fetch.
const MaxFollow = 50

// Rule fields: which text of an item a rule looks at.
const (
	RuleAny      = ""         // title, summary and categories
	RuleTitle    = "title"    // the title only
	RuleSummary  = "summary"  // the summary's text only
	RuleCategory = "category" // any one category
)

// Rule matches an item by a keyword or a regular expression. A keyword
// matches whole words, ignoring case ("test appeal" matches "Test Appeal:
// ignore" but not "contestappeal"); a regular expression uses Go's RE2 syntax
// and is case-sensitive unless it starts with (?i). Exactly one of Keyword and
// Regexp is set.
type Rule struct {
	Field   string `json:"field,omitempty"` // RuleAny, RuleTitle, RuleSummary or RuleCategory
	Keyword string `json:"keyword,omitempty"`
	Regexp  string `json:"regexp,omitempty"`
}

func (r Rule) String() string {
	what := fmt.Sprintf("keyword %q", r.Keyword)
	if r.Regexp != "" {
		what = fmt.Sprintf("regexp %q", r.Regexp)
	}
	if r.Field != RuleAny {
		what += " in " + r.Field
	}
	return what
}

// ParseMaxAge reads a source's max_age: a whole number of days ("14d") or a
// Go duration ("36h", "90m"). The empty string is zero, meaning no limit. It
// returns an error saying what is wrong for anything else, including a
// negative or zero age.
func ParseMaxAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number of days like \"14d\" or a duration like \"36h\"", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a number of days like \"14d\" or a duration like \"36h\"", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be more than zero", s)
	}
	return d, nil
}
