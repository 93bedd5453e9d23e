package fetch

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"pressfeed"
)

// Rules is a source's compiled include and exclude rules and its maximum
// age. The zero value keeps everything.
type Rules struct {
	include, exclude []rule
	maxAge           time.Duration
	readsSummary     bool // an include rule looks at the summary
}

type rule struct {
	pressfeed.Rule
	re *regexp.Regexp // a regexp rule
	kw string         // a keyword rule: lower case, single spaces
}

// CompileRules compiles src's include and exclude rules and max_age. It
// returns a pressfeed.ValidationError naming each bad entry (field
// "include[2].regexp", "max_age", …), or nil.
func CompileRules(src pressfeed.Source) (*Rules, error) {
	var errs pressfeed.ValidationError
	rs := &Rules{}
	var err error
	if rs.maxAge, err = pressfeed.ParseMaxAge(src.MaxAge); err != nil {
		errs = append(errs, pressfeed.FieldError{Field: "max_age", Reason: err.Error()})
	}
	compile := func(kind string, in []pressfeed.Rule) []rule {
		var out []rule
		for i, r := range in {
			field := fmt.Sprintf("%s[%d]", kind, i+1)
			cr, ferr := compileRule(r)
			if ferr != nil {
				ferr.Field = field + ferr.Field
				errs = append(errs, *ferr)
				continue
			}
			out = append(out, cr)
		}
		return out
	}
	rs.include = compile("include", src.Include)
	rs.exclude = compile("exclude", src.Exclude)
	for _, r := range rs.include {
		if r.Field == pressfeed.RuleAny || r.Field == pressfeed.RuleSummary {
			rs.readsSummary = true
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return rs, nil
}

func compileRule(r pressfeed.Rule) (rule, *pressfeed.FieldError) {
	switch r.Field {
	case pressfeed.RuleAny, pressfeed.RuleTitle, pressfeed.RuleSummary, pressfeed.RuleCategory:
	default:
		return rule{}, &pressfeed.FieldError{Field: ".field", Reason: fmt.Sprintf("%q is not one of title, summary, category (or empty for all three)", r.Field)}
	}
	kw, rx := strings.TrimSpace(r.Keyword), r.Regexp
	switch {
	case kw == "" && rx == "":
		return rule{}, &pressfeed.FieldError{Field: "", Reason: "needs a keyword or a regexp"}
	case kw != "" && rx != "":
		return rule{}, &pressfeed.FieldError{Field: "", Reason: "has both a keyword and a regexp; give one"}
	case kw != "":
		return rule{Rule: r, kw: fold(kw)}, nil
	}
	re, err := regexp.Compile(rx)
	if err != nil {
		return rule{}, &pressfeed.FieldError{Field: ".regexp", Reason: fmt.Sprintf("%q is not a valid regular expression: %v", rx, err)}
	}
	return rule{Rule: r, re: re}, nil
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// fold lower-cases s and collapses its white space, so keywords match
// across case and line breaks.
func fold(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// itemText is the text of an item the rules look at, made once per item: the
// summary's tags are stripped once, not once per rule, and keyword rules
// compare folded copies.
type itemText struct {
	title, summary, ftitle, fsummary string
	categories, fcategories          []string
}

func textOf(it pressfeed.Item) itemText {
	t := itemText{title: it.Title, summary: plainText(it.Summary), categories: it.Categories}
	t.ftitle, t.fsummary = fold(t.title), fold(t.summary)
	for _, c := range it.Categories {
		t.fcategories = append(t.fcategories, fold(c))
	}
	return t
}

// match reports whether the rule matches one field, given as is and folded.
func (r rule) match(text, folded string) bool {
	if r.re != nil {
		return r.re.MatchString(text)
	}
	return containsWord(folded, r.kw)
}

// containsWord reports whether kw occurs in s as whole words: not preceded
// or followed by a letter or digit where kw itself starts or ends with one.
// A keyword is matched this way rather than as a \b regexp, which Go runs on
// its slow backtracker: rules run on every item of every poll.
func containsWord(s, kw string) bool {
	first, _ := utf8.DecodeRuneInString(kw)
	last, _ := utf8.DecodeLastRuneInString(kw)
	for from := 0; ; {
		i := strings.Index(s[from:], kw)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(kw)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (start == 0 || !isWord(first) || !isWord(before)) && (end == len(s) || !isWord(last) || !isWord(after)) {
			return true
		}
		from = start + 1
	}
}

func (r rule) matches(t itemText) bool {
	if r.Field == pressfeed.RuleAny || r.Field == pressfeed.RuleTitle {
		if r.match(t.title, t.ftitle) {
			return true
		}
	}
	if r.Field == pressfeed.RuleAny || r.Field == pressfeed.RuleSummary {
		if t.summary != "" && r.match(t.summary, t.fsummary) {
			return true
		}
	}
	if r.Field == pressfeed.RuleAny || r.Field == pressfeed.RuleCategory {
		for i, c := range t.categories {
			if r.match(c, t.fcategories[i]) {
				return true
			}
		}
	}
	return false
}

// Keep reports whether it passes the rules at now, and if not, why. An item
// with no date is never dropped for its age: nothing says it is old.
//
// With partial set, the item may yet gain a summary and a date from its own
// page (follow), so an item that only fails for want of them is kept for now;
// the rules run again on the complete item.
func (rs *Rules) Keep(it pressfeed.Item, now time.Time, partial bool) (bool, string) {
	if rs == nil {
		return true, ""
	}
	var t itemText
	if len(rs.exclude)+len(rs.include) > 0 {
		t = textOf(it)
	}
	for _, r := range rs.exclude {
		if r.matches(t) {
			return false, "excluded by " + r.String()
		}
	}
	if len(rs.include) > 0 {
		matched := false
		for _, r := range rs.include {
			if r.matches(t) {
				matched = true
				break
			}
		}
		if !matched && !(partial && it.Summary == "" && rs.readsSummary) {
			return false, "matches no include rule"
		}
	}
	if rs.maxAge > 0 && !it.Published.IsZero() && it.Published.Before(now.Add(-rs.maxAge)) {
		return false, fmt.Sprintf("published %s, older than max_age", it.Published.Format("2006-01-02"))
	}
	return true, ""
}

// Dropped is an item the rules removed, and why.
type Dropped struct {
	Item   pressfeed.Item `json:"item"`
	Reason string         `json:"reason"`
}

// filter returns the items rs keeps and those it drops.
func (rs *Rules) filter(items []pressfeed.Item, now time.Time, partial bool) (kept []pressfeed.Item, dropped []Dropped) {
	kept = items[:0:0]
	for _, it := range items {
		if ok, why := rs.Keep(it, now, partial); ok {
			kept = append(kept, it)
		} else {
			dropped = append(dropped, Dropped{Item: it, Reason: why})
		}
	}
	return kept, dropped
}
