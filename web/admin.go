package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"time"

	"pressfeed"
	"pressfeed/auth"
)

// Cookie names. The session cookie is scoped to /admin, so public pages
// never carry it.
const (
	sessionCookie = "pressfeed_session"
	signinCookie  = "pressfeed_signin"
)

// maxFormBytes bounds an admin form, an import file included.
const maxFormBytes = 2 << 20

// adminHandler is an admin page or action, given the admin's session.
type adminHandler func(w http.ResponseWriter, r *http.Request, sess auth.Session)

// requireAdmin lets h run only for a signed-in admin, and for a POST only
// with the session's CSRF token. Without accounts every admin URL shows how
// to configure one. A page asked for without a session leads to sign-in; a
// change without one is refused with 401, and one with a missing or stale
// CSRF token with 403. Refusals are logged without the token's value.
func (s *Server) requireAdmin(h adminHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if s.locked(w, r) {
			return
		}
		sess, ok := s.session(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/admin/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.logger.Warn("admin change refused: not signed in", "method", r.Method, "path", r.URL.Path, "remote", s.clientIP(r))
			s.renderError(w, r, http.StatusUnauthorized, "admin", "You are not signed in",
				"Your session has ended (it expired, you signed out, or your account or its password changed). Sign in again, then repeat the change.")
			return
		}
		if r.Method != http.MethodGet {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			token := r.PostFormValue("csrf")
			if !auth.Equal(token, sess.CSRF) {
				reason := "stale"
				if token == "" {
					reason = "missing"
				}
				s.logger.Warn("admin change refused: csrf token "+reason, "method", r.Method, "path", r.URL.Path, "account", sess.Name, "remote", s.clientIP(r))
				s.renderError(w, r, http.StatusForbidden, "admin", "This form has expired",
					"The form's security token is "+reason+", so nothing was changed. Go back, reload the page and try again.")
				return
			}
		}
		h(w, r, sess)
	}
}

// locked answers with how to configure an admin, and reports true, when
// nobody can sign in: no [[admin]] accounts, or no store to change.
func (s *Server) locked(w http.ResponseWriter, r *http.Request) bool {
	if s.desk.accounts.Load().Len() > 0 && s.desk.admin != nil {
		return false
	}
	s.render(w, r, http.StatusForbidden, "locked", page{Title: "Admin is locked", Section: "admin"})
	return true
}

// session returns the live session named by the request's cookie.
func (s *Server) session(r *http.Request) (auth.Session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return auth.Session{}, false
	}
	sess, ok, err := s.desk.sessions.Get(r.Context(), c.Value)
	if err != nil {
		s.logger.Error("read admin session", "error", err)
	}
	return sess, ok
}

// SetAccounts replaces the accounts that may sign in, as a settings reload
// does: a removed account's sessions end, and so do those of an account
// whose password changed, at their next request. It is safe to call while
// the server runs, and returns the account names added, removed and
// changed.
func (s *Server) SetAccounts(list []auth.Account) (added, removed, changed []string) {
	next := auth.NewAccounts(list)
	return s.desk.accounts.Swap(next).Diff(next)
}

// adminPage fills the layout fields every admin page has.
func (s *Server) adminPage(sess auth.Session, title string, data any) page {
	return page{Title: title, Section: "admin", User: sess.Name, CSRF: sess.CSRF, Flash: s.desk.sessions.TakeFlash(sess.ID), Data: data}
}

// done ends an admin action: the message is shown on the next page, which
// the browser is sent to (post, redirect, get).
func (s *Server) done(w http.ResponseWriter, r *http.Request, sess auth.Session, to, msg string) {
	s.desk.sessions.SetFlash(sess.ID, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// succeeded reports whether err, from finding or acting on what a request
// names, is nil. Otherwise it calls notFound to answer ErrNotFound, or
// answers the failure, and reports false.
func (s *Server) succeeded(w http.ResponseWriter, r *http.Request, err error, notFound func()) bool {
	if errors.Is(err, pressfeed.ErrNotFound) {
		notFound()
		return false
	}
	if err != nil {
		s.fail(w, r, err)
		return false
	}
	return true
}

// adminOK is succeeded for an admin form: ErrNotFound goes back to page
// saying missing.
func (s *Server) adminOK(w http.ResponseWriter, r *http.Request, sess auth.Session, err error, page, missing string) bool {
	return s.succeeded(w, r, err, func() { s.done(w, r, sess, page, missing) })
}

// actor is who a web change is recorded as.
func webActor(sess auth.Session) pressfeed.Actor { return pressfeed.Actor{Name: sess.Name, Via: "web"} }

// signinData is the sign-in form.
type signinData struct {
	Next  string
	Name  string
	CSRF  string
	Error string
}

func (s *Server) handleSigninForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.locked(w, r) {
		return
	}
	if _, ok := s.session(r); ok {
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
		return
	}
	s.showSignin(w, r, http.StatusOK, signinData{Next: safeNext(r.URL.Query().Get("next"))})
}

// showSignin renders the form with a fresh CSRF pair: a cookie and the same
// value in the form (the double-submit pattern, as there is no session yet).
func (s *Server) showSignin(w http.ResponseWriter, r *http.Request, status int, d signinData) {
	d.CSRF = auth.NewSecret()
	http.SetCookie(w, &http.Cookie{
		Name: signinCookie, Value: d.CSRF, Path: "/admin/signin", MaxAge: 3600,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteStrictMode,
	})
	s.render(w, r, status, "signin", page{Title: "Sign in", Section: "admin", Data: d})
}

func (s *Server) handleSignin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.locked(w, r) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	ip := s.clientIP(r)
	d := signinData{Next: safeNext(r.PostFormValue("next")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	if ok, wait := s.desk.limiter.Allow(ip); !ok {
		secs := int(wait.Round(time.Second) / time.Second)
		if secs < 1 {
			secs = 1
		}
		s.logger.Warn("sign-in refused: too many attempts", "remote", ip, "name", d.Name)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		d.Error = fmt.Sprintf("Too many sign-in attempts from your address. Wait %d seconds and try again.", secs)
		s.showSignin(w, r, http.StatusTooManyRequests, d)
		return
	}
	c, err := r.Cookie(signinCookie)
	if err != nil || !auth.Equal(c.Value, r.PostFormValue("csrf")) {
		s.logger.Warn("sign-in refused: csrf token missing or stale", "remote", ip)
		d.Error = "The sign-in form had expired. Please try again."
		s.showSignin(w, r, http.StatusForbidden, d)
		return
	}
	if err := s.desk.accounts.Load().Verify(d.Name, r.PostFormValue("password")); err != nil {
		s.logger.Warn("sign-in failed", "name", d.Name, "remote", ip)
		d.Error = "Wrong name or password."
		s.showSignin(w, r, http.StatusUnauthorized, d)
		return
	}
	sess, err := s.desk.sessions.Create(r.Context(), d.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	secure := s.secureCookies(r)
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: "", Path: "/admin/signin", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sess.ID, Path: "/admin", MaxAge: int(sess.Expires.Sub(s.opts.Now()) / time.Second),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode,
	})
	s.logger.Info("signed in", "account", sess.Name, "remote", ip)
	to := d.Next
	if to == "" {
		to = "/admin"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) handleSignout(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	if err := s.desk.sessions.Delete(r.Context(), sess.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/admin", MaxAge: -1, HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteStrictMode})
	s.logger.Info("signed out", "account", sess.Name)
	http.Redirect(w, r, "/admin/signin", http.StatusSeeOther)
}

// safeNext keeps a post-sign-in destination only if it is an admin path on
// this site, so the sign-in form cannot send anyone elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		strings.HasPrefix(next, "/admin/signin") {
		return ""
	}
	return next
}

// clientIP is the client's address, which sign-in attempts are counted
// against and logs name. It is the connection's address unless that is a
// trusted proxy (Options.TrustedProxies): then it is the nearest address in
// X-Forwarded-For that is not a trusted proxy, read from the right, since
// every hop appends and only the trusted ones are believed. An entry that
// is not an address ends the walk at the last believed one. Without trusted
// proxies the header is ignored, so no client can choose its own key, and
// behind a proxy every client shares the proxy's address: that errs on the
// side of refusing.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = hop.Unmap()
		if !s.trusted(addr) {
			break
		}
	}
	return addr.String()
}

// trusted reports whether addr is one of Options.TrustedProxies.
func (s *Server) trusted(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// adminData is the admin home: every source with its health and actions.
type adminData struct {
	Summary healthSummary
	Sources []sourceHealth
}

func (s *Server) handleAdminHome(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	list, sum, err := s.healthByName(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin", s.adminPage(sess, "Sources", adminData{Summary: sum, Sources: list}))
}

// healthByName is health with the sources in order of name.
func (s *Server) healthByName(ctx context.Context) ([]sourceHealth, healthSummary, error) {
	list, sum, err := s.health(ctx)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Source.Name < list[j].Source.Name })
	return list, sum, err
}

// sourceFromStore loads the source named in the path, answering 404 itself.
func (s *Server) sourceFromStore(w http.ResponseWriter, r *http.Request) (pressfeed.Source, bool) {
	src, err := s.desk.admin.Source(r.Context(), r.PathValue("id"))
	if !s.succeeded(w, r, err, func() {
		s.renderError(w, r, http.StatusNotFound, "admin", "No such source", fmt.Sprintf("There is no source %q. It may have been deleted.", r.PathValue("id")))
	}) {
		return pressfeed.Source{}, false
	}
	return src, true
}
