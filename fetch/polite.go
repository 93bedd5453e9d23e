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
//
// A host nobody is using and whose spacing has passed is forgotten, since
// a fresh turn would allow the next request just the same: otherwise a
// feed that redirects to a new host name on every poll would grow the map
// for as long as the daemon runs.
type hostGate struct {
	spacing time.Duration
	now     func() time.Time
	mu      sync.Mutex
	hosts   map[string]*hostTurn
	swept   time.Time // when idle hosts were last forgotten
}

// hostTurn is one host's slot and pace.
type hostTurn struct {
	slot  chan struct{} // holds a token while a request to the host is in flight
	limit *rate.Limiter // spaces request starts
	users int           // callers between turn and done; guarded by hostGate.mu
	last  time.Time     // when the last of them was done; guarded by hostGate.mu
}

// sweepAbove is how many hosts the gate holds before it looks for idle ones
// to forget: more than a region's sources ever need at once.
const sweepAbove = 256

func newHostGate(spacing time.Duration) *hostGate {
	return &hostGate{spacing: spacing, now: time.Now, hosts: make(map[string]*hostTurn)}
}

// turn returns host's turn and counts the caller as its user until done.
func (g *hostGate) turn(host string) *hostTurn {
	host = strings.ToLower(host)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweep()
	t, ok := g.hosts[host]
	if !ok {
		t = &hostTurn{slot: make(chan struct{}, 1), limit: rate.NewLimiter(rate.Every(g.spacing), 1)}
		g.hosts[host] = t
	}
	t.users++
	return t
}

// done ends a caller's use of t.
func (g *hostGate) done(t *hostTurn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	t.users--
	t.last = g.now()
}

// sweep forgets hosts with no user whose spacing has passed, when the gate
// holds more than sweepAbove and has not swept within a spacing. The
// caller holds g.mu.
func (g *hostGate) sweep() {
	now := g.now()
	if len(g.hosts) <= sweepAbove || now.Sub(g.swept) < g.spacing {
		return
	}
	g.swept = now
	for host, t := range g.hosts {
		if t.users == 0 && now.Sub(t.last) >= g.spacing {
			delete(g.hosts, host)
		}
	}
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
		g.done(t)
		return nil, ctx.Err()
	}
	if err := t.limit.Wait(ctx); err != nil {
		<-t.slot
		g.done(t)
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-t.slot
			g.done(t)
		})
	}, nil
}
