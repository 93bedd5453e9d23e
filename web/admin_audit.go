package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"pressfeed"
	"pressfeed/auth"
)

// auditData is one page of the audit log.
type auditData struct {
	SourceID string
	Entries  []auditView
	NextURL  string
}

type auditView struct {
	pressfeed.AuditEntry
	Changes []fieldChange
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	q := pressfeed.AuditQuery{SourceID: r.URL.Query().Get("source"), Before: r.URL.Query().Get("before")}
	entries, next, err := s.desk.admin.AuditLog(r.Context(), q)
	if errors.Is(err, pressfeed.ErrInvalidCursor) {
		s.renderError(w, r, http.StatusBadRequest, "admin", "That page link does not work", "Start again from the newest entries.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := auditData{SourceID: q.SourceID}
	for _, e := range entries {
		d.Entries = append(d.Entries, auditView{AuditEntry: e, Changes: sourceDiff(e.Before, e.After)})
	}
	if next != "" {
		v := url.Values{"before": {next}}
		if q.SourceID != "" {
			v.Set("source", q.SourceID)
		}
		d.NextURL = "/admin/audit?" + v.Encode()
	}
	title := "Audit log"
	if q.SourceID != "" {
		title += " of " + q.SourceID
	}
	s.render(w, r, http.StatusOK, "audit", s.adminPage(sess, title, d))
}

// tokensData is the API token page; Created is set once, right after a
// token is made, and never again.
type tokensData struct {
	Tokens  []pressfeed.APIToken
	Created string
	Name    string
	Error   string
}

var tokenNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	s.showTokens(w, r, sess, http.StatusOK, tokensData{})
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, sess auth.Session, status int, d tokensData) {
	list, err := s.desk.admin.Tokens(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Tokens = list
	s.render(w, r, status, "tokens", s.adminPage(sess, "API tokens", d))
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if !tokenNameRE.MatchString(name) {
		s.showTokens(w, r, sess, http.StatusUnprocessableEntity, tokenError(name, "name: use 1-64 letters, digits, dots, hyphens or underscores"))
		return
	}
	token, hash := auth.NewToken()
	err := s.desk.admin.CreateToken(r.Context(), pressfeed.APIToken{Name: name, Hash: hash, CreatedBy: webActor(sess)})
	if errors.Is(err, pressfeed.ErrExists) {
		s.showTokens(w, r, sess, http.StatusConflict, tokenError(name, fmt.Sprintf("name: a token called %q exists; revoke it first or choose another name", name)))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logger.Info("api token created", "token_name", name, "account", sess.Name)
	s.showTokens(w, r, sess, http.StatusOK, tokensData{Created: token, Name: name})
}

func tokenError(name, msg string) tokensData { return tokensData{Name: name, Error: msg} }

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	name := r.PathValue("name")
	err := s.desk.admin.RevokeToken(r.Context(), name, webActor(sess))
	if errors.Is(err, pressfeed.ErrNotFound) {
		s.done(w, r, sess, "/admin/tokens", fmt.Sprintf("There is no token %q.", name))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logger.Info("api token revoked", "token_name", name, "account", sess.Name)
	s.done(w, r, sess, "/admin/tokens", fmt.Sprintf("Revoked %q; requests with it are refused from now on.", name))
}

// auditTime is how the audit log shows a time: exact, in London.
func (s *Server) auditTime(t time.Time) string {
	return t.In(s.desk.london).Format("2 Jan 2006 15:04:05 MST")
}
