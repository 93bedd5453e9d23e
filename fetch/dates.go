package fetch

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// dateLayouts are tried in order when a source gives no date_layout: the ISO
// forms of datetime attributes and meta tags, then the ways UK police and PCC
// sites write dates on their listings.
var dateLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
	"Monday, January 2, 2006",
	"Monday, January 2, 2006 15:04",
	"Monday 2 January 2006",
	"Monday 2 January 2006 15:04",
	"Monday, 2 January 2006",
	"Monday 2 January 2006 at 15:04",
	"Mon 2 Jan 2006",
	"Mon, 2 Jan 2006",
	"January 2, 2006",
	"January 2 2006",
	"2 January 2006",
	"2 January 2006 15:04",
	"2 January 2006, 15:04",
	"2 January 2006 at 15:04",
	"2 Jan 2006",
	"2 Jan 2006 15:04",
	"02/01/2006",
	"02/01/2006 15:04",
	"2/1/2006",
	"02.01.2006",
}

// ordinalRE finds the "st", "nd", "rd" and "th" of "8th May"; Go layouts
// cannot express them, so they are removed before parsing.
var ordinalRE = regexp.MustCompile(`\b(\d{1,2})(?:st|nd|rd|th)\b`)

// cleanDate prepares listing text for parsing: runs of space become one, an
// ordinal suffix goes, and a leading label such as "Published:" or "Posted
// on" is dropped.
func cleanDate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = ordinalRE.ReplaceAllString(s, "$1")
	for _, label := range []string{"published:", "published", "posted on", "posted:", "posted", "date:", "updated:"} {
		if len(s) > len(label) && strings.EqualFold(s[:len(label)], label) {
			s = strings.TrimSpace(s[len(label):])
			break
		}
	}
	return s
}

// parseDate reads a date from listing or page text. With a layout it uses
// only that layout; without one it tries dateLayouts. Text without an offset
// is read as Europe/London wall-clock time, so a summer "14:30" is 13:30 UTC
// and a winter one 14:30 UTC. It returns an error naming the text and the
// layout when nothing fits.
func parseDate(text, layout string, loc *time.Location) (time.Time, error) {
	s := cleanDate(text)
	if s == "" {
		return time.Time{}, fmt.Errorf("date is empty")
	}
	if layout != "" {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("date %q does not match layout %q", s, layout)
		}
		return firstOccurrence(t, layout, loc).UTC(), nil
	}
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return firstOccurrence(t, l, loc).UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is in no known form; set date_layout", s)
}

// firstOccurrence settles the wall-clock hour that happens twice when the
// clocks go back (01:00–02:00 on the last Sunday of October): Go leaves the
// choice unspecified, and a stable answer keeps an item's date from moving
// between polls, so it is the first, summer-time, occurrence.
func firstOccurrence(t time.Time, layout string, loc *time.Location) time.Time {
	if hasZone(layout) {
		return t // the text gave its own offset, which settles it
	}
	earlier := t.Add(-time.Hour)
	if earlier.Format(time.DateTime) == t.Format(time.DateTime) {
		return earlier
	}
	return t
}

// hasZone reports whether layout reads a zone or offset: the same wall-clock
// time formats differently in two zones only if it does.
func hasZone(layout string) bool {
	a := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	b := time.Date(2006, 1, 2, 15, 4, 5, 0, time.FixedZone("X", 3600))
	return a.Format(layout) != b.Format(layout)
}

// checkLayout reports whether layout can be a date layout: it must name at
// least a day, a month and a year. time.Parse accepts any string as a layout,
// so a typo ("Janaury 2, 2006") would otherwise match nothing, silently.
func checkLayout(layout string) error {
	probe := time.Date(2025, time.October, 26, 1, 30, 0, 0, time.UTC)
	out := probe.Format(layout)
	back, err := time.Parse(layout, out)
	if err != nil {
		return fmt.Errorf("%q is not a Go time layout: %v", layout, err)
	}
	if back.Year() != 2025 || back.Month() != time.October || back.Day() != 26 {
		return fmt.Errorf("%q does not name a day, a month and a year (write the reference time Mon Jan 2 15:04:05 2006 in the site's form, e.g. \"Monday, January 2, 2006\")", layout)
	}
	return nil
}
