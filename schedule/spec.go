// Package schedule runs each enabled source's poll on its own cron schedule,
// in UTC, with bounded concurrency and never two runs of one source at once.
// It is the only package that imports robfig/cron.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse reads a five-field cron spec or a descriptor such as "@every 10m" or
// "@hourly". Schedules always run in UTC (Europe/London skips and repeats
// hours at the clock changes), so a TZ= or CRON_TZ= prefix is refused rather
// than honoured. An interval under one minute is refused: no source needs it
// and the sites we poll would rightly block us.
func Parse(spec string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("schedule is empty")
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("schedule %q: time zones are not supported, schedules run in UTC", spec)
	}
	sched, err := parseRecover(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	if every, ok := sched.(cron.ConstantDelaySchedule); ok && every.Delay < time.Minute {
		return nil, fmt.Errorf("schedule %q: interval is under one minute", spec)
	}
	return sched, nil
}

// parseRecover turns the panics cron's parser raises on some malformed specs
// into errors: admins type these, and a typo must not take the daemon down.
func parseRecover(spec string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("malformed: %v", r)
		}
	}()
	return parser.Parse(spec)
}

// Interval estimates the usual gap between two runs of a schedule, for
// backoff and staleness. It returns zero for a spec that does not parse.
func Interval(spec string) time.Duration {
	sched, err := Parse(spec)
	if err != nil {
		return 0
	}
	if every, ok := sched.(cron.ConstantDelaySchedule); ok {
		return every.Delay
	}
	t0 := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	t1 := sched.Next(t0)
	return sched.Next(t1).Sub(t1)
}
