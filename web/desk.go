package web

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"pressfeed"
	"pressfeed/auth"
)

// Scheduler is what the admin side changes when the source list changes, so
// that a change takes effect at once. *schedule.Scheduler implements it.
type Scheduler interface {
	// Put schedules src (replacing an earlier definition) and polls it at
	// once if it is new or changed; a disabled source is removed.
	Put(src pressfeed.Source) error
	// Remove stops scheduling the source.
	Remove(id string)
	// PollNow starts a poll of a scheduled source and reports whether it
	// could.
	PollNow(id string) bool
	// NextRun returns when the source is next due, or the zero time.
	NextRun(id string) time.Time
}

// Preview is what a source would give if it were polled now.
type Preview struct {
	Items    []pressfeed.Item
	Warnings []string
	// Strategy is the way in an auto source's poll would use, and
	// Attempts what each of its strategies found.
	Strategy string
	Attempts []pressfeed.Attempt
}

// Previewer fetches and parses a source without storing anything. The
// error, if any, is shown to the admin as it is.
type Previewer interface {
	Preview(ctx context.Context, src pressfeed.Source) (Preview, error)
}

// PreviewFunc adapts a function to Previewer.
type PreviewFunc func(ctx context.Context, src pressfeed.Source) (Preview, error)

// Preview calls f.
func (f PreviewFunc) Preview(ctx context.Context, src pressfeed.Source) (Preview, error) {
	return f(ctx, src)
}

// AdminStore is what the admin pages and the API read and change.
// *index.DB implements it.
type AdminStore interface {
	// SessionStore keeps admin sessions, so a restart signs nobody out.
	auth.SessionStore
	// Source returns one source, or an error wrapping pressfeed.ErrNotFound.
	Source(ctx context.Context, id string) (pressfeed.Source, error)
	// ApplySourceChanges makes every change and writes its audit entry in
	// one transaction, or makes none; see index.DB.ApplySourceChanges.
	ApplySourceChanges(ctx context.Context, by pressfeed.Actor, changes []pressfeed.SourceChange) ([]pressfeed.AuditEntry, error)
	// AuditLog returns audit entries newest first and the next page's cursor.
	AuditLog(ctx context.Context, q pressfeed.AuditQuery) ([]pressfeed.AuditEntry, string, error)
	// ItemCountsSince counts each source's items published at or after since.
	ItemCountsSince(ctx context.Context, since time.Time) (map[string]int, error)
	// Tokens lists the API tokens; UseToken finds one by its hash and
	// records that it was used.
	Tokens(ctx context.Context) ([]pressfeed.APIToken, error)
	UseToken(ctx context.Context, hash string) (pressfeed.APIToken, error)
	// CreateToken stores a token (ErrExists if the name is taken) and
	// RevokeToken deletes one (ErrNotFound); both write an audit entry.
	CreateToken(ctx context.Context, tok pressfeed.APIToken) error
	RevokeToken(ctx context.Context, name string, by pressfeed.Actor) error
}

// desk is what the pages, the admin side and the API share: the Options
// they read, with defaults applied, and the session and sign-in state.
type desk struct {
	admin     AdminStore
	scheduler Scheduler
	previewer Previewer
	accounts  atomic.Pointer[auth.Accounts] // swapped by SetAccounts
	sessions  *auth.Sessions
	limiter   *auth.Limiter
	london    *time.Location
	pages     *pages
	stale     time.Duration
}

// Sign-in attempts: five at once per client address, then one every twelve
// seconds (five a minute).
const (
	signinBurst = 5
	signinEvery = 12 * time.Second
)

func (s *Server) initDesk() {
	o := s.opts
	if o.StaleAfter <= 0 {
		o.StaleAfter = 7 * 24 * time.Hour
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	london := pressfeed.London()
	s.desk = desk{
		admin:     o.Admin,
		scheduler: o.Scheduler,
		previewer: o.Previewer,
		limiter:   auth.NewLimiter(signinEvery, signinBurst, o.Now),
		london:    london,
		stale:     o.StaleAfter,
	}
	s.desk.accounts.Store(auth.NewAccounts(o.Accounts))
	var store auth.SessionStore = auth.NewMemorySessions() // no store: nobody can sign in anyway
	if o.Admin != nil {
		store = o.Admin
	}
	s.desk.sessions = auth.NewSessions(o.SessionTTL, o.Now, store, s.desk.accounts.Load)
	s.desk.pages = newPages(s)
}

func (s *Server) deskRoutes() {
	m := s.mux
	m.HandleFunc("GET /static/style.css", s.handleCSS)
	m.HandleFunc("GET /sources", s.handleSourcesPage)

	m.HandleFunc("GET /admin", s.requireAdmin(s.handleAdminHome))
	m.HandleFunc("GET /admin/signin", s.handleSigninForm)
	m.HandleFunc("POST /admin/signin", s.handleSignin)
	m.HandleFunc("POST /admin/signout", s.requireAdmin(s.handleSignout))
	m.HandleFunc("GET /admin/sources/new", s.requireAdmin(s.handleNewSourceForm))
	m.HandleFunc("POST /admin/sources/new", s.requireAdmin(s.handleSourceForm))
	m.HandleFunc("GET /admin/sources/{id}/edit", s.requireAdmin(s.handleEditSourceForm))
	m.HandleFunc("POST /admin/sources/{id}/edit", s.requireAdmin(s.handleSourceForm))
	m.HandleFunc("POST /admin/sources/{id}/enable", s.requireAdmin(s.handleSetEnabled(true)))
	m.HandleFunc("POST /admin/sources/{id}/disable", s.requireAdmin(s.handleSetEnabled(false)))
	m.HandleFunc("POST /admin/sources/{id}/poll", s.requireAdmin(s.handlePollNow))
	m.HandleFunc("GET /admin/sources/{id}/delete", s.requireAdmin(s.handleDeleteConfirm))
	m.HandleFunc("POST /admin/sources/{id}/delete", s.requireAdmin(s.handleDelete))
	m.HandleFunc("GET /admin/import", s.requireAdmin(s.handleImportForm))
	m.HandleFunc("POST /admin/import", s.requireAdmin(s.handleImport))
	m.HandleFunc("GET /admin/export.toml", s.requireAdmin(s.handleExport("toml")))
	m.HandleFunc("GET /admin/export.opml", s.requireAdmin(s.handleExport("opml")))
	m.HandleFunc("GET /admin/audit", s.requireAdmin(s.handleAudit))
	m.HandleFunc("GET /admin/tokens", s.requireAdmin(s.handleTokens))
	m.HandleFunc("POST /admin/tokens", s.requireAdmin(s.handleCreateToken))
	m.HandleFunc("POST /admin/tokens/{name}/revoke", s.requireAdmin(s.handleRevokeToken))

	m.HandleFunc("GET /api/v1/sources", s.requireToken(s.apiList))
	m.HandleFunc("POST /api/v1/sources", s.requireToken(s.apiCreate))
	m.HandleFunc("POST /api/v1/sources/preview", s.requireToken(s.apiPreview))
	m.HandleFunc("GET /api/v1/sources/{id}", s.requireToken(s.apiGet))
	m.HandleFunc("PUT /api/v1/sources/{id}", s.requireToken(s.apiUpdate))
	m.HandleFunc("PATCH /api/v1/sources/{id}", s.requireToken(s.apiUpdate))
	m.HandleFunc("DELETE /api/v1/sources/{id}", s.requireToken(s.apiDelete))
	m.HandleFunc("POST /api/v1/sources/{id}/poll", s.requireToken(s.apiPoll))
	m.HandleFunc("GET /api/v1/audit", s.requireToken(s.apiAudit))
}

// contentSecurityPolicy allows no script at all, styles only from this
// site, and no framing; forms post only here.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// setSecurityHeaders sets the headers every response carries.
func setSecurityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Assigned prebuilt (canonical keys, shared values): every response,
	// the hot cached feed included, pays for these.
	h["Content-Security-Policy"] = cspHeader
	h["X-Content-Type-Options"] = nosniffHeader
	h["X-Frame-Options"] = denyHeader
	h["Referrer-Policy"] = sameOriginHeader
	h["Cross-Origin-Opener-Policy"] = sameOriginHeader
	if r.TLS != nil {
		h["Strict-Transport-Security"] = hstsHeader
	}
}

// Security header values, shared by every response; net/http only reads
// them.
var (
	cspHeader        = []string{contentSecurityPolicy}
	nosniffHeader    = []string{"nosniff"}
	denyHeader       = []string{"DENY"}
	sameOriginHeader = []string{"same-origin"}
	hstsHeader       = []string{"max-age=31536000"}
)

// secureCookies reports whether cookies must be marked Secure: the request
// came over TLS, or the public URL is https (TLS ends at a proxy).
func (s *Server) secureCookies(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.opts.BaseURL, "https://")
}
