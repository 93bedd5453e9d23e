package fetch

import (
	"testing"
	"time"

	"pressfeed"
)

func TestFindDateForms(t *testing.T) {
	loc := pressfeed.London()
	for _, tc := range []struct{ in, want string }{
		{"Published: 09:45 20/11/2025", "2025-11-20T09:45:00Z"},
		{"News Image Thursday, May 8, 2025 The force has charged", "2025-05-07T23:00:00Z"},
		{"September 02, 2022", "2022-09-01T23:00:00Z"},
		{"Posted on 20 November 2025", "2025-11-20T00:00:00Z"},
		{"20th Nov 2025", "2025-11-20T00:00:00Z"},
		{"20/11/2025", "2025-11-20T00:00:00Z"},
		{"Wed 3 Sept 2025 at 2.30pm", "2025-09-03T13:30:00Z"},
		{"2025-11-20T09:45:00+00:00", "2025-11-20T09:45:00Z"},
		{"Monday 1st December 2025, 14:05", "2025-12-01T14:05:00Z"},
	} {
		got, ok := findDate(tc.in, loc)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if !ok || !got.Equal(want) {
			t.Errorf("findDate(%q) = %v %v, want %v", tc.in, got, ok, want)
		}
	}
	if _, ok := findDate("Call 101 quoting log 123 of 4 May", loc); ok {
		t.Error("found a date in text with none")
	}
}
