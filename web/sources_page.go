package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"pressfeed"
)

// Source statuses, worst first; the page sorts by them. They are the
// domain's conditions (pressfeed.Judge).
const (
	statusBlocked  = string(pressfeed.ConditionBlocked)
	statusFailing  = string(pressfeed.ConditionFailing)
	statusBackoff  = string(pressfeed.ConditionBackoff)
	statusStale    = string(pressfeed.ConditionStale)
	statusWaiting  = string(pressfeed.ConditionWaiting)
	statusOK       = string(pressfeed.ConditionOK)
	statusDisabled = string(pressfeed.ConditionDisabled)
)

var statusOrder = map[string]int{statusFailing: 0, statusBlocked: 1, statusBackoff: 2, statusStale: 3, statusWaiting: 4, statusOK: 5, statusDisabled: 6}

// sourceHealth is one source as the health view shows it.
type sourceHealth struct {
	Source    pressfeed.Source      `json:"source"`
	State     pressfeed.SourceState `json:"state"`
	Status    string                `json:"status"`       // one of the status constants
	Words     string                `json:"status_words"` // the status as a sentence
	NextPoll  time.Time             `json:"next_poll,omitzero"`
	Last7Days int                   `json:"items_last_7_days"`
	Last30    int                   `json:"items_last_30_days"`
	Counted   bool                  `json:"-"`               // the counts are known
	Way       string                `json:"way"`             // the way in, in words: "declared feed", "automatic listing (pinned)"
	Tried     string                `json:"tried,omitempty"` // what each strategy found when they were last tried
}

// healthSummary counts the sources by health for the summary line.
type healthSummary struct {
	Total, Enabled, Healthy, Disabled int
	Line                              string
}

// health reads every source with its state and judges it, worst first.
func (s *Server) health(ctx context.Context) ([]sourceHealth, healthSummary, error) {
	sources, err := s.store.Sources(ctx)
	if err != nil {
		return nil, healthSummary{}, err
	}
	states, err := s.store.States(ctx)
	if err != nil {
		return nil, healthSummary{}, err
	}
	now := s.opts.Now()
	var last7, last30 map[string]int
	if s.desk.admin != nil {
		if last7, err = s.desk.admin.ItemCountsSince(ctx, now.Add(-7*24*time.Hour)); err != nil {
			return nil, healthSummary{}, err
		}
		if last30, err = s.desk.admin.ItemCountsSince(ctx, now.Add(-30*24*time.Hour)); err != nil {
			return nil, healthSummary{}, err
		}
	}
	out := make([]sourceHealth, len(sources))
	var sum healthSummary
	for i, src := range sources {
		h := sourceHealth{Source: src, State: states[src.ID], Counted: last7 != nil}
		h.Last7Days, h.Last30 = last7[src.ID], last30[src.ID]
		if s.desk.scheduler != nil && src.Enabled {
			h.NextPoll = s.desk.scheduler.NextRun(src.ID)
		}
		if h.State.NextAttempt.After(h.NextPoll) {
			h.NextPoll = h.State.NextAttempt
		}
		h.Status, h.Words = s.judge(src, h.State, now)
		h.Way, h.Tried = wayIn(src, h.State)
		out[i] = h
		sum.Total++
		switch {
		case !src.Enabled:
			sum.Disabled++
		case h.Status == statusOK:
			sum.Healthy++
			sum.Enabled++
		default:
			sum.Enabled++
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := statusOrder[out[i].Status], statusOrder[out[j].Status]
		if a != b {
			return a < b
		}
		return out[i].Source.Name < out[j].Source.Name
	})
	sum.Line = fmt.Sprintf("%d of %d sources healthy", sum.Healthy, sum.Enabled)
	if sum.Disabled > 0 {
		sum.Line += fmt.Sprintf("; %d more disabled", sum.Disabled)
	}
	return out, sum, nil
}

// judge says in words how a source is doing, in the condition
// pressfeed.Judge gives it.
func (s *Server) judge(src pressfeed.Source, st pressfeed.SourceState, now time.Time) (string, string) {
	c := pressfeed.Judge(src, st, now, s.desk.stale)
	switch c {
	case pressfeed.ConditionDisabled:
		return statusDisabled, "disabled"
	case pressfeed.ConditionBlocked:
		w := fmt.Sprintf("blocked by the site since %s (%s): not broken, but refused; the error says what to do", s.when(st.FailingSince), plural(st.ConsecutiveFailures, "refused poll"))
		if st.NextAttempt.After(now) {
			w += "; next attempt " + s.when(st.NextAttempt)
		}
		return statusBlocked, w
	case pressfeed.ConditionBackoff:
		w := "backing off until " + s.when(st.NextAttempt)
		if st.NextReason != "" {
			w += " (" + st.NextReason + ")"
		}
		return statusBackoff, w
	case pressfeed.ConditionFailing:
		return statusFailing, fmt.Sprintf("failing since %s (%s)", s.when(st.FailingSince), plural(st.ConsecutiveFailures, "failed poll"))
	case pressfeed.ConditionWaiting:
		return statusWaiting, "not polled yet"
	case pressfeed.ConditionStale:
		if st.LastNewItem.IsZero() {
			return statusStale, "stale: no item yet"
		}
		return statusStale, fmt.Sprintf("stale: no new item in %d days (last on %s)", int(now.Sub(st.LastNewItem).Hours()/24), s.when(st.LastNewItem))
	}
	return statusOK, "ok"
}

// wayIn says how a source is read and, for an auto source, what each
// strategy found when they were last tried.
func wayIn(src pressfeed.Source, st pressfeed.SourceState) (string, string) {
	switch src.Type {
	case pressfeed.TypeFeed:
		return "its feed (type feed)", ""
	case pressfeed.TypeHTML:
		return "its selectors (type html)", ""
	}
	r := st.Resolution
	way := "not found yet"
	if r.Strategy != "" {
		way = pressfeed.StrategyLabel(r.Strategy)
	}
	if src.Pin != "" {
		way += " (pinned to " + src.Pin + ")"
	}
	return way, r.Summary()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// sourcesData is the health page.
type sourcesData struct {
	Summary   healthSummary
	Sources   []sourceHealth
	StaleDays int
}

func (s *Server) handleSourcesPage(w http.ResponseWriter, r *http.Request) {
	list, sum, err := s.health(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := sourcesData{Summary: sum, Sources: list, StaleDays: int(s.desk.stale.Hours() / 24)}
	s.render(w, r, http.StatusOK, "sources", page{Title: "Sources", Section: "sources", Data: d})
}
