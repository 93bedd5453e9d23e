package web

import (
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
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

// authorizedAdmin reports whether r carries the daemon's local token.
func (s *Server) authorizedAdmin(r *http.Request) bool {
	want := s.opts.Ops.LocalToken
	if want == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// handleBackup sends a consistent copy of the store. The copy is made to a
// temporary file first, so the download can be as slow as it likes.
func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !s.authorizedAdmin(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="pressfeed admin"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
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
	s.logger.Info("backup downloaded", "bytes", n, "remote", r.RemoteAddr)
}
