package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"pressfeed"
	"pressfeed/auth"
)

// maxAPIBody bounds a JSON request body.
const maxAPIBody = 1 << 20

// apiHandler is an API endpoint, given the token that authorised it.
type apiHandler func(w http.ResponseWriter, r *http.Request, by pressfeed.Actor)

// apiProblem is every API error: a sentence and, for invalid sources, each
// bad field with its reason.
type apiProblem struct {
	Error  string     `json:"error"`
	Fields []apiField `json:"fields,omitempty"`
}

type apiField struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func apiError(w http.ResponseWriter, status int, msg string, fields ...pressfeed.FieldError) {
	p := apiProblem{Error: msg}
	for _, f := range fields {
		p.Fields = append(p.Fields, apiField{Field: f.Field, Reason: f.Reason})
	}
	apiJSON(w, status, p)
}

func apiJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.Encode(v)
}

// requireToken lets h run only with a known bearer token. A missing or
// unknown token gets 401 and a log line naming the client, never the token.
func (s *Server) requireToken(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if s.desk.admin == nil {
			apiError(w, http.StatusServiceUnavailable, "the API is not enabled on this server")
			return
		}
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			s.logger.Warn("api request refused: no bearer token", "method", r.Method, "path", r.URL.Path, "remote", s.clientIP(r))
			w.Header().Set("WWW-Authenticate", `Bearer realm="pressfeed"`)
			apiError(w, http.StatusUnauthorized, "send an API token: Authorization: Bearer TOKEN (pressfeed admin token create NAME makes one)")
			return
		}
		tok, err := s.desk.admin.UseToken(r.Context(), auth.HashToken(strings.TrimSpace(token)))
		if errors.Is(err, pressfeed.ErrNotFound) {
			s.logger.Warn("api request refused: unknown token", "method", r.Method, "path", r.URL.Path, "remote", s.clientIP(r))
			w.Header().Set("WWW-Authenticate", `Bearer realm="pressfeed", error="invalid_token"`)
			apiError(w, http.StatusUnauthorized, "the API token is not known (it may have been revoked)")
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r, pressfeed.Actor{Name: tok.Name, Via: "api"})
	}
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	list, sum, err := s.healthByName(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	apiJSON(w, http.StatusOK, map[string]any{"summary": sum.Line, "sources": list})
}

func (s *Server) apiGet(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	list, _, err := s.health(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, h := range list {
		if h.Source.ID == r.PathValue("id") {
			w.Header().Set("ETag", etagOf(h.Source))
			apiJSON(w, http.StatusOK, h)
			return
		}
	}
	apiError(w, http.StatusNotFound, fmt.Sprintf("there is no source %q", r.PathValue("id")))
}

// sourceInput is a source as a client sends it: type defaults to auto and
// enabled to true when left out.
type sourceInput struct {
	pressfeed.Source
	Enabled *bool `json:"enabled"`
}

// decodeSource reads a JSON source over base (PATCH merges into the stored
// one; POST and PUT start from the defaults). Unknown fields are refused.
func decodeSource(r *http.Request, base pressfeed.Source) (pressfeed.Source, error) {
	in := sourceInput{Source: base}
	enabled := base.Enabled
	in.Enabled = &enabled
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return pressfeed.Source{}, fmt.Errorf("the body is not a JSON source: %v", err)
	}
	src := in.Source
	src.Enabled = *in.Enabled
	if src.Type == "" {
		src.Type = pressfeed.TypeAuto
	}
	return src, nil
}

var newSourceDefaults = pressfeed.Source{Type: pressfeed.TypeAuto, Enabled: true}

// readSource decodes and validates a source from the request body over
// base. It answers 400 for a body that is not a source, and 422 naming each
// bad field for an invalid one or one whose id differs from the URL's, and
// then reports false.
func (s *Server) readSource(w http.ResponseWriter, r *http.Request, base pressfeed.Source) (pressfeed.Source, bool) {
	src, err := decodeSource(r, base)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return src, false
	}
	if id := r.PathValue("id"); id != "" && src.ID != id {
		apiError(w, http.StatusUnprocessableEntity, "invalid source: id cannot change",
			pressfeed.FieldError{Field: "id", Reason: fmt.Sprintf("is %q in the URL; a source's id cannot change (its items are keyed by it)", id)})
		return src, false
	}
	return src, validSource(w, s.desk.admin.ValidateSource(src))
}

// validSource answers 422 with the bad fields of err, a failed validation,
// and reports false; a nil err reports true.
func validSource(w http.ResponseWriter, err error) bool {
	if err == nil {
		return true
	}
	var verr pressfeed.ValidationError
	if errors.As(err, &verr) {
		apiError(w, http.StatusUnprocessableEntity, "invalid source: "+verr.Error(), verr...)
	} else {
		apiError(w, http.StatusUnprocessableEntity, "invalid source: "+err.Error())
	}
	return false
}

func (s *Server) apiCreate(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	src, ok := s.readSource(w, r, newSourceDefaults)
	if !ok {
		return
	}
	_, err := s.desk.admin.ApplySourceChanges(r.Context(), by, []pressfeed.SourceChange{{Action: pressfeed.ActionCreate, Source: src}})
	if errors.Is(err, pressfeed.ErrExists) {
		apiError(w, http.StatusConflict, fmt.Sprintf("a source %q exists; PUT or PATCH /api/v1/sources/%s changes it", src.ID, src.ID),
			pressfeed.FieldError{Field: "id", Reason: "is already used"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logger.Info("source saved", "source", src.ID, "action", pressfeed.ActionCreate, "token_name", by.Name)
	s.reschedule(src)
	w.Header().Set("Location", "/api/v1/sources/"+src.ID)
	w.Header().Set("ETag", etagOf(src))
	apiJSON(w, http.StatusCreated, src)
}

// apiUpdate replaces a source (PUT: fields left out take their defaults)
// or changes some of its fields (PATCH). The id cannot change.
func (s *Server) apiUpdate(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	id := r.PathValue("id")
	old, err := s.desk.admin.Source(r.Context(), id)
	if !s.apiOK(w, r, err, fmt.Sprintf("there is no source %q; POST /api/v1/sources creates one", id)) {
		return
	}
	ifVersion, ok := ifMatch(w, r)
	if !ok {
		return
	}
	base := newSourceDefaults
	base.ID = id
	implicit := false
	if r.Method == http.MethodPatch {
		base = old
		// A PATCH merges into what it read: if that changes before the
		// write, the merge is stale even when the client sent no If-Match.
		if ifVersion == "" {
			ifVersion, implicit = old.Version(), true
		}
	}
	src, ok := s.readSource(w, r, base)
	if !ok {
		return
	}
	change := pressfeed.SourceChange{Action: pressfeed.ActionUpdate, Source: src, IfVersion: ifVersion}
	if !s.apiApply(w, r, by, change, fmt.Sprintf("source %q was deleted meanwhile", id), implicit) {
		return
	}
	s.logger.Info("source saved", "source", src.ID, "action", pressfeed.ActionUpdate, "token_name", by.Name)
	s.reschedule(src)
	w.Header().Set("ETag", etagOf(src))
	apiJSON(w, http.StatusOK, src)
}

// etagOf is a source's version as an HTTP entity tag.
func etagOf(src pressfeed.Source) string { return `"` + src.Version() + `"` }

// ifMatch reads the request's If-Match: "" when there is none or it is "*"
// (any version), the version it names otherwise, which the store compares
// in the transaction that writes. A malformed header is answered 400 and
// reports false.
func ifMatch(w http.ResponseWriter, r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return "", true
	}
	if strings.HasPrefix(h, "W/") || len(h) < 2 || h[0] != '"' || h[len(h)-1] != '"' || strings.Contains(h, ",") {
		apiError(w, http.StatusBadRequest, fmt.Sprintf("If-Match %q is not one strong entity tag, such as the ETag a GET of the source returns", h))
		return "", false
	}
	return strings.Trim(h, `"`), true
}

// conflictAnswered answers a change refused because the source changed
// since the version it was made against: 412 for a client's If-Match, 409
// for a PATCH whose base changed while it was applied (implicit). It
// reports whether err was such a refusal.
func conflictAnswered(w http.ResponseWriter, err error, implicit bool) bool {
	var ce *pressfeed.ConflictError
	if !errors.As(err, &ce) {
		return false
	}
	w.Header().Set("ETag", etagOf(ce.Current))
	status, hint := http.StatusPreconditionFailed, "GET it again and re-apply your change to the current version"
	if implicit {
		status, hint = http.StatusConflict, "send the PATCH again"
	}
	apiError(w, status, ce.Error()+"; nothing was saved: "+hint)
	return true
}

// apiApply applies one change to a source that exists. It answers 404
// with notFound when the source does not, a refused version as
// conflictAnswered does (implicit as there) and any other failure, and then
// reports false.
func (s *Server) apiApply(w http.ResponseWriter, r *http.Request, by pressfeed.Actor, change pressfeed.SourceChange, notFound string, implicit bool) bool {
	_, err := s.desk.admin.ApplySourceChanges(r.Context(), by, []pressfeed.SourceChange{change})
	if conflictAnswered(w, err, implicit) {
		return false
	}
	return s.apiOK(w, r, err, notFound)
}

// apiOK is succeeded for the API: ErrNotFound is a 404 saying missing.
func (s *Server) apiOK(w http.ResponseWriter, r *http.Request, err error, missing string) bool {
	return s.succeeded(w, r, err, func() { apiError(w, http.StatusNotFound, missing) })
}

func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	id := r.PathValue("id")
	ifVersion, ok := ifMatch(w, r)
	if !ok {
		return
	}
	change := pressfeed.SourceChange{Action: pressfeed.ActionDelete, Source: pressfeed.Source{ID: id}, IfVersion: ifVersion}
	if !s.apiApply(w, r, by, change, fmt.Sprintf("there is no source %q", id), false) {
		return
	}
	s.unschedule(id)
	s.logger.Info("source deleted", "source", id, "token_name", by.Name)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiPoll(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	src, err := s.desk.admin.Source(r.Context(), r.PathValue("id"))
	if !s.apiOK(w, r, err, fmt.Sprintf("there is no source %q", r.PathValue("id"))) {
		return
	}
	msg, ok := s.pollNow(r.Context(), src, by)
	if !ok {
		apiError(w, http.StatusConflict, msg)
		return
	}
	apiJSON(w, http.StatusAccepted, map[string]string{"status": msg})
}

// previewJSON is a preview as the API returns it.
type previewJSON struct {
	Items    []pressfeed.Item    `json:"items"`
	Warnings []string            `json:"warnings"`
	Strategy string              `json:"strategy,omitempty"` // an auto source's way in
	Attempts []pressfeed.Attempt `json:"attempts,omitempty"` // what each of its strategies found
}

func (s *Server) apiPreview(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	src, ok := s.readSource(w, r, newSourceDefaults)
	if !ok {
		return
	}
	if s.desk.previewer == nil {
		apiError(w, http.StatusServiceUnavailable, "previews are not available on this server")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), previewTimeout)
	defer cancel()
	pv, err := s.desk.previewer.Preview(ctx, src)
	if err != nil {
		apiError(w, http.StatusBadGateway, "the source could not be read: "+err.Error())
		return
	}
	out := previewJSON{Items: pv.Items, Warnings: pv.Warnings, Strategy: pv.Strategy, Attempts: pv.Attempts}
	if out.Items == nil {
		out.Items = []pressfeed.Item{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	apiJSON(w, http.StatusOK, out)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	q := pressfeed.AuditQuery{SourceID: r.URL.Query().Get("source"), Before: r.URL.Query().Get("before")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			apiError(w, http.StatusBadRequest, fmt.Sprintf("limit %q is not a whole number from 1 to 500", l))
			return
		}
		q.Limit = n
	}
	entries, next, err := s.desk.admin.AuditLog(r.Context(), q)
	if errors.Is(err, pressfeed.ErrInvalidCursor) {
		apiError(w, http.StatusBadRequest, "before is not an audit entry id")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if entries == nil {
		entries = []pressfeed.AuditEntry{}
	}
	apiJSON(w, http.StatusOK, map[string]any{"entries": entries, "next": next})
}
