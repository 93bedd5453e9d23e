package web

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Ops are the hooks through which the daemon observes and operates the web
// server. The web package knows nothing of metrics libraries or the store's
// file; the command fills these in.
type Ops struct {
	// Observe, when set, is called after every request with the route
	// pattern that matched ("GET /feed.atom"; empty when none did), the
	// status sent and the time taken.
	Observe func(route string, status int, d time.Duration)
	// Ready reports whether the daemon can do its job; /readyz answers 503
	// with the error's text when it returns one. Nil means always ready.
	Ready func(ctx context.Context) error
	// Metrics, when set, is served at GET /metrics.
	Metrics http.Handler
	// Backup, when set, writes a consistent copy of the store to a
	// temporary file and returns it open at offset 0 together with a
	// function that closes and removes it. GET /admin/backup serves it.
	Backup func(ctx context.Context) (BackupFile, error)
	// LocalToken, when set, is a bearer token that authorizes the backup
	// download, besides a signed-in admin and an API token. The daemon
	// writes it to a file beside the store, readable only by the store's
	// owner, so local tools can reach a running daemon.
	LocalToken string
}

// readyTimeout bounds a readiness check: a store that cannot answer a read
// in this time is not ready.
const readyTimeout = 2 * time.Second

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.opts.Ops.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.opts.Ops.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
	}
	w.Write([]byte("ready\n"))
}

// observe serves r through h, with the security headers on every answer
// but a 304 (answerWriter), and reports the matched route, status and
// duration to the Observe hook.
func (s *Server) observe(h http.Handler, w http.ResponseWriter, r *http.Request) {
	var start time.Time
	if s.opts.Ops.Observe != nil {
		start = time.Now()
	}
	aw := &answerWriter{ResponseWriter: w, tls: r.TLS != nil}
	h.ServeHTTP(aw, r)
	if aw.code == 0 {
		aw.WriteHeader(http.StatusOK) // what net/http sends for a handler that wrote nothing
	}
	if s.opts.Ops.Observe != nil {
		// ServeMux sets r.Pattern on the request it was given, before
		// calling the handler.
		s.opts.Ops.Observe(r.Pattern, aw.code, time.Since(start))
	}
}

// answerWriter remembers the status a handler sent, and adds the security
// headers (setSecurityHeaders) as the status is sent, unless it is 304 Not
// Modified: a 304 updates the headers of the response a client or cache
// keeps, which has them (RFC 9111 4.3.4), and leaving them out keeps the
// hot feed's commonest answer small: under nine headers, Go's header maps
// stay in one group and are cheaper to build, copy and write.
type answerWriter struct {
	http.ResponseWriter
	code int
	tls  bool
}

func (a *answerWriter) WriteHeader(code int) {
	if a.code == 0 {
		a.code = code
		if code != http.StatusNotModified {
			setSecurityHeaders(a.ResponseWriter.Header(), a.tls)
		}
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *answerWriter) Write(b []byte) (int, error) {
	if a.code == 0 {
		a.WriteHeader(http.StatusOK)
	}
	return a.ResponseWriter.Write(b)
}

// ReadFrom keeps the underlying writer's sendfile path for file downloads.
func (a *answerWriter) ReadFrom(r io.Reader) (int64, error) {
	if a.code == 0 {
		a.WriteHeader(http.StatusOK)
	}
	return io.Copy(a.ResponseWriter, r)
}

// Unwrap lets http.ResponseController reach the real writer (Flush,
// deadlines).
func (a *answerWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }
