package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"pressfeed"
	"pressfeed/auth"
)

// conflictView tells an admin whose save was refused who changed the
// source meanwhile, and shows the saved definition beside theirs.
type conflictView struct {
	ID, Name string
	By, At   string
	Rows     []conflictRow
}

// conflictRow is one field, as saved now and as the admin entered it.
type conflictRow struct {
	Field, Theirs, Yours string
	Differs              bool
}

// newConflictView describes ce against the definition the admin submitted.
func (s *Server) newConflictView(ce *pressfeed.ConflictError, yours pressfeed.Source) *conflictView {
	v := &conflictView{ID: ce.Current.ID, Name: ce.Current.Name, By: "someone", At: "an unknown time"}
	if ce.By.Name != "" {
		v.By = ce.By.String()
	}
	if !ce.At.IsZero() {
		v.At = s.auditTime(ce.At)
	}
	theirs, mine := sourceFields(ce.Current), sourceFields(yours)
	for i, f := range theirs {
		v.Rows = append(v.Rows, conflictRow{Field: f[0], Theirs: f[1], Yours: mine[i][1], Differs: f[1] != mine[i][1]})
	}
	return v
}

// sourceFields lists the fields the source form edits, as text.
func sourceFields(src pressfeed.Source) [][2]string {
	h := pressfeed.HTMLSpec{}
	if src.HTML != nil {
		h = *src.HTML
	}
	return [][2]string{
		{"name", src.Name}, {"kind", string(src.Kind)}, {"area", src.Area}, {"url", src.URL},
		{"type", string(src.Type)}, {"schedule", src.Schedule}, {"enabled", strconv.FormatBool(src.Enabled)},
		{"pin", src.Pin}, {"feeds", strings.Join(src.Feeds, " ")},
		{"html.item", h.Item}, {"html.title", h.Title}, {"html.link", h.Link}, {"html.date", h.Date},
		{"html.date_layout", h.DateLayout}, {"html.summary", h.Summary}, {"html.image", h.Image},
		{"html.follow", strconv.Itoa(h.Follow)},
	}
}

// refusedAsStale answers a one-click change (enable, disable, delete) that
// the store refused because the source changed since the admin's page was
// loaded: 409, saying who changed it, and nothing done. It reports whether
// err was such a refusal.
func (s *Server) refusedAsStale(w http.ResponseWriter, r *http.Request, sess auth.Session, err error, what string) bool {
	var ce *pressfeed.ConflictError
	if !errors.As(err, &ce) {
		return false
	}
	v := s.newConflictView(ce, ce.Current)
	s.logger.Info("source change refused as stale", "source", ce.Current.ID, "account", sess.Name, "changed_by", v.By)
	s.renderError(w, r, http.StatusConflict, "admin", "Changed meanwhile",
		fmt.Sprintf("%s was not %s: it was changed by %s at %s since your page was loaded. Look at it again before you do.", ce.Current.Name, what, v.By, v.At))
	return true
}
