package fetch

import (
	"context"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// hostGate keeps the fetcher polite: one request at a time per host, and
// request starts to one host at least a fixed spacing apart. A host is the
// URL's host and port, so each server is judged on its own.
type hostGate struct {
	spacing time.Duration
	mu      sync.Mutex
	hosts   map[string]*hostTurn // grows with the hosts seen; a few hundred at most
}

// hostTurn is one host's slot and pace.
type hostTurn struct {
	slot  chan struct{} // holds a token while a request to the host is in flight
	limit *rate.Limiter // spaces request starts
}

func newHostGate(spacing time.Duration) *hostGate {
	return &hostGate{spacing: spacing, hosts: make(map[string]*hostTurn)}
}

func (g *hostGate) turn(host string) *hostTurn {
	host = strings.ToLower(host)
	g.mu.Lock()
	defer g.mu.Unlock()
	t, ok := g.hosts[host]
	if !ok {
		t = &hostTurn{slot: make(chan struct{}, 1), limit: rate.NewLimiter(rate.Every(g.spacing), 1)}
		g.hosts[host] = t
	}
	return t
}

// acquire waits until no other request to host is in flight and the
// spacing since the last one has passed. The caller must call release once
// it has finished with the response. It returns ctx's error, or the
// limiter's when ctx's deadline would pass before the turn comes.
func (g *hostGate) acquire(ctx context.Context, host string) (release func(), err error) {
	t := g.turn(host)
	select {
	case t.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := t.limit.Wait(ctx); err != nil {
		<-t.slot
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { <-t.slot }) }, nil
}
