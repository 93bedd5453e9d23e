package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"pressfeed"
)

// apiSubscriptionView is a subscription as the API shows it: its secret
// left out (it is given once, in the answer that creates it) and its
// latest delivery added.
type apiSubscriptionView struct {
	pressfeed.Subscription
	Secret       string              `json:"secret,omitempty"`
	LastDelivery *pressfeed.Delivery `json:"last_delivery,omitempty"`
	Failed       int                 `json:"failed_deliveries"`
}

func viewOf(row alertRow) apiSubscriptionView {
	v := apiSubscriptionView{Subscription: row.Sub, Failed: row.Failed}
	if row.Last.ID != 0 {
		last := row.Last
		last.Stories = nil // the ids say what it carried
		v.LastDelivery = &last
	}
	return v
}

// apiAlertsOn answers 404 when the server has no alert runner.
func (s *Server) apiAlertsOn(w http.ResponseWriter) bool {
	if s.opts.Alerts == nil {
		apiError(w, http.StatusNotFound, "alerts are not enabled on this server")
		return false
	}
	return true
}

// apiRows answers with the subscriptions and their deliveries, or answers
// the error and returns false.
func (s *Server) apiRows(w http.ResponseWriter, r *http.Request) ([]apiSubscriptionView, bool) {
	if !s.apiAlertsOn(w) {
		return nil, false
	}
	rows, err := s.alertRows(r)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	list := make([]apiSubscriptionView, len(rows))
	for i, row := range rows {
		list[i] = viewOf(row)
	}
	return list, true
}

func (s *Server) apiSubscriptions(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	if list, ok := s.apiRows(w, r); ok {
		apiJSON(w, http.StatusOK, map[string]any{"subscriptions": list})
	}
}

func (s *Server) apiSubscription(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	list, ok := s.apiRows(w, r)
	if !ok {
		return
	}
	for _, v := range list {
		if v.Name == r.PathValue("name") {
			apiJSON(w, http.StatusOK, v)
			return
		}
	}
	apiError(w, http.StatusNotFound, fmt.Sprintf("there is no subscription %q", r.PathValue("name")))
}

// subscriptionInput is what a client may set; the rest is the server's.
type subscriptionInput struct {
	Name    string            `json:"name"`
	Filter  string            `json:"filter"`
	To      string            `json:"to"`
	Cadence pressfeed.Cadence `json:"cadence"`
	At      string            `json:"at"`
	Days    string            `json:"days"`
	Window  string            `json:"window"`
}

// apiAddSubscription creates a subscription: 201 with it, its secret shown
// this once; 400 for a body that is not one, 422 naming each bad field, 409
// for a taken name.
func (s *Server) apiAddSubscription(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	if !s.apiAlertsOn(w) {
		return
	}
	var in subscriptionInput
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		apiError(w, http.StatusBadRequest, fmt.Sprintf("the body is not a JSON subscription: %v", err))
		return
	}
	sub, err := s.opts.Alerts.Prepare(r.Context(), pressfeed.Subscription{Name: in.Name, Filter: in.Filter, To: in.To, Cadence: in.Cadence, At: in.At, Days: in.Days, Window: in.Window})
	if err == nil {
		err = s.desk.admin.AddSubscription(r.Context(), by, sub)
	}
	var verr pressfeed.ValidationError
	switch {
	case errors.As(err, &verr):
		apiError(w, http.StatusUnprocessableEntity, "invalid subscription", verr...)
		return
	case errors.Is(err, pressfeed.ErrExists):
		apiError(w, http.StatusConflict, fmt.Sprintf("a subscription called %q exists; delete it first", in.Name))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.logger.Info("alert subscription added", "subscription", sub.Name, "token_name", by.Name)
	w.Header().Set("Location", "/api/v1/subscriptions/"+sub.Name)
	apiJSON(w, http.StatusCreated, apiSubscriptionView{Subscription: sub, Secret: sub.Secret})
}

func (s *Server) apiDeleteSubscription(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	if !s.apiAlertsOn(w) {
		return
	}
	name := r.PathValue("name")
	err := s.desk.admin.DeleteSubscription(r.Context(), by, name)
	if !s.apiOK(w, r, err, fmt.Sprintf("there is no subscription %q", name)) {
		return
	}
	s.logger.Info("alert subscription deleted", "subscription", name, "token_name", by.Name)
	w.WriteHeader(http.StatusNoContent)
}

// apiTestSubscription sends the current digest now: 200 with how many
// stories it carried, 502 with the mail server's or hook's error.
func (s *Server) apiTestSubscription(w http.ResponseWriter, r *http.Request, by pressfeed.Actor) {
	if !s.apiAlertsOn(w) {
		return
	}
	name := r.PathValue("name")
	n, err := s.opts.Alerts.Test(r.Context(), name)
	switch {
	case errors.Is(err, pressfeed.ErrNotFound):
		apiError(w, http.StatusNotFound, fmt.Sprintf("there is no subscription %q", name))
	case err != nil:
		apiError(w, http.StatusBadGateway, fmt.Sprintf("the test digest was not sent: %v", err))
	default:
		apiJSON(w, http.StatusOK, map[string]any{"sent": true, "stories": n})
	}
}
