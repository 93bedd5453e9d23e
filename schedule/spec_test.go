package schedule_test

import (
	"testing"
	"time"

	"pressfeed/schedule"
)

func TestParse(t *testing.T) {
	good := map[string]time.Duration{
		"@every 10m":   10 * time.Minute,
		"*/15 * * * *": 15 * time.Minute,
		"@hourly":      time.Hour,
		"0 7 * * *":    24 * time.Hour,
	}
	for spec, want := range good {
		if _, err := schedule.Parse(spec); err != nil {
			t.Errorf("Parse(%q): %v", spec, err)
		}
		if got := schedule.Interval(spec); got != want {
			t.Errorf("Interval(%q) = %v, want %v", spec, got, want)
		}
	}
	for _, spec := range []string{"", "TZ=0", "CRON_TZ=Europe/London 0 7 * * *", "@every", "@every 30s", "* * *", "61 * * * *", "@fortnightly", "TZ=", "0 0 * * * * *"} {
		if _, err := schedule.Parse(spec); err == nil {
			t.Errorf("Parse(%q) accepted a bad spec", spec)
		}
	}
}
