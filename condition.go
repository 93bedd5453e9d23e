package pressfeed

import "time"

// Condition is how a source is doing: what /sources and the API say of it
// and what an alert digest names at its top. One judgement serves all.
type Condition string

// The conditions, worst first.
const (
	ConditionFailing  Condition = "failing"     // its last polls failed
	ConditionBlocked  Condition = "blocked"     // the site refuses the polls (CatBlocked)
	ConditionBackoff  Condition = "backing-off" // waiting out a failure or the site's Retry-After
	ConditionStale    Condition = "stale"       // polled, but no new item for too long, or none yet
	ConditionWaiting  Condition = "waiting"     // not polled yet
	ConditionOK       Condition = "ok"
	ConditionDisabled Condition = "disabled"
)

// Judge returns the condition at now of src, whose state is st: stale when
// its newest item is older than staleAfter.
func Judge(src Source, st SourceState, now time.Time, staleAfter time.Duration) Condition {
	switch {
	case !src.Enabled:
		return ConditionDisabled
	case st.ConsecutiveFailures > 0 && st.ErrorCategory == CatBlocked:
		return ConditionBlocked
	case st.NextAttempt.After(now):
		return ConditionBackoff
	case st.ConsecutiveFailures > 0:
		return ConditionFailing
	case st.LastSuccess.IsZero():
		return ConditionWaiting
	case st.LastNewItem.IsZero() || now.Sub(st.LastNewItem) > staleAfter:
		return ConditionStale
	}
	return ConditionOK
}
