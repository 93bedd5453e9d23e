package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"pressfeed"
	"pressfeed/auth"
)

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
	if !s.adminOK(w, r, sess, err, "/admin/tokens", fmt.Sprintf("There is no token %q.", name)) {
		return
	}
	s.logger.Info("api token revoked", "token_name", name, "account", sess.Name)
	s.done(w, r, sess, "/admin/tokens", fmt.Sprintf("Revoked %q; requests with it are refused from now on.", name))
}
