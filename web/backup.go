package web

import (
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pressfeed/auth"
)

// BackupFile is a finished, consistent copy of the store on local disk,
// ready to send. Because it is a copy, a slow download holds no store
// transaction open and never stalls the writers.
type BackupFile struct {
	io.Reader           // the copy, from its first byte
	Size      int64     // its length in bytes
	Taken     time.Time // when the copy was made
	// Close closes and removes the copy.
	Close func() error
}

// backupWriteTimeout replaces the server's write timeout for a backup
// download: a store of a few hundred megabytes over a slow link takes
// longer than a feed.
const backupWriteTimeout = time.Hour

// backupAllowed returns who is asking for a backup, and whether they may:
// the daemon's own local token (pressfeed backup on this machine), a
// signed-in admin's session (a browser), or an API token (a script
// elsewhere; `pressfeed admin token create` makes one). Everyone else is
// refused.
func (s *Server) backupAllowed(r *http.Request) (string, bool) {
	if sess, ok := s.session(r); ok {
		return "admin " + sess.Name, true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	if want := s.opts.Ops.LocalToken; want != "" && subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1 {
		return "local token", true
	}
	if s.desk.admin != nil {
		if tok, err := s.desk.admin.UseToken(r.Context(), auth.HashToken(token)); err == nil {
			return "api token " + tok.Name, true
		}
	}
	return "", false
}

// handleBackup sends a consistent copy of the store. The copy is made to a
// temporary file first, so the download can be as slow as it likes.
func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	who, ok := s.backupAllowed(r)
	if !ok {
		s.logger.Warn("backup refused: not authenticated", "remote", s.clientIP(r))
		w.Header().Set("WWW-Authenticate", `Bearer realm="pressfeed"`)
		http.Error(w, "authentication required: sign in at /admin/signin, or send Authorization: Bearer TOKEN", http.StatusUnauthorized)
		return
	}
	b, err := s.opts.Ops.Backup(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("backup: %w", err))
		return
	}
	defer func() {
		if err := b.Close(); err != nil {
			s.logger.Warn("remove backup copy", "error", err)
		}
	}()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(backupWriteTimeout))
	name := "pressfeed-" + b.Taken.UTC().Format("20060102T150405Z") + ".db"
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.FormatInt(b.Size, 10))
	w.Header().Set("Last-Modified", b.Taken.UTC().Format(http.TimeFormat))
	n, err := io.Copy(w, b)
	if err != nil {
		s.logger.Warn("backup download cut short", "bytes", n, "size", b.Size, "error", err)
		return
	}
	s.logger.Info("backup downloaded", "bytes", n, "by", who, "remote", s.clientIP(r))
}
