package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"pressfeed"
	"pressfeed/auth"
	"pressfeed/sourcelist"
)

// importData is the import page: the file, its problems or the plan of
// what importing it would change.
type importData struct {
	Content  string
	Problems []string
	Plan     *importPlan
	Token    string // identifies the checked content
	Stale    bool   // apply was asked for content that was not the checked one
}

// importPlan is what an import changes. Sources not in the file are left
// alone: an import adds and replaces, it never deletes.
type importPlan struct {
	Add    []pressfeed.Source
	Change []changedSource
	Same   int
}

type changedSource struct {
	Source pressfeed.Source
	Fields []fieldChange
}

func (s *Server) handleImportForm(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	s.render(w, r, http.StatusOK, "import", s.adminPage(sess, "Import sources", importData{}))
}

// handleImport checks an uploaded or pasted source list (TOML or OPML) and
// shows what it would change; applying the checked list stores all of it in
// one transaction, or nothing.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	ctx := r.Context()
	content, err := importContent(r)
	if err != nil {
		d := importData{Problems: []string{err.Error()}}
		s.render(w, r, http.StatusUnprocessableEntity, "import", s.adminPage(sess, "Import sources", d))
		return
	}
	d := importData{Content: content, Token: contentToken(content)}
	list, err := sourcelist.Parse("import", []byte(content), s.desk.admin.ValidateSource)
	if err != nil {
		var cerr *sourcelist.Error
		if errors.As(err, &cerr) {
			d.Problems = cerr.Problems
		} else {
			d.Problems = []string{err.Error()}
		}
		s.render(w, r, http.StatusUnprocessableEntity, "import", s.adminPage(sess, "Import sources", d))
		return
	}
	plan, err := s.planImport(r, list)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostFormValue("step") != "apply" || r.PostFormValue("checked") != d.Token {
		d.Stale = r.PostFormValue("step") == "apply"
		d.Plan = plan
		s.render(w, r, http.StatusOK, "import", s.adminPage(sess, "Import sources", d))
		return
	}
	var changes []pressfeed.SourceChange
	for _, src := range plan.Add {
		changes = append(changes, pressfeed.SourceChange{Action: pressfeed.ActionPut, Source: src})
	}
	for _, c := range plan.Change {
		changes = append(changes, pressfeed.SourceChange{Action: pressfeed.ActionPut, Source: c.Source})
	}
	entries, err := s.desk.admin.ApplySourceChanges(ctx, webActor(sess), changes)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, ch := range changes {
		s.reschedule(ch.Source)
	}
	s.logger.Info("sources imported", "account", sess.Name, "changes", len(entries))
	s.done(w, r, sess, "/admin", fmt.Sprintf("Imported: %d added, %d changed, %d unchanged.", len(plan.Add), len(plan.Change), plan.Same))
}

// importContent returns the uploaded file if there is one, else the pasted
// text.
func importContent(r *http.Request) (string, error) {
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxFormBytes))
		if err != nil {
			return "", fmt.Errorf("read the uploaded file: %w", err)
		}
		if len(bytes.TrimSpace(b)) > 0 {
			return string(b), nil
		}
	}
	content := r.PostFormValue("content")
	if strings.TrimSpace(content) == "" {
		return "", errors.New("choose a file or paste a source list (TOML [[source]] tables or OPML)")
	}
	return content, nil
}

func contentToken(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:12])
}

// planImport compares an imported list with the stored sources.
func (s *Server) planImport(r *http.Request, list []pressfeed.Source) (*importPlan, error) {
	current, err := s.store.Sources(r.Context())
	if err != nil {
		return nil, err
	}
	have := byID(current)
	plan := &importPlan{}
	for _, src := range list {
		old, ok := have[src.ID]
		if !ok {
			plan.Add = append(plan.Add, src)
			continue
		}
		if diff := sourceDiff(&old, &src); len(diff) > 0 {
			plan.Change = append(plan.Change, changedSource{Source: src, Fields: diff})
		} else {
			plan.Same++
		}
	}
	return plan, nil
}

// handleExport serves the source list as a download in format, "toml" or
// "opml"; either imports back unchanged.
func (s *Server) handleExport(format string) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, sess auth.Session) {
		sources, err := s.store.Sources(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var buf bytes.Buffer
		switch format {
		case "opml":
			err = sourcelist.WriteOPML(&buf, sourcelist.Title, sources)
			w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
		default:
			err = sourcelist.WriteTOML(&buf, sources)
			w.Header().Set("Content-Type", "application/toml; charset=utf-8")
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Disposition", `attachment; filename="pressfeed-sources.`+format+`"`)
		w.Write(buf.Bytes())
	}
}
