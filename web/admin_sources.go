package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pressfeed"
	"pressfeed/auth"
)

// previewTimeout bounds a preview fetch, so an admin waits at most this
// long for a slow site.
const previewTimeout = 30 * time.Second

// previewItems is how many items a preview lists.
const previewItems = 10

// sourceFormData is the add and edit form, with what the last submission
// found: field errors, or the preview of the definition as submitted.
type sourceFormData struct {
	New       bool
	Action    string // where the form posts
	Source    pressfeed.Source
	Errors    map[string]string // field → reason
	Problems  []pressfeed.FieldError
	Preview   *previewView
	Previewed string             // the token of the definition the preview shows
	Changed   bool               // save was asked for, but the fields differ from the preview
	Kinds     []choice           // every kind, the source's selected
	Types     []choice           // every type, the source's selected
	Pins      []string           // the strategies a pin may name
	HTML      pressfeed.HTMLSpec // the selectors shown, empty when the source has none
	FeedLines string             // the declared feeds, one a line
	// Version is the stored definition the edit was opened against; a
	// save is refused if the source has changed since (Conflict says how).
	Version  string
	Conflict *conflictView
}

type previewView struct {
	Count    int
	Items    []previewItem
	Warnings []string
	Error    string
	Strategy string              // an auto source's way in, in words
	Attempts []pressfeed.Attempt // what each of its strategies found
}

type previewItem struct {
	Title, Link, Summary string
	Published            time.Time
}

func (s *Server) newSourceForm(src pressfeed.Source, isNew bool) sourceFormData {
	d := sourceFormData{New: isNew, Source: src, Pins: s.opts.Pins, FeedLines: strings.Join(src.Feeds, "\n"),
		Kinds: choicesOf(pressfeed.Kinds, []pressfeed.Kind{src.Kind}, func(k pressfeed.Kind) string { return namesOf(k).heading }),
		Types: choicesOf(pressfeed.SourceTypes, []pressfeed.SourceType{src.Type}, func(t pressfeed.SourceType) string { return string(t) }),
	}
	if src.HTML != nil {
		d.HTML = *src.HTML
	}
	d.Action = "/admin/sources/new"
	if !isNew {
		d.Action = "/admin/sources/" + src.ID + "/edit"
		d.Version = src.Version()
	}
	return d
}

func (s *Server) handleNewSourceForm(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	src := pressfeed.Source{Kind: pressfeed.KindForce, Type: pressfeed.TypeAuto, Enabled: true}
	s.render(w, r, http.StatusOK, "source_form", s.adminPage(sess, "Add a source", s.newSourceForm(src, true)))
}

func (s *Server) handleEditSourceForm(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	src, ok := s.sourceFromStore(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "source_form", s.adminPage(sess, "Edit "+src.Name, s.newSourceForm(src, false)))
}

// handleSourceForm takes a submitted add or edit form. Invalid fields come
// back with their reasons (422). A valid definition is previewed; it is
// saved only when the admin presses Save on a preview of exactly these
// fields, so nothing is stored that its admin has not seen fetched.
func (s *Server) handleSourceForm(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	ctx := r.Context()
	isNew := r.PathValue("id") == ""
	var base pressfeed.Source
	if !isNew {
		var ok bool
		if base, ok = s.sourceFromStore(w, r); !ok {
			return
		}
	}
	src := sourceFromForm(r, base, isNew)
	title := "Add a source"
	if !isNew {
		title = "Edit " + base.Name
	}
	d := s.newSourceForm(src, isNew)
	if !isNew {
		d.Version = r.PostFormValue("version") // what the admin opened, not what is stored now
	}
	if err := s.desk.admin.ValidateSource(src); err != nil {
		d.setErrors(err)
		s.render(w, r, http.StatusUnprocessableEntity, "source_form", s.adminPage(sess, title, d))
		return
	}
	if isNew {
		if other, err := s.desk.admin.Source(ctx, src.ID); err == nil {
			d.setErrors(pressfeed.ValidationError{{Field: "id", Reason: fmt.Sprintf("%q is already used by %s", src.ID, other.Name)}})
			s.render(w, r, http.StatusUnprocessableEntity, "source_form", s.adminPage(sess, title, d))
			return
		}
	}
	token := previewToken(src)
	if r.PostFormValue("step") == "save" && r.PostFormValue("previewed") == token {
		s.saveSource(w, r, sess, d, title)
		return
	}
	d.Changed = r.PostFormValue("step") == "save"
	d.Preview = s.preview(ctx, src)
	d.Previewed = token
	s.render(w, r, http.StatusOK, "source_form", s.adminPage(sess, title, d))
}

func (s *Server) saveSource(w http.ResponseWriter, r *http.Request, sess auth.Session, d sourceFormData, title string) {
	action := pressfeed.ActionUpdate
	if d.New {
		action = pressfeed.ActionCreate
	}
	src := d.Source
	entries, err := s.desk.admin.ApplySourceChanges(r.Context(), webActor(sess), []pressfeed.SourceChange{{Action: action, Source: src, IfVersion: d.Version}})
	var ce *pressfeed.ConflictError
	switch {
	case errors.As(err, &ce):
		d.Conflict = s.newConflictView(ce, src)
		d.Version = ce.Current.Version() // a second Save replaces theirs, knowingly
		d.Previewed = previewToken(src)  // of the definition just previewed and saved
		s.logger.Info("source save refused as stale", "source", src.ID, "account", sess.Name, "changed_by", d.Conflict.By)
		s.render(w, r, http.StatusConflict, "source_form", s.adminPage(sess, title, d))
		return
	case errors.Is(err, pressfeed.ErrExists):
		d.setErrors(pressfeed.ValidationError{{Field: "id", Reason: fmt.Sprintf("%q was added by someone else meanwhile; choose another id", src.ID)}})
		s.render(w, r, http.StatusConflict, "source_form", s.adminPage(sess, title, d))
		return
	case errors.Is(err, pressfeed.ErrNotFound):
		s.renderError(w, r, http.StatusNotFound, "admin", "No such source", fmt.Sprintf("%s was deleted while you edited it; nothing was saved.", src.ID))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if len(entries) == 0 {
		s.done(w, r, sess, "/admin", fmt.Sprintf("%s: nothing changed.", src.Name))
		return
	}
	s.logger.Info("source saved", "source", src.ID, "action", action, "account", sess.Name)
	s.done(w, r, sess, "/admin", fmt.Sprintf("Saved %s. %s", src.Name, s.reschedule(src)))
}

// reschedule tells the scheduler of a new or changed definition and says
// what happens next, for the admin's message.
func (s *Server) reschedule(src pressfeed.Source) string {
	if s.desk.scheduler == nil {
		return "It takes effect when the daemon restarts."
	}
	if err := s.desk.scheduler.Put(src); err != nil {
		s.logger.Error("schedule source", "source", src.ID, "error", err)
		return "It could not be scheduled: " + err.Error()
	}
	if !src.Enabled {
		return "It is disabled and will not be polled."
	}
	return "It is being polled now."
}

func (s *Server) unschedule(id string) {
	if s.desk.scheduler != nil {
		s.desk.scheduler.Remove(id)
	}
}

// sourceFromForm reads the form's fields over base, so fields the form
// does not show are kept as stored. The id of an existing source cannot
// change: its items are keyed by it.
func sourceFromForm(r *http.Request, base pressfeed.Source, isNew bool) pressfeed.Source {
	src := base
	if isNew {
		src.ID = strings.TrimSpace(r.PostFormValue("id"))
	}
	src.Name = strings.TrimSpace(r.PostFormValue("name"))
	src.Kind = pressfeed.Kind(r.PostFormValue("kind"))
	src.Area = strings.TrimSpace(r.PostFormValue("area"))
	src.URL = strings.TrimSpace(r.PostFormValue("url"))
	src.Type = pressfeed.SourceType(r.PostFormValue("type"))
	src.Schedule = strings.TrimSpace(r.PostFormValue("schedule"))
	src.Enabled = r.PostFormValue("enabled") == "on"
	src.Pin = strings.TrimSpace(r.PostFormValue("pin"))
	src.Feeds = nil
	for _, line := range strings.Split(r.PostFormValue("feeds"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			src.Feeds = append(src.Feeds, line)
		}
	}
	src.HTML = htmlFromForm(r, base.HTML)
	return src
}

// htmlFromForm reads the selector fields over base's, keeping the
// attributes the form does not show. All of them empty means no selectors.
func htmlFromForm(r *http.Request, base *pressfeed.HTMLSpec) *pressfeed.HTMLSpec {
	var h pressfeed.HTMLSpec
	if base != nil {
		h = *base
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"html.item", &h.Item}, {"html.title", &h.Title}, {"html.link", &h.Link}, {"html.date", &h.Date},
		{"html.date_layout", &h.DateLayout}, {"html.summary", &h.Summary}, {"html.image", &h.Image}} {
		*f.dst = strings.TrimSpace(r.PostFormValue(f.name))
	}
	h.Follow = 0
	if v := strings.TrimSpace(r.PostFormValue("html.follow")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			n = -1 // validation names the field
		}
		h.Follow = n
	}
	if h == (pressfeed.HTMLSpec{LinkAttr: h.LinkAttr, DateAttr: h.DateAttr, ImageAttr: h.ImageAttr}) {
		return nil
	}
	return &h
}

func (d *sourceFormData) setErrors(err error) {
	var verr pressfeed.ValidationError
	if !errors.As(err, &verr) {
		verr = pressfeed.ValidationError{{Field: "source", Reason: err.Error()}}
	}
	d.Problems = verr
	d.Errors = make(map[string]string, len(verr))
	for _, fe := range verr {
		d.Errors[fe.Field] = fe.Reason
	}
}

// previewToken identifies a definition, so a Save can be matched to the
// preview the admin saw. It is no secret: it guards against surprises, and
// CSRF guards against forgery.
func previewToken(src pressfeed.Source) string {
	b, _ := json.Marshal(src) // a Source always encodes
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// preview fetches src for the form; failures are shown, not fatal.
func (s *Server) preview(ctx context.Context, src pressfeed.Source) *previewView {
	if s.desk.previewer == nil {
		return &previewView{Error: "previews are not available on this server"}
	}
	ctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	pv, err := s.desk.previewer.Preview(ctx, src)
	if err != nil {
		return &previewView{Error: err.Error()}
	}
	v := &previewView{Count: len(pv.Items), Warnings: pv.Warnings, Attempts: pv.Attempts}
	if pv.Strategy != "" {
		v.Strategy = pressfeed.StrategyLabel(pv.Strategy)
	}
	for i, it := range pv.Items {
		if i == previewItems {
			break
		}
		v.Items = append(v.Items, previewItem{Title: it.Title, Link: it.Link, Summary: summaryText(it.Summary, 200), Published: it.Published})
	}
	return v
}

func (s *Server) handleSetEnabled(enabled bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, sess auth.Session) {
		src, ok := s.sourceFromStore(w, r)
		if !ok {
			return
		}
		src.Enabled = enabled
		verb := "Disabled"
		if enabled {
			verb = "Enabled"
		}
		_, err := s.desk.admin.ApplySourceChanges(r.Context(), webActor(sess), []pressfeed.SourceChange{{Action: pressfeed.ActionUpdate, Source: src, IfVersion: r.PostFormValue("version")}})
		if s.refusedAsStale(w, r, sess, err, strings.ToLower(verb)) {
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.logger.Info("source "+strings.ToLower(verb), "source", src.ID, "account", sess.Name)
		s.done(w, r, sess, "/admin", fmt.Sprintf("%s %s. %s", verb, src.Name, s.reschedule(src)))
	}
}

func (s *Server) handlePollNow(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	src, ok := s.sourceFromStore(w, r)
	if !ok {
		return
	}
	msg, _ := s.pollNow(r.Context(), src, webActor(sess))
	s.done(w, r, sess, "/admin", msg)
}

// pollNow starts a poll of src outside its schedule and records who asked.
// It reports whether the poll started, with a sentence saying so.
func (s *Server) pollNow(ctx context.Context, src pressfeed.Source, by pressfeed.Actor) (string, bool) {
	switch {
	case !src.Enabled:
		return fmt.Sprintf("%s is disabled; enable it to poll it.", src.Name), false
	case s.desk.scheduler == nil || !s.desk.scheduler.PollNow(src.ID):
		return fmt.Sprintf("%s could not be polled now: the scheduler is not running.", src.Name), false
	}
	if _, err := s.desk.admin.ApplySourceChanges(ctx, by, []pressfeed.SourceChange{{Action: pressfeed.ActionPoll, Source: src}}); err != nil {
		s.logger.Error("record poll in audit log", "source", src.ID, "error", err)
	}
	return fmt.Sprintf("Polling %s now; its status changes when the poll ends.", src.Name), true
}

func (s *Server) handleDeleteConfirm(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	src, ok := s.sourceFromStore(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "delete", s.adminPage(sess, "Delete "+src.Name, src))
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	src, ok := s.sourceFromStore(w, r)
	if !ok {
		return
	}
	_, err := s.desk.admin.ApplySourceChanges(r.Context(), webActor(sess), []pressfeed.SourceChange{{Action: pressfeed.ActionDelete, Source: src, IfVersion: r.PostFormValue("version")}})
	if s.refusedAsStale(w, r, sess, err, "deleted") {
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.unschedule(src.ID)
	s.logger.Info("source deleted", "source", src.ID, "account", sess.Name)
	s.done(w, r, sess, "/admin", fmt.Sprintf("Deleted %s. The items it published stay in the feeds.", src.Name))
}
