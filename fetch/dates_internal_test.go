package fetch

import (
	"strings"
	"testing"
	"time"

	"pressfeed"
)

func TestParseDate(t *testing.T) {
	loc := pressfeed.London()
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		text, layout string
		want         time.Time
		err          string
	}{
		{"Thursday, May 8, 2025", "Monday, January 2, 2006", utc("2025-05-07T23:00:00Z"), ""}, // BST midnight
		{"Thursday, May 8, 2025", "", utc("2025-05-07T23:00:00Z"), ""},
		{"Monday, December 1, 2025", "", utc("2025-12-01T00:00:00Z"), ""}, // GMT midnight
		{"  Published:  8th   May 2025 ", "", utc("2025-05-07T23:00:00Z"), ""},
		{"2025-10-20T09:00:00+01:00", "", utc("2025-10-20T08:00:00Z"), ""},
		{"2025-09-12T16:05", "", utc("2025-09-12T15:05:00Z"), ""},
		{"2025-10-26 01:30", "", utc("2025-10-26T00:30:00Z"), ""},          // the repeated hour: first, BST
		{"2025-10-26T01:30:00+00:00", "", utc("2025-10-26T01:30:00Z"), ""}, // an explicit offset wins
		{"2025-10-26T01:30:00Z", "", utc("2025-10-26T01:30:00Z"), ""},
		{"2025-03-30 01:30", "", utc("2025-03-30T01:30:00Z"), ""}, // the skipped hour: Go normalizes forward
		{"12/03/2025", "02/01/2006", utc("2025-03-12T00:00:00Z"), ""},
		{"8 May 2025", "Monday, January 2, 2006", time.Time{}, `date "8 May 2025" does not match layout "Monday, January 2, 2006"`},
		{"Yesterday", "", time.Time{}, `date "Yesterday" is in no known form; set date_layout`},
		{"   ", "", time.Time{}, "date is empty"},
	}
	for _, tt := range tests {
		got, err := parseDate(tt.text, tt.layout, loc)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseDate(%q, %q) error %v, want %q", tt.text, tt.layout, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseDate(%q, %q) = %v, %v; want %v", tt.text, tt.layout, got, err, tt.want)
		}
	}
}

func TestCheckLayout(t *testing.T) {
	for _, ok := range []string{"Monday, January 2, 2006", "02/01/2006", "2 Jan 2006 15:04", time.RFC3339} {
		if err := checkLayout(ok); err != nil {
			t.Errorf("checkLayout(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"Janaury 2, 2006", "dd/mm/yyyy", "15:04", "January 2006"} {
		if err := checkLayout(bad); err == nil {
			t.Errorf("checkLayout(%q) accepted", bad)
		}
	}
}
