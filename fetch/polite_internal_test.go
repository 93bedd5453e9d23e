package fetch

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestHostGateForgetsIdleHosts: past sweepAbove hosts, a host with nobody
// waiting or fetching and its spacing passed is forgotten; a host in use is
// kept, so it still has one request at a time.
func TestHostGateForgetsIdleHosts(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	g := newHostGate(time.Nanosecond) // the limiter's own clock never makes a caller wait
	g.now = func() time.Time { return now }
	ctx := context.Background()

	busy, err := g.acquire(ctx, "busy.example")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3*sweepAbove; i++ {
		release, err := g.acquire(ctx, fmt.Sprintf("h%d.example", i))
		if err != nil {
			t.Fatal(err)
		}
		release()
		if i%sweepAbove == 0 {
			now = now.Add(time.Second)
		}
	}
	if n := len(g.hosts); n > sweepAbove+2 {
		t.Errorf("%d hosts kept after %d idle ones, want at most %d", n, 3*sweepAbove, sweepAbove+2)
	}
	if _, ok := g.hosts["busy.example"]; !ok {
		t.Fatal("a host with a request in flight was forgotten")
	}
	// The busy host still has its slot taken: a second request waits.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := g.acquire(short, "busy.example"); err == nil {
		t.Error("a second request to a busy host did not wait")
	}
	busy()
	release, err := g.acquire(ctx, "busy.example")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	release()
}
