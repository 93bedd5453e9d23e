package fetch

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// stallMinBytes is how much body counts as progress: 1 KiB, so a server
// dripping a byte now and then counts as stalled rather than as sending.
const stallMinBytes = 1 << 10

// errStalled is the cause a stall watch cancels its exchange with.
type errStalled struct {
	window   time.Duration
	pending  int64 // body bytes since the last progress, under stallMinBytes
	answered bool  // whether any headers had come
}

func (e *errStalled) Error() string {
	return fmt.Sprintf("no progress in %s (%d bytes)", e.window, e.pending)
}

// stallWatch gives up on an exchange that makes no progress for a window,
// long before its whole deadline: a server that sends nothing (no headers,
// or a body that stops) or drips less than stallMinBytes in a window.
// Progress is the headers of the response or of a redirect, and each
// stallMinBytes of body; a slow but steady feed is never cut short. Time
// the exchange spends waiting for us (a redirect's politeness turn) does
// not count. A stalled exchange's context is cancelled with an
// *errStalled cause.
type stallWatch struct {
	window time.Duration
	cancel context.CancelCauseFunc
	now    func() time.Time

	mu      sync.Mutex
	last    time.Time // the latest progress
	pending int64     // body bytes since then
	headers bool      // headers have come at some point
	waits   int       // waits of ours in progress
	stopped bool
	timer   *time.Timer
}

// watchStall returns ctx with a stall watch over it; the caller must call
// stop once the exchange is over. window 0 watches nothing.
func watchStall(ctx context.Context, window time.Duration) (context.Context, *stallWatch) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &stallWatch{window: window, cancel: cancel, now: time.Now}
	w.last = w.now()
	if window > 0 {
		w.timer = time.AfterFunc(window, w.check)
	}
	return ctx, w
}

// check runs when a window may have passed without progress: it cancels
// the exchange if so, and otherwise looks again when the window since the
// latest progress would end.
func (w *stallWatch) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	idle := w.now().Sub(w.last)
	switch {
	case w.waits > 0:
		w.timer.Reset(w.window)
	case idle < w.window:
		w.timer.Reset(w.window - idle)
	default:
		w.cancel(&errStalled{window: w.window, pending: w.pending, answered: w.headers})
	}
}

// progress notes progress; the caller holds w.mu.
func (w *stallWatch) progress() {
	w.last, w.pending = w.now(), 0
}

// answered notes that the response's headers arrived.
func (w *stallWatch) answered() {
	w.mu.Lock()
	w.headers = true
	w.progress()
	w.mu.Unlock()
}

// redirected notes that a redirect's headers arrived: progress, and a new
// request whose own answer is still to come.
func (w *stallWatch) redirected() {
	w.mu.Lock()
	w.headers = false
	w.progress()
	w.mu.Unlock()
}

// read counts n body bytes.
func (w *stallWatch) read(n int) {
	w.mu.Lock()
	if w.pending += int64(n); w.pending >= stallMinBytes {
		w.progress()
	}
	w.mu.Unlock()
}

// waiting stops the watch while the exchange waits for something of ours,
// not the server's (a redirect target's politeness turn), until done is
// called.
func (w *stallWatch) waiting() (done func()) {
	w.mu.Lock()
	w.waits++
	w.mu.Unlock()
	return func() {
		w.mu.Lock()
		w.waits--
		w.progress() // the window starts afresh
		w.mu.Unlock()
	}
}

// stop ends the watch and releases its context.
func (w *stallWatch) stop() {
	w.mu.Lock()
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
	w.cancel(nil)
}

// body counts what r delivers.
func (w *stallWatch) body(r io.Reader) io.Reader { return &watchedReader{r: r, w: w} }

type watchedReader struct {
	r io.Reader
	w *stallWatch
}

func (r *watchedReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.w.read(n)
	}
	return n, err
}
