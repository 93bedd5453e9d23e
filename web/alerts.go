package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"pressfeed"
	"pressfeed/auth"
)

// alertRow is one subscription on /admin/alerts with where its deliveries
// stand.
type alertRow struct {
	Sub pressfeed.Subscription
	// Last is its latest delivery (zero before the first); Failed counts
	// its deliveries that failed for good.
	Last   pressfeed.Delivery
	Failed int
}

// Failing reports whether the latest delivery failed or is being retried.
func (a alertRow) Failing() bool {
	return a.Last.State == pressfeed.DeliveryFailed || a.Last.LastError != ""
}

// alertsData is the /admin/alerts page. Created is the subscription just
// made, shown once with its webhook secret.
type alertsData struct {
	Rows    []alertRow
	Form    pressfeed.Subscription
	Errors  map[string]string // field → reason, for the add form
	Created *pressfeed.Subscription
}

// alertsOn answers 404 when the server has no alert runner.
func (s *Server) alertsOn(w http.ResponseWriter) bool {
	if s.opts.Alerts == nil || s.desk.admin == nil {
		http.Error(w, "alerts are not enabled on this server", http.StatusNotFound)
		return false
	}
	return true
}

// alertRows lists every subscription with its latest delivery.
func (s *Server) alertRows(r *http.Request) ([]alertRow, error) {
	subs, err := s.desk.admin.Subscriptions(r.Context())
	if err != nil {
		return nil, err
	}
	deliveries, err := s.desk.admin.Deliveries(r.Context())
	if err != nil {
		return nil, err
	}
	latest := pressfeed.LatestDeliveries(deliveries)
	failed := map[string]int{}
	for _, d := range deliveries {
		if d.State == pressfeed.DeliveryFailed {
			failed[d.Subscription]++
		}
	}
	rows := make([]alertRow, len(subs))
	for i, sub := range subs {
		rows[i] = alertRow{Sub: sub, Last: latest[sub.Name], Failed: failed[sub.Name]}
	}
	return rows, nil
}

func (s *Server) handleAlerts(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	s.showAlerts(w, r, sess, http.StatusOK, alertsData{Form: pressfeed.Subscription{Cadence: pressfeed.CadenceImmediate}})
}

func (s *Server) showAlerts(w http.ResponseWriter, r *http.Request, sess auth.Session, status int, d alertsData) {
	if !s.alertsOn(w) {
		return
	}
	rows, err := s.alertRows(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Rows = rows
	s.render(w, r, status, "alerts", s.adminPage(sess, "Alerts", d))
}

// subscriptionFromForm reads the add form.
func subscriptionFromForm(r *http.Request) pressfeed.Subscription {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	sub := pressfeed.Subscription{Name: v("name"), Filter: strings.TrimPrefix(v("filter"), "?"), To: v("to"), Cadence: pressfeed.Cadence(v("cadence")), Window: v("window")}
	if sub.To != "" && !strings.Contains(sub.To, ":") {
		sub.To = "mailto:" + sub.To // a bare address
	}
	if sub.Cadence == pressfeed.CadenceDigest {
		sub.At, sub.Days = v("at"), v("days")
	}
	return sub
}

func (s *Server) handleAddAlert(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	if !s.alertsOn(w) {
		return
	}
	form := subscriptionFromForm(r)
	sub, err := s.opts.Alerts.Prepare(r.Context(), form)
	if err == nil {
		err = s.desk.admin.AddSubscription(r.Context(), webActor(sess), sub)
	}
	var verr pressfeed.ValidationError
	switch {
	case errors.As(err, &verr):
		d := alertsData{Form: form, Errors: map[string]string{}}
		for _, f := range verr {
			d.Errors[f.Field] = f.Reason
		}
		s.showAlerts(w, r, sess, http.StatusUnprocessableEntity, d)
		return
	case errors.Is(err, pressfeed.ErrExists):
		s.showAlerts(w, r, sess, http.StatusConflict, alertsData{Form: form, Errors: map[string]string{
			"name": fmt.Sprintf("a subscription called %q exists; delete it first or choose another name", form.Name)}})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.logger.Info("alert subscription added", "subscription", sub.Name, "account", sess.Name)
	s.showAlerts(w, r, sess, http.StatusOK, alertsData{Form: pressfeed.Subscription{Cadence: pressfeed.CadenceImmediate}, Created: &sub})
}

func (s *Server) handleDeleteAlert(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	if !s.alertsOn(w) {
		return
	}
	name := r.PathValue("name")
	err := s.desk.admin.DeleteSubscription(r.Context(), webActor(sess), name)
	if !s.adminOK(w, r, sess, err, "/admin/alerts", fmt.Sprintf("There is no subscription %q.", name)) {
		return
	}
	s.logger.Info("alert subscription deleted", "subscription", name, "account", sess.Name)
	s.done(w, r, sess, "/admin/alerts", fmt.Sprintf("Deleted %q; nothing more is sent to it.", name))
}

func (s *Server) handleTestAlert(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	if !s.alertsOn(w) {
		return
	}
	name := r.PathValue("name")
	n, err := s.opts.Alerts.Test(r.Context(), name)
	switch {
	case errors.Is(err, pressfeed.ErrNotFound):
		s.done(w, r, sess, "/admin/alerts", fmt.Sprintf("There is no subscription %q.", name))
	case err != nil:
		s.logger.Warn("alert test failed", "subscription", name, "account", sess.Name, "error", err)
		s.done(w, r, sess, "/admin/alerts", fmt.Sprintf("The test digest to %q was not sent: %v", name, err))
	default:
		s.done(w, r, sess, "/admin/alerts", fmt.Sprintf("Sent %q a test digest of %d stories.", name, n))
	}
}

// handleAlertPreview shows a subscription's current digest as its email's
// HTML, sending nothing. The message's own markup is served under the
// page's strict policy, so its links work and nothing else runs.
func (s *Server) handleAlertPreview(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	if !s.alertsOn(w) {
		return
	}
	body, err := s.opts.Alerts.Preview(r.Context(), r.URL.Query().Get("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(body)
}

// unsubscribeData is the unsubscribe page.
type unsubscribeData struct {
	Name, Token string
	Done        bool
}

// unsubscribeTarget finds the subscription an unsubscribe link names and
// checks its token; a bad or stale link gets 404 with no hint of which
// part was wrong.
func (s *Server) unsubscribeTarget(w http.ResponseWriter, r *http.Request) (pressfeed.Subscription, bool) {
	if !s.alertsOn(w) {
		return pressfeed.Subscription{}, false
	}
	q := r.URL.Query()
	sub, err := s.desk.admin.Subscription(r.Context(), q.Get("name"))
	if err != nil && !errors.Is(err, pressfeed.ErrNotFound) {
		s.fail(w, r, err)
		return sub, false
	}
	if err != nil || !sub.CheckUnsubscribeToken(q.Get("token")) {
		s.render(w, r, http.StatusNotFound, "unsubscribe", page{Title: "Unsubscribe", Data: unsubscribeData{}})
		return sub, false
	}
	return sub, true
}

// handleUnsubscribeForm asks before unsubscribing, since mail scanners
// follow links: only the POST acts.
func (s *Server) handleUnsubscribeForm(w http.ResponseWriter, r *http.Request) {
	sub, ok := s.unsubscribeTarget(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "unsubscribe", page{Title: "Unsubscribe", Data: unsubscribeData{Name: sub.Name, Token: r.URL.Query().Get("token")}})
}

// handleUnsubscribe ends the subscription the link names: the page's
// button, or a mail client's one-click POST (RFC 8058). The signed token is
// the authority, so it needs no session or CSRF token.
func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	sub, ok := s.unsubscribeTarget(w, r)
	if !ok {
		return
	}
	by := pressfeed.Actor{Name: sub.Email(), Via: "unsubscribe link"}
	if err := s.desk.admin.DeleteSubscription(r.Context(), by, sub.Name); err != nil && !errors.Is(err, pressfeed.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	s.logger.Info("alert subscription ended by its unsubscribe link", "subscription", sub.Name)
	s.render(w, r, http.StatusOK, "unsubscribe", page{Title: "Unsubscribed", Data: unsubscribeData{Name: sub.Name, Done: true}})
}
