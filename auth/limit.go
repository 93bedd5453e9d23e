package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter allows a burst of attempts per key (a client address) and then
// one every interval, and bounds all keys together so that many addresses
// cannot make the server spend its time on bcrypt. It is safe for
// concurrent use.
type Limiter struct {
	every time.Duration
	burst int
	now   func() time.Time

	mu     sync.Mutex
	keys   map[string]*rate.Limiter
	global *rate.Limiter
	lastGC time.Time
}

// NewLimiter returns a limiter allowing burst attempts per key and then one
// per every; all keys together get ten times that.
func NewLimiter(every time.Duration, burst int, now func() time.Time) *Limiter {
	return &Limiter{
		every:  every,
		burst:  burst,
		now:    now,
		keys:   make(map[string]*rate.Limiter),
		global: rate.NewLimiter(rate.Every(every)*10, burst*10),
	}
}

// Allow spends one attempt for key. When none is left it returns false and
// how long until the next one.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gc(now)
	lim, ok := l.keys[key]
	if !ok {
		lim = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.keys[key] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	g := l.global.ReserveN(now, 1)
	if d := g.DelayFrom(now); d > 0 {
		g.CancelAt(now)
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// gc forgets keys whose limiters have refilled, so the table does not grow
// with every address ever seen; l.mu must be held.
func (l *Limiter) gc(now time.Time) {
	if now.Sub(l.lastGC) < time.Minute {
		return
	}
	l.lastGC = now
	for k, lim := range l.keys {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.keys, k)
		}
	}
}
