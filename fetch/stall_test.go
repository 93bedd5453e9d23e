package fetch_test

import (
	"context"
	"net/http"
	"pressfeed"
	"strings"
	"testing"
	"time"

	"pressfeed/fetch"
	"pressfeed/internal/faults"
)

// stallPoller is a poller whose whole-fetch deadline is far off and whose
// stall window is short, so only the stall watch can end a silent fetch.
func stallPoller(t *testing.T) *fetch.Poller {
	opts := testOptions()
	opts.Timeout = time.Minute
	opts.StallTimeout = 300 * time.Millisecond
	return fetch.NewPoller(openDB(t), opts)
}

// TestStalledServersAreGivenUpOnEarly checks that a server which goes
// silent — before its headers, after them, or in the middle of the body —
// or drips a byte now and then is given up on after the stall window, with
// a sentence saying which, instead of holding its host for the whole
// deadline; and that a slow but steady server is not.
func TestStalledServersAreGivenUpOnEarly(t *testing.T) {
	body := rssWith(strings.Repeat("A long title for a slow feed ", 800))
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string // in the error; "" means the poll succeeds
	}{
		{"no answer", faults.Hang, "sent no answer for 300ms"},
		{"headers then silence", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, "sent headers, then nothing for 300ms"},
		{"silence mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(body[:4096])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, "stopped sending after 4 KiB, and nothing more came for 300ms"},
		{"drip", faults.Drip(20 * time.Millisecond), "sent only"},
		{"redirect to silence", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/feed" {
				http.Redirect(w, r, "/hung", http.StatusFound)
				return
			}
			<-r.Context().Done()
		}, "sent no answer for 300ms"},
		{"slow but steady", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			for rest := body; len(rest) > 0; {
				n := min(2048, len(rest))
				w.Write(rest[:n])
				w.(http.Flusher).Flush()
				rest = rest[n:]
				time.Sleep(100 * time.Millisecond) // well over a second in all
			}
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := serve(t, c.handler)
			res := stallPoller(t).Poll(context.Background(), source("s", srv.URL+"/feed"))
			if c.want == "" {
				if res.Outcome != fetch.OutcomeOK {
					t.Fatalf("a steady server: %s %v, want ok", res.Outcome, res.Err)
				}
				return
			}
			if res.Outcome != fetch.OutcomeError || category(res.Err) != pressfeed.CatTimeout || !strings.Contains(res.Err.Error(), c.want) {
				t.Fatalf("%s %v, want a timeout saying %q", res.Outcome, res.Err, c.want)
			}
		})
	}
}

// TestWaitingForARedirectsHostIsNotAStall checks that time spent waiting
// for the politeness turn of the host a redirect leads to — our own wait,
// not the server's silence — does not count against the stall window.
func TestWaitingForARedirectsHostIsNotAStall(t *testing.T) {
	holding := make(chan struct{})
	busy := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		if r.URL.Path == "/moved" {
			w.Write(rssWith("Reached after the wait"))
			return
		}
		close(holding)
		// Steady for well over the stall window: holds the host's turn.
		for range 12 {
			w.Write([]byte(strings.Repeat(" ", 2048)))
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
		w.Write(rssWith("The busy feed")[len(`<?xml version="1.0" encoding="UTF-8"?>`):])
	})
	redirector := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, busy.URL+"/moved", http.StatusFound)
	})
	p := stallPoller(t)
	done := make(chan fetch.Result, 1)
	go func() { done <- p.Poll(context.Background(), source("busy", busy.URL+"/feed")) }()
	<-holding
	res := p.Poll(context.Background(), source("redirected", redirector.URL+"/feed"))
	if first := <-done; first.Outcome != fetch.OutcomeOK {
		t.Errorf("the busy feed: %s %v", first.Outcome, first.Err)
	}
	if res.Outcome != fetch.OutcomeOK {
		t.Errorf("redirected to a busy host: %s %v, want ok once its turn came", res.Outcome, res.Err)
	}
}
