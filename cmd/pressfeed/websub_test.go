package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDaemonPingsHubWhenFeedChanges runs the daemon with a real hub: the
// merged feed links the hub, and once the sources are polled the hub is
// told about every topic and, fetching them as a hub does, gets the feed
// with every item.
func TestDaemonPingsHubWhenFeedChanges(t *testing.T) {
	var (
		mu      sync.Mutex
		topics  = map[string]bool{}
		fullRSS bool
	)
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil || r.PostForm.Get("hub.mode") != "publish" {
			http.Error(w, "not a publish ping", http.StatusBadRequest)
			return
		}
		topic := r.PostForm.Get("hub.url")
		resp, err := http.Get(topic)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		mu.Lock()
		topics[topic] = true
		if strings.HasSuffix(topic, "/feed.rss") && strings.Count(string(body), "<item>") == sampleStories {
			fullRSS = true
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()

	// The topics are public URLs, so base_url must be known before the
	// daemon listens: take a free port first.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	samples := newSampleServer(t)
	cfg := samples.config(t, filepath.Join(t.TempDir(), "hub.db"))
	cfg.Listen = addr
	cfg.BaseURL = "http://" + addr
	cfg.Hubs = []string{hub.URL + "/publish"}
	d := startDaemon(t, cfg)
	defer d.Close(t.Context())

	_, body := httpGet(t, d.URL()+"/feed.atom")
	if !strings.Contains(body, `<link rel="hub" href="`+hub.URL+`/publish">`) {
		t.Errorf("the merged feed does not link the hub:\n%s", body)
	}
	waitPolled(t, d, len(demoSources))
	deadline := time.Now().Add(30 * time.Second) // the publisher checks every 5 s
	for {
		mu.Lock()
		done := fullRSS && len(topics) == 3
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub was not told about the polled feed: topics %v, full RSS fetched %v", topics, fullRSS)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range []string{"http://" + addr + "/feed.atom", "http://" + addr + "/feed.rss", "http://" + addr + "/feed.json"} {
		if !topics[p] {
			t.Errorf("hub not told about %s (got %v)", p, topics)
		}
	}
}
