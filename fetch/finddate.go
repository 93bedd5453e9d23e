package fetch

import (
	"regexp"
	"strings"
	"time"
)

// Dates in text, as UK news listings write them. Each pattern finds one
// date (with its time, when written next to it) inside longer text, so
// "Published: 09:45 20/11/2025" and "News Image Thursday, May 8, 2025 The
// force has…" both give a date.
var (
	month   = `(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`
	weekday = `(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|urday|sday)?,?\s+)?`
	clock   = `\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?`

	datePatterns = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b`),
		regexp.MustCompile(`(?i)\b` + clock + `,?\s+(?:on\s+)?\d{1,2}/\d{1,2}/\d{4}\b`),
		regexp.MustCompile(`(?i)\b\d{1,2}/\d{1,2}/\d{4}(?:,?\s+(?:at\s+)?` + clock + `)?`),
		regexp.MustCompile(`(?i)\b` + weekday + `\d{1,2}(?:st|nd|rd|th)?\s+` + month + `,?\s+\d{4}(?:,?\s+(?:at\s+)?` + clock + `)?`),
		regexp.MustCompile(`(?i)\b` + weekday + month + `\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}(?:,?\s+(?:at\s+)?` + clock + `)?`),
	}

	// textLayouts read what datePatterns find, once normalized: months
	// to their short English names, ordinals, dots and "at" gone.
	textLayouts = []string{
		"15:04 2/1/2006", "2/1/2006 15:04", "2/1/2006",
		"2 Jan 2006 15:04", "2 Jan 2006", "Jan 2 2006 15:04", "Jan 2 2006",
		"3:04pm 2/1/2006", "2/1/2006 3:04pm", "2 Jan 2006 3:04pm", "Jan 2 2006 3:04pm",
	}
	monthNames = strings.NewReplacer("sept", "sep", "tues", "tue", "thurs", "thu", "thur", "thu")
	weekdayRE  = regexp.MustCompile(`(?i)^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+`)
	fullMonth  = regexp.MustCompile(`(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?`)
	ampmRE     = regexp.MustCompile(`(?i)\s*([ap])\.?m\.?`)
)

// findDate finds the first date in text, in the forms datePatterns know,
// read as Europe/London wall-clock time unless it carries an offset. It
// reports false when text holds none.
func findDate(text string, loc *time.Location) (time.Time, bool) {
	text = ordinalRE.ReplaceAllString(strings.Join(strings.Fields(text), " "), "$1")
	best, bestAt := time.Time{}, -1
	for _, re := range datePatterns {
		loc2 := re.FindStringIndex(text)
		if loc2 == nil || (bestAt >= 0 && loc2[0] > bestAt) {
			continue
		}
		if t, ok := readFoundDate(text[loc2[0]:loc2[1]], loc); ok {
			best, bestAt = t, loc2[0]
		}
	}
	return best, bestAt >= 0
}

// readFoundDate parses one date datePatterns found.
func readFoundDate(s string, loc *time.Location) (time.Time, bool) {
	if t, err := parseDate(s, "", loc); err == nil {
		return t, true // ISO forms and the listing layouts
	}
	s = weekdayRE.ReplaceAllString(s, "")
	s = fullMonth.ReplaceAllStringFunc(s, func(m string) string {
		m = strings.ToLower(strings.TrimSuffix(m, "."))
		return strings.ToUpper(m[:1]) + m[1:3]
	})
	s = strings.NewReplacer(",", " ", " at ", " ", " on ", " ", ".", ":").Replace(s)
	s = ampmRE.ReplaceAllString(s, "${1}m")
	s = strings.ToLower(strings.Join(strings.Fields(monthNames.Replace(strings.ToLower(s))), " "))
	s = fullMonth.ReplaceAllStringFunc(s, func(m string) string { return strings.ToUpper(m[:1]) + m[1:] })
	for _, l := range textLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return firstOccurrence(t, l, loc).UTC(), true
		}
	}
	return time.Time{}, false
}
