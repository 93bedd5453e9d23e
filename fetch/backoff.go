package fetch

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pressfeed"
)

// retryAfter reads a Retry-After header: a number of seconds or an HTTP
// date. It returns zero for an absent, malformed or past value.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(365*24*time.Hour/time.Second) {
			secs = int64(365 * 24 * time.Hour / time.Second) // no overflow; capped later anyway
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// retryPlan decides when a failing source is tried again and says why. The
// scheduler still fires on the source's own schedule; the Poller skips
// every run before the returned time. No source is ever disabled: the delay
// is at most MaxBackoff.
//
//   - 410 Gone: MaxBackoff at once. The feed may come back, and an admin
//     decides whether to remove it.
//   - 429 or 503 with Retry-After: exactly what the server asked, capped at
//     MaxBackoff. It replaces the computed backoff in both directions: the
//     server knows better than our guess when it will answer again, and an
//     attempt after a short Retry-After is still only made at the next
//     scheduled run.
//   - anything else: the source's interval doubled for each consecutive
//     failure after the first, capped at MaxBackoff, less up to a quarter
//     at random so that sources which failed together (an outage) do not
//     retry together. After one failure the next scheduled run goes ahead.
func (p *Poller) retryPlan(src pressfeed.Source, st pressfeed.SourceState, resp *response, now time.Time) (time.Time, string) {
	max := p.opts.MaxBackoff
	if resp != nil && resp.Status == http.StatusGone {
		return now.Add(max), fmt.Sprintf("the server says the feed is gone (410); trying again every %s until an admin fixes or removes the source", max)
	}
	if resp != nil && resp.RetryAfter > 0 {
		d, capped := resp.RetryAfter, ""
		if d > max {
			d, capped = max, fmt.Sprintf(", capped at %s", max)
		}
		return now.Add(d), fmt.Sprintf("the server asked us to wait %s (%d %s)%s", resp.RetryAfter.Round(time.Second), resp.Status, http.StatusText(resp.Status), capped)
	}
	d := p.backoff(src, st.ConsecutiveFailures)
	if st.ConsecutiveFailures <= 1 {
		return now.Add(d), "retrying at the next scheduled poll after 1 failure"
	}
	return now.Add(d), fmt.Sprintf("backing off for %s after %d consecutive failures", d.Round(time.Second), st.ConsecutiveFailures)
}

// backoff is the jittered delay after n consecutive failures.
func (p *Poller) backoff(src pressfeed.Source, n int) time.Duration {
	base := p.opts.Interval(src)
	if base <= 0 {
		base = defaultInterval
	}
	max := p.opts.MaxBackoff
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	jitter := p.opts.Rand()
	if jitter < 0 || jitter >= 1 {
		jitter = 0
	}
	return d - time.Duration(float64(d)*0.25*jitter)
}

// defaultInterval is assumed for a source whose interval is unknown.
const defaultInterval = 10 * time.Minute
