package websub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pressfeed/internal/syncbuf"
	"pressfeed/websub"
)

// hub is a real HTTP hub: it checks each ping's form, fetches the topic as
// a hub would, and answers with the statuses it is scripted to give.
type hub struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int // answers for the first pings; 204 after
	pings    []string
	fetched  []int // status of each topic fetch
}

func newHub(t *testing.T, statuses ...int) *hub {
	h := &hub{statuses: statuses}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad ping", http.StatusBadRequest)
			return
		}
		topic := r.PostForm.Get("hub.url")
		if r.PostForm.Get("hub.mode") != "publish" || topic == "" || r.PostForm.Get("hub.topic") != topic {
			http.Error(w, "hub.mode=publish and hub.url are required", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		n := len(h.pings)
		h.pings = append(h.pings, topic)
		status := http.StatusNoContent
		if n < len(h.statuses) {
			status = h.statuses[n]
		}
		h.mu.Unlock()
		if status/100 != 2 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "hub is busy", status)
			return
		}
		resp, err := http.Get(topic)
		code := 0
		if err == nil {
			code = resp.StatusCode
			resp.Body.Close()
		}
		h.mu.Lock()
		h.fetched = append(h.fetched, code)
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hub) counts() (pings, fetched int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.pings), len(h.fetched)
}

// waitFor polls cond until it holds; the deadline only stops a hung test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// syncBuffer is safe for a writer goroutine or process and a reading test.
type syncBuffer = syncbuf.Buffer

// feedServer stands for the daemon: two topics whose version the test sets.
func feedServer(t *testing.T) (*httptest.Server, *atomic.Value) {
	var version atomic.Value
	version.Store("v1")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<feed>%s</feed>", version.Load())
	}))
	t.Cleanup(srv.Close)
	return srv, &version
}

func start(t *testing.T, hubs []string, topics []string, version *atomic.Value, logs io.Writer) context.CancelFunc {
	t.Helper()
	p := websub.New(hubs, topics, func(context.Context) (string, error) { return version.Load().(string), nil }, websub.Options{
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
		Interval: 5 * time.Millisecond,
		Attempts: 4,
		Backoff:  time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return cancel
}

func TestPublishRetriesThenSucceeds(t *testing.T) {
	feeds, version := feedServer(t)
	topics := []string{feeds.URL + "/feed.atom", feeds.URL + "/feed.json"}
	// Two failures for the first topic, then success; the second topic
	// succeeds at once, so it is not pinged again.
	h := newHub(t, http.StatusServiceUnavailable, http.StatusNoContent, http.StatusTooManyRequests)
	var logs syncBuffer
	start(t, []string{h.URL}, topics, version, &logs)
	waitFor(t, "both topics delivered", func() bool { _, f := h.counts(); return f == 2 })
	waitFor(t, "the success logged", func() bool { return strings.Contains(logs.String(), "websub: hub notified") })
	h.mu.Lock()
	got := strings.Join(h.pings, " ")
	h.mu.Unlock()
	want := strings.Join([]string{topics[0], topics[1], topics[0], topics[0]}, " ")
	if got != want {
		t.Errorf("pings %q, want %q", got, want)
	}
	if n := strings.Count(logs.String(), "hub ping failed; retrying"); n != 2 {
		t.Errorf("%d retry warnings, want 2:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "attempts=3") {
		t.Errorf("success not logged with its attempt count:\n%s", logs.String())
	}

	// No change, no ping; a change, one ping per topic.
	pings, _ := h.counts()
	time.Sleep(30 * time.Millisecond) // several check intervals pass
	if now, _ := h.counts(); now != pings {
		t.Errorf("%d pings without a change", now-pings)
	}
	version.Store("v2")
	waitFor(t, "the change announced", func() bool { n, _ := h.counts(); return n == pings+2 })
}

func TestFailingHubIsLoggedNotFatal(t *testing.T) {
	feeds, version := feedServer(t)
	topics := []string{feeds.URL + "/feed.atom"}
	bad := newHub(t, 500, 500, 500, 500, 500, 500, 500, 500)
	good := newHub(t)
	var logs syncBuffer
	start(t, []string{bad.URL, "http://127.0.0.1:1/unreachable", good.URL}, topics, version, &logs)
	waitFor(t, "the good hub notified", func() bool { _, f := good.counts(); return f == 1 })
	waitFor(t, "both bad hubs given up", func() bool { return strings.Count(logs.String(), "giving up") == 2 })
	if n, _ := bad.counts(); n != 4 {
		t.Errorf("failing hub pinged %d times, want 4 (Attempts)", n)
	}
	if !strings.Contains(logs.String(), "500 Internal Server Error: hub is busy") {
		t.Errorf("the hub's answer is not in the log:\n%s", logs.String())
	}
	// The publisher lives on: the next change reaches the good hub, and the
	// bad one is tried again.
	version.Store("v2")
	waitFor(t, "the next change delivered", func() bool { _, f := good.counts(); return f == 2 })
	waitFor(t, "the bad hub tried again", func() bool { n, _ := bad.counts(); return n > 4 })
}
