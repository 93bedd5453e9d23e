// Package web serves the merged regional feed (Atom, RSS, JSON Feed), the
// source list (JSON, OPML) and health. It reads the store only through the
// Store interface it declares, and keeps rendered feeds in memory until the
// store's generation moves, so a hot feed costs a lookup, not a render.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"pressfeed"
	"pressfeed/auth"
)

// Store is what the web server reads. *index.DB implements it.
type Store interface {
	// Stories returns a page of stories matching q, newest first. It
	// returns an error wrapping pressfeed.ErrInvalidCursor for a bad cursor.
	Stories(ctx context.Context, q pressfeed.Query) (pressfeed.Page, error)
	// Sources returns every source, sorted by ID.
	Sources(ctx context.Context) ([]pressfeed.Source, error)
	// States returns each source's fetch state by source ID.
	States(ctx context.Context) (map[string]pressfeed.SourceState, error)
	// Generation returns a number that changes whenever a write changes
	// what Stories or Sources could return. Rendered feeds are cached
	// against it.
	Generation() uint64
}

// Options tune a Server. Zero values take the defaults noted.
type Options struct {
	// BaseURL is the public URL the server is reached at, used for self
	// links. Empty means http:// plus the request's Host.
	BaseURL string
	Logger  *slog.Logger     // slog.Default()
	Now     func() time.Time // time.Now
	// MaxAge is the Cache-Control max-age of feeds and the OPML list; zero
	// sends max-age=0 (revalidate every time). config's default is 60 s.
	MaxAge time.Duration
	// Hubs are WebSub hub URLs, linked from the merged feed (the topics
	// a websub.Publisher announces; see Topics).
	Hubs []string
	// Version is the generator version written into feeds.
	Version string
	// CacheEntries and CacheBytes bound the rendered-feed cache; 512
	// entries and 16 MiB when zero. Readers poll a few URLs (the merged
	// feed is 180 KB and 32 KB gzipped at 50 entries), and the cache's
	// bytes are live heap, which GOGC=200 lets the process hold three
	// times over.
	CacheEntries int
	CacheBytes   int64

	// Admin is the store the admin pages and the API change; without it
	// /sources shows no item counts and /admin and the API stay locked.
	Admin     AdminStore
	Scheduler Scheduler      // told of every change; without it changes wait for a restart
	Previewer Previewer      // fetches a source before it is saved
	Pins      []string       // the strategies the source form offers to pin, as fetch.PinChoices lists them
	Accounts  []auth.Account // who may sign in to /admin; none keeps it locked
	// Alerts, with Admin, serves /admin/alerts, /api/v1/subscriptions and
	// the unsubscribe links of alert emails; without it they answer 404.
	Alerts Alerts
	// StaleAfter is how long an enabled source may go without a new item
	// before /sources calls it stale; 7 days.
	StaleAfter time.Duration
	SessionTTL time.Duration // how long an admin stays signed in; 12 hours
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when telling clients apart (see clientIP); none by default.
	TrustedProxies []netip.Prefix

	// Operations hooks (ops.go); each is optional.
	Ops Ops
}

// Server is the HTTP front end. It is an http.Handler.
type Server struct {
	store        Store
	opts         Options
	logger       *slog.Logger
	mux          *http.ServeMux
	cache        *renderCache
	cacheControl []string // the Cache-Control header value
	desk         desk
}

// NewServer returns a Server reading from store.
func NewServer(store Store, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CacheEntries <= 0 {
		opts.CacheEntries = 512
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = 16 << 20
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	s := &Server{
		store:        store,
		opts:         opts,
		logger:       opts.Logger,
		mux:          http.NewServeMux(),
		cache:        newRenderCache(opts.CacheEntries, opts.CacheBytes, opts.Now),
		cacheControl: cacheControlFor(opts.MaxAge),
	}
	s.initDesk()
	s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.observe(s.mux, w, r)
}

// CacheStats reports how often feeds were answered from the cache.
func (s *Server) CacheStats() CacheStats { return s.cache.stats() }

// baseURL returns the configured public URL or one built from the request.
func (s *Server) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// fail answers an error: 400 with the message for a bad request, 500 with a
// generic message (the detail goes to the log) for anything else.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		br   *BadRequest
		verr pressfeed.ValidationError
	)
	switch {
	case errors.As(err, &br):
		http.Error(w, br.Msg, http.StatusBadRequest)
	case errors.As(err, &verr):
		http.Error(w, "invalid source: "+verr.Error(), http.StatusUnprocessableEntity)
	case errors.Is(err, pressfeed.ErrInvalidCursor):
		http.Error(w, "cursor is not one this server issued", http.StatusBadRequest)
	case errors.Is(err, pressfeed.ErrNotFound):
		http.Error(w, "not found", http.StatusNotFound)
	case errors.Is(err, context.Canceled):
		// the client went away; nothing to answer
	default:
		s.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	_ = enc.Encode(v) // the client went away; nothing to do
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// sourceStatus is one source in /sources.json: its definition and state.
type sourceStatus struct {
	pressfeed.Source
	State pressfeed.SourceState `json:"state"`
}

func (s *Server) handleSourcesJSON(w http.ResponseWriter, r *http.Request) {
	sources, err := s.store.Sources(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	states, err := s.store.States(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]sourceStatus, len(sources))
	for i, src := range sources {
		out[i] = sourceStatus{Source: src, State: states[src.ID]}
	}
	writeJSON(w, map[string]any{"sources": out})
}
