package fetch_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pressfeed/fetch"
)

func TestOneRequestAtATimePerHostWithSpacing(t *testing.T) {
	var inFlight, maxInFlight atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond) // give overlapping requests a chance to overlap
		w.Write(rssWith("Item on " + r.URL.Path))
	})
	const spacing, sources = 40 * time.Millisecond, 6
	opts := testOptions()
	opts.HostSpacing = spacing
	p := fetch.NewPoller(openDB(t), opts)

	start := time.Now()
	var wg sync.WaitGroup
	for i := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := p.Poll(context.Background(), source(fmt.Sprintf("s%d", i), fmt.Sprintf("%s/feed/%d", srv.URL, i)))
			if res.Outcome != fetch.OutcomeOK {
				t.Errorf("source %d: %+v", i, res)
			}
		}()
	}
	wg.Wait()
	if got := maxInFlight.Load(); got != 1 {
		t.Errorf("%d requests to one host were in flight at once, want 1", got)
	}
	// A lower bound, not a speed check: the limiter cannot have started six
	// requests in less than five spacings, however fast the machine.
	if elapsed := time.Since(start); elapsed < (sources-1)*spacing {
		t.Errorf("%d requests took %v, less than %d spacings of %v", sources, elapsed, sources-1, spacing)
	}
}

func TestAHungHostDoesNotHoldOtherHosts(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	hung := serve(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	good := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write(rssWith("Unaffected")) })
	p := newPoller(openDB(t)) // 60 s timeout: the hung poll cannot end by itself during the test

	hungDone := make(chan fetch.Result, 1)
	go func() { hungDone <- p.Poll(context.Background(), source("hung", hung.URL+"/feed")) }()
	<-arrived
	if res := p.Poll(context.Background(), source("good", good.URL+"/feed")); res.Outcome != fetch.OutcomeOK {
		t.Errorf("good host while another hangs: %+v", res)
	}
	select {
	case res := <-hungDone:
		t.Fatalf("the hung poll ended before the good one was checked: %+v", res)
	default:
	}
	close(release)
	<-hungDone
}

func TestRequestsAreKeptAliveCompressedAndIdentified(t *testing.T) {
	var newConns atomic.Int32
	var mu sync.Mutex
	var headers []http.Header
	body := rssWith("Compressed item")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		headers = append(headers, r.Header.Clone())
		n := len(headers)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Write(body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		// A different body each time, so no poll is skipped as unchanged.
		zw.Write(bytes.Replace(body, []byte("Compressed item"), []byte(fmt.Sprintf("Compressed item %d", n)), 1))
		zw.Close()
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	db := openDB(t)
	p := newPoller(db)
	for i := 0; i < 3; i++ {
		if res := p.Poll(context.Background(), source("kept", srv.URL+"/feed")); res.Outcome != fetch.OutcomeOK || res.New+res.Updated != 1 {
			t.Fatalf("poll %d: %+v", i, res)
		}
	}
	if n := newConns.Load(); n != 1 {
		t.Errorf("three polls opened %d connections, want 1 kept alive", n)
	}
	h := headers[0]
	if got := h.Get("User-Agent"); got != "pressfeed-test" {
		t.Errorf("User-Agent %q", got)
	}
	if got := h.Get("Accept"); !strings.HasPrefix(got, "application/atom+xml, application/rss+xml, application/feed+json") {
		t.Errorf("Accept %q does not name the feed types first", got)
	}
	if got := h.Get("Accept-Encoding"); got != "gzip" {
		t.Errorf("Accept-Encoding %q, want gzip", got)
	}
	if got := titles(t, db, "kept"); len(got) != 1 || got[0] != "Compressed item 3" {
		t.Errorf("the gzip body was not decoded: %q", got)
	}
}

func TestARedirectWaitsForTheNewHostsTurn(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	busy := serve(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select { // holds the host's only slot until the test lets go
		case <-release:
		case <-r.Context().Done():
		}
	})
	redirector := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, busy.URL+"/moved", http.StatusFound)
	})
	p := newPoller(openDB(t)) // 60 s timeout: the busy request cannot end by itself

	hungDone := make(chan struct{})
	go func() {
		defer close(hungDone)
		p.Poll(context.Background(), source("busy", busy.URL+"/feed"))
	}()
	<-arrived
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res := p.Poll(ctx, source("redirected", redirector.URL+"/feed"))
	close(release)
	<-hungDone
	u, _ := url.Parse(busy.URL)
	if res.Outcome != fetch.OutcomeCancelled || !strings.Contains(res.Err.Error(), "gave up waiting for our turn to ask "+u.Host) {
		t.Errorf("redirect to a busy host: %s %v, want it called off waiting for its turn", res.Outcome, res.Err)
	}
}

// TestCancelledPollIsNotTheSourcesFailure checks that a poll its caller
// calls off — the daemon stopping — while it waits for its host's turn, or
// while the server is still answering, records nothing: no failure, no
// backoff, so the next poll fetches the source at once.
func TestCancelledPollIsNotTheSourcesFailure(t *testing.T) {
	arrived := make(chan string, 4)
	release := make(chan struct{})
	var mu sync.Mutex
	holding := true
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hold := holding
		mu.Unlock()
		if hold {
			arrived <- r.URL.Path
			select { // a slow host: the answer comes when the test says
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(rssWith("Item at " + r.URL.Path))
	})
	db := openDB(t)
	p := newPoller(db)
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan fetch.Result, 2)
	for _, id := range []string{"answering", "waiting"} {
		go func() { results <- p.Poll(ctx, source(id, srv.URL+"/"+id)) }()
	}
	<-arrived // one source is being answered; the other waits for the host's turn
	cancel()
	for range 2 {
		res := <-results
		if res.Outcome != fetch.OutcomeCancelled {
			t.Errorf("%s: outcome %s (%v), want cancelled", res.SourceID, res.Outcome, res.Err)
		}
	}
	mu.Lock()
	holding = false
	mu.Unlock()
	close(release)
	for _, id := range []string{"answering", "waiting"} {
		st, err := db.State(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if st.ConsecutiveFailures != 0 || !st.NextAttempt.IsZero() || st.LastError != "" || !st.LastAttempt.IsZero() {
			t.Errorf("%s: a cancelled poll left failures %d, next attempt %v, error %q, last attempt %v",
				id, st.ConsecutiveFailures, st.NextAttempt, st.LastError, st.LastAttempt)
		}
		if res := p.Poll(context.Background(), source(id, srv.URL+"/"+id)); res.Outcome != fetch.OutcomeOK {
			t.Errorf("%s: the next poll: %s (%v), want it fetched", id, res.Outcome, res.Err)
		}
	}
}
