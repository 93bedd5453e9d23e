package web

import (
	"errors"
	"net/http"
	"net/url"
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

// auditTime is how the audit log shows a time: exact, in London.
func (s *Server) auditTime(t time.Time) string {
	return t.In(s.desk.london).Format("2 Jan 2006 15:04:05 MST")
}
