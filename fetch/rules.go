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
	re *regexp.Regexp
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
		pattern := `(?i)` + regexp.QuoteMeta(strings.Join(strings.Fields(kw), " "))
		pattern = strings.ReplaceAll(pattern, " ", `\s+`)
		if first, _ := utf8.DecodeRuneInString(kw); isWord(first) {
			pattern = `(?i)\b` + strings.TrimPrefix(pattern, `(?i)`)
		}
		if last, _ := utf8.DecodeLastRuneInString(kw); isWord(last) {
			pattern += `\b`
		}
		return rule{Rule: r, re: regexp.MustCompile(pattern)}, nil
	}
	re, err := regexp.Compile(rx)
	if err != nil {
		return rule{}, &pressfeed.FieldError{Field: ".regexp", Reason: fmt.Sprintf("%q is not a valid regular expression: %v", rx, err)}
	}
	return rule{Rule: r, re: re}, nil
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func (r rule) matches(it pressfeed.Item) bool {
	if r.Field == pressfeed.RuleAny || r.Field == pressfeed.RuleTitle {
		if r.re.MatchString(it.Title) {
			return true
		}
	}
	if r.Field == pressfeed.RuleAny || r.Field == pressfeed.RuleSummary {
		if s := plainText(it.Summary); s != "" && r.re.MatchString(s) {
			return true
		}
	}
	if r.Field == pressfeed.RuleAny || r.Field == pressfeed.RuleCategory {
		for _, c := range it.Categories {
			if r.re.MatchString(c) {
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
	for _, r := range rs.exclude {
		if r.matches(it) {
			return false, "excluded by " + r.String()
		}
	}
	if len(rs.include) > 0 {
		matched := false
		for _, r := range rs.include {
			if r.matches(it) {
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
