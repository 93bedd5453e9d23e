package fetch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/index"
)

// backoffPoller returns a poller on a settable clock with a 10-minute
// interval and jitter fixed at half its range.
func backoffPoller(db *index.DB, clock *clock) *fetch.Poller {
	opts := testOptions()
	opts.Now = clock.Now
	opts.Interval = func(pressfeed.Source) time.Duration { return 10 * time.Minute }
	opts.Rand = func() float64 { return 0.5 }
	return fetch.NewPoller(db, opts)
}

// flakyServer answers 502 until healthy is set, then a feed of one item,
// counting requests.
func flakyServer(t *testing.T) (srv *httptest.Server, requests *atomic.Int32, healthy *atomic.Bool) {
	requests, healthy = new(atomic.Int32), new(atomic.Bool)
	srv = serve(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if healthy.Load() {
			w.Write(rssWith("Back again"))
			return
		}
		http.Error(w, "down", http.StatusBadGateway)
	})
	return srv, requests, healthy
}

func TestBackoffDoublesToTheCapAndNeverGivesUp(t *testing.T) {
	srv, requests, healthy := flakyServer(t)
	db := openDB(t)
	clock := newClock()
	p := backoffPoller(db, clock)
	ctx := context.Background()
	src := source("flaky", srv.URL+"/feed")

	// Jitter 0.5 takes an eighth off: the delay is 7/8 of the doubled
	// interval, or of the 6 h cap.
	want := func(n int) time.Duration {
		d := 10 * time.Minute
		for i := 1; i < n && d < 6*time.Hour; i++ {
			d *= 2
		}
		return min(d, 6*time.Hour) * 7 / 8
	}
	for n := 1; n <= 12; n++ {
		res := p.Poll(ctx, src)
		if res.Outcome != fetch.OutcomeError {
			t.Fatalf("failure %d: outcome %s", n, res.Outcome)
		}
		st, _ := db.State(ctx, "flaky")
		if got := st.NextAttempt.Sub(clock.Now()); got != want(n) || st.ConsecutiveFailures != n {
			t.Errorf("after %d failures: next attempt in %v (failures %d), want %v", n, got, st.ConsecutiveFailures, want(n))
		}
		if n >= 2 && !strings.Contains(st.NextReason, "consecutive failures") {
			t.Errorf("reason %q does not say why", st.NextReason)
		}

		// A scheduled run before the next attempt is skipped without a request.
		before := requests.Load()
		clock.Advance(st.NextAttempt.Sub(clock.Now()) - time.Second)
		if res := p.Poll(ctx, src); res.Outcome != fetch.OutcomeSkipped || requests.Load() != before {
			t.Errorf("a poll before the next attempt: outcome %s, requests %d → %d", res.Outcome, before, requests.Load())
		}
		clock.Advance(time.Second)
	}
	st, _ := db.State(ctx, "flaky")
	if st.NextAttempt.Sub(clock.Now()) > 6*time.Hour {
		t.Errorf("backoff passed the 6 h cap: %v", st.NextAttempt.Sub(clock.Now()))
	}

	healthy.Store(true)
	if res := p.Poll(ctx, src); res.Outcome != fetch.OutcomeOK {
		t.Fatalf("after 12 failures the source was not polled: %+v", res)
	}
	st, _ = db.State(ctx, "flaky")
	if st.ConsecutiveFailures != 0 || !st.NextAttempt.IsZero() || st.NextReason != "" || st.LastError != "" {
		t.Errorf("the first success did not reset the backoff: %+v", st)
	}
}

// TestPollAnywayFetchesASourceBackingOff: a poll asked for by hand (poll
// -force) fetches a source whose next attempt is hours away; a failure
// backs off further, a success ends the backoff.
func TestPollAnywayFetchesASourceBackingOff(t *testing.T) {
	srv, requests, healthy := flakyServer(t)
	db := openDB(t)
	p := backoffPoller(db, newClock())
	ctx := context.Background()
	src := source("flaky", srv.URL+"/feed")
	for range 3 {
		p.Poll(ctx, src)
		p.PollAnyway(ctx, src) // each call fails again, so counts as a failure
	}
	if got := requests.Load(); got != 4 {
		t.Errorf("%d requests, want 4: the first Poll and every PollAnyway", got)
	}
	st, _ := db.State(ctx, "flaky")
	if st.ConsecutiveFailures != 4 || st.NextAttempt.IsZero() {
		t.Errorf("failures by hand do not back off like others: %+v", st)
	}
	if res := p.Poll(ctx, src); res.Outcome != fetch.OutcomeSkipped {
		t.Errorf("Poll while backing off: %s", res.Outcome)
	}
	healthy.Store(true)
	if res := p.PollAnyway(ctx, src); res.Outcome != fetch.OutcomeOK || res.New != 1 {
		t.Fatalf("PollAnyway while backing off: %+v", res)
	}
	if st, _ := db.State(ctx, "flaky"); st.ConsecutiveFailures != 0 || !st.NextAttempt.IsZero() {
		t.Errorf("a success by hand did not end the backoff: %+v", st)
	}
}

func TestRetryAfter(t *testing.T) {
	clock := newClock()
	now := clock.Now()
	backoff6 := 320 * time.Minute * 7 / 8 // after six failures: 10 min doubled five times, less jitter
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		failures   int // consecutive failures before this one
		want       time.Duration
		reason     string
	}{
		{"seconds", http.StatusTooManyRequests, "120", 0, 2 * time.Minute, "asked us to wait 2m0s (429 Too Many Requests)"},
		{"shorter than the backoff still applies", http.StatusTooManyRequests, "30", 5, 30 * time.Second, "asked us to wait 30s"},
		{"http date", http.StatusServiceUnavailable, now.Add(90 * time.Minute).Format(http.TimeFormat), 0, 90 * time.Minute, "asked us to wait 1h30m0s (503 Service Unavailable)"},
		{"longer than the cap is capped", http.StatusTooManyRequests, "86400", 0, 6 * time.Hour, "capped at 6h0m0s"},
		{"malformed means backoff", http.StatusTooManyRequests, "soon", 5, backoff6, "after 6 consecutive failures"},
		{"date in the past means backoff", http.StatusServiceUnavailable, now.Add(-time.Hour).Format(http.TimeFormat), 5, backoff6, "after 6 consecutive failures"},
		{"ignored on a 500", http.StatusInternalServerError, "30", 5, backoff6, "after 6 consecutive failures"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", tc.retryAfter)
				w.WriteHeader(tc.status)
			})
			db := openDB(t)
			ctx := context.Background()
			db.SaveState(ctx, "busy", pressfeed.SourceState{ConsecutiveFailures: tc.failures})
			res := backoffPoller(db, clock).Poll(ctx, source("busy", srv.URL+"/feed"))
			want := pressfeed.CatHTTPStatus
			if tc.status == http.StatusTooManyRequests {
				want = pressfeed.CatBlocked // a rate limit is a refusal, not a broken source
			}
			if category(res.Err) != want {
				t.Fatalf("outcome %s %v", res.Outcome, res.Err)
			}
			st, _ := db.State(ctx, "busy")
			if got := st.NextAttempt.Sub(now); got != tc.want {
				t.Errorf("next attempt in %v, want %v (%s)", got, tc.want, st.NextReason)
			}
			if !strings.Contains(st.NextReason, tc.reason) {
				t.Errorf("reason %q, want it to say %q", st.NextReason, tc.reason)
			}
		})
	}
}

func TestGoneIsKeptShownAndCleared(t *testing.T) {
	var gone atomic.Bool
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if gone.Load() {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.Write(rssWith("Still here"))
	})
	db := openDB(t)
	clock := newClock()
	p := backoffPoller(db, clock)
	ctx := context.Background()
	src := source("old-feed", srv.URL+"/feed")
	p.Poll(ctx, src)
	gone.Store(true)
	for i := 0; i < 3; i++ {
		clock.Advance(7 * time.Hour)
		if res := p.Poll(ctx, src); res.Outcome != fetch.OutcomeError {
			t.Fatalf("poll of a gone feed: %+v", res)
		}
		st, _ := db.State(ctx, "old-feed")
		if !st.Gone || st.NextAttempt.Sub(clock.Now()) != 6*time.Hour || !strings.Contains(st.NextReason, "gone (410)") {
			t.Errorf("gone source state: %+v", st)
		}
	}
	if got := titles(t, db, "old-feed"); len(got) != 1 {
		t.Errorf("a gone source's items: %v, want them kept", got)
	}
	gone.Store(false)
	clock.Advance(7 * time.Hour)
	p.Poll(ctx, src)
	if st, _ := db.State(ctx, "old-feed"); st.Gone {
		t.Errorf("a success did not clear gone: %+v", st)
	}
}
