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

// observe serves r through h and reports the matched route, status and
// duration to the Observe hook.
func (s *Server) observe(h http.Handler, w http.ResponseWriter, r *http.Request) {
	if s.opts.Ops.Observe == nil {
		h.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	h.ServeHTTP(rec, r)
	// ServeMux sets r.Pattern on the request it was given, before calling
	// the handler.
	s.opts.Ops.Observe(r.Pattern, rec.status(), time.Since(start))
}

// statusRecorder remembers the status a handler sent.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// ReadFrom keeps the underlying writer's sendfile path for file downloads.
func (s *statusRecorder) ReadFrom(r io.Reader) (int64, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return io.Copy(s.ResponseWriter, r)
}

// Unwrap lets http.ResponseController reach the real writer (Flush,
// deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}
