package pressfeed_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pressfeed"
)

func TestSubscriptionValidateNamesEachField(t *testing.T) {
	good := pressfeed.Subscription{Name: "murder", Filter: "kind=force&q=murder", To: "mailto:desk@newsroom.example", Cadence: pressfeed.CadenceImmediate, Secret: "k"}
	if err := good.Validate(); err != nil {
		t.Fatalf("good subscription: %v", err)
	}
	for _, tc := range []struct {
		change func(*pressfeed.Subscription)
		field  string
		reason string
	}{
		{func(s *pressfeed.Subscription) { s.Name = "Morning Digest" }, "name", "lower-case letters"},
		{func(s *pressfeed.Subscription) { s.Filter = "kind=army" }, "filter", "army"},
		{func(s *pressfeed.Subscription) { s.Filter = "limit=5" }, "filter", "limit is set by the cadence"},
		{func(s *pressfeed.Subscription) { s.Filter = "%zz" }, "filter", "not a URL query"},
		{func(s *pressfeed.Subscription) { s.To = "mailto:not an address" }, "to", "not an email address"},
		{func(s *pressfeed.Subscription) { s.To = "desk@newsroom.example" }, "to", "neither mailto:ADDRESS nor an http(s) webhook URL"},
		{func(s *pressfeed.Subscription) { s.To = "https://" }, "to", ""},
		{func(s *pressfeed.Subscription) { s.Secret = "" }, "secret", "is empty"},
		{func(s *pressfeed.Subscription) { s.Cadence = "hourly" }, "cadence", `"hourly" is not one of immediate, digest`},
		{func(s *pressfeed.Subscription) { s.At = "07:30" }, "at", "for digests only"},
		{func(s *pressfeed.Subscription) { s.Cadence, s.At, s.Days = pressfeed.CadenceDigest, "24:00", "daily" }, "at", "not a time such as 07:30"},
		{func(s *pressfeed.Subscription) { s.Cadence, s.At, s.Days = pressfeed.CadenceDigest, "07:30", "sundays" }, "days", "not one of daily, weekdays"},
		{func(s *pressfeed.Subscription) { s.Window = "two days" }, "window", "not a duration from 1h to 744h0m0s"},
		{func(s *pressfeed.Subscription) { s.Window = "10m" }, "window", "such as 48h"},
	} {
		sub := good
		tc.change(&sub)
		var verr pressfeed.ValidationError
		if err := sub.Validate(); !errors.As(err, &verr) {
			t.Errorf("%+v: %v, want a ValidationError", sub, err)
			continue
		}
		if len(verr) != 1 || verr[0].Field != tc.field || !strings.Contains(verr[0].Reason, tc.reason) {
			t.Errorf("%+v: %v, want one %s error with %q", sub, verr, tc.field, tc.reason)
		}
	}
}

func TestNextDigestKeepsLondonTimeOverTheClockChange(t *testing.T) {
	london := pressfeed.London()
	sub := pressfeed.Subscription{Cadence: pressfeed.CadenceDigest, At: "07:30", Days: pressfeed.DaysWeekdays}
	// Friday 24 October 2025, BST; the clocks go back on Sunday 26th.
	fri := time.Date(2025, 10, 24, 7, 30, 0, 0, london)
	next := sub.NextDigest(fri)
	if want := time.Date(2025, 10, 27, 7, 30, 0, 0, london); !next.Equal(want) {
		t.Errorf("after Friday's: %v, want Monday %v (weekdays only)", next, want)
	}
	if next.UTC().Hour() != 7 || fri.UTC().Hour() != 6 {
		t.Errorf("07:30 London is %v in BST and %v in GMT", fri.UTC(), next.UTC())
	}
	sub.Days = pressfeed.DaysDaily
	if got := sub.NextDigest(fri.Add(-time.Minute)); !got.Equal(fri) {
		t.Errorf("a minute before: %v, want %v", got, fri)
	}
}

func TestUnsubscribeTokenIsBoundToNameAndSecret(t *testing.T) {
	sub := pressfeed.Subscription{Name: "morning", Secret: "one"}
	tok := sub.UnsubscribeToken()
	if !sub.CheckUnsubscribeToken(tok) {
		t.Fatal("its own token is refused")
	}
	for _, other := range []pressfeed.Subscription{{Name: "evening", Secret: "one"}, {Name: "morning", Secret: "two"}, {Name: "morning"}} {
		if other.CheckUnsubscribeToken(tok) {
			t.Errorf("%+v accepts another's token", other)
		}
	}
	if u := sub.UnsubscribeURL("https://news.example"); !strings.HasPrefix(u, "https://news.example/alerts/unsubscribe?name=morning&token=") {
		t.Errorf("URL %s", u)
	}
}

func TestDeliverySummaryAndLatest(t *testing.T) {
	at := time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC)
	list := []pressfeed.Delivery{
		{ID: 1, Subscription: "a", State: pressfeed.DeliverySent, Finished: at, Stories: make([]pressfeed.Story, 3)},
		{ID: 3, Subscription: "a", State: pressfeed.DeliveryPending, Attempts: 2, NextAttempt: at.Add(4 * time.Minute), LastError: "connection refused"},
		{ID: 2, Subscription: "b", State: pressfeed.DeliveryFailed, Attempts: 5, Finished: at, LastError: "550 no such user"},
	}
	latest := pressfeed.LatestDeliveries(list)
	for name, want := range map[string]string{
		"a": "retrying at 2026-12-07 07:34 GMT after 2 attempts: connection refused",
		"b": "failed 2026-12-07 07:30 GMT after 5 attempts: 550 no such user",
		"c": "",
	} {
		if got := latest[name].Summary(); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if got := list[0].Summary(); got != "sent 2026-12-07 07:30 GMT (3 stories)" {
		t.Errorf("sent: %q", got)
	}
}

func TestSubscriptionWindow(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	story := func(age time.Duration) pressfeed.Story {
		return pressfeed.Story{Members: []pressfeed.Item{{Published: now.Add(-age)}}}
	}
	sub := pressfeed.Subscription{Window: "48h"}
	if !sub.Within(story(47*time.Hour), now) || sub.Within(story(49*time.Hour), now) {
		t.Error("a 48h window does not keep 47h and drop 49h")
	}
	if !(pressfeed.Subscription{}).Within(story(400*time.Hour), now) {
		t.Error("no window drops an old story")
	}
	if got := (pressfeed.Subscription{Cadence: pressfeed.CadenceImmediate, Window: "2h"}).When(); got != "immediate, published within 2h" {
		t.Errorf("When %q", got)
	}
}

func TestJudge(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	on := pressfeed.Source{Enabled: true}
	week := 7 * 24 * time.Hour
	for _, tc := range []struct {
		src  pressfeed.Source
		st   pressfeed.SourceState
		want pressfeed.Condition
	}{
		{pressfeed.Source{}, pressfeed.SourceState{ConsecutiveFailures: 3}, pressfeed.ConditionDisabled},
		{on, pressfeed.SourceState{ConsecutiveFailures: 2, ErrorCategory: pressfeed.CatBlocked, NextAttempt: now.Add(time.Hour)}, pressfeed.ConditionBlocked},
		{on, pressfeed.SourceState{ConsecutiveFailures: 2, NextAttempt: now.Add(time.Hour)}, pressfeed.ConditionBackoff},
		{on, pressfeed.SourceState{ConsecutiveFailures: 2}, pressfeed.ConditionFailing},
		{on, pressfeed.SourceState{}, pressfeed.ConditionWaiting},
		{on, pressfeed.SourceState{LastSuccess: now}, pressfeed.ConditionStale},
		{on, pressfeed.SourceState{LastSuccess: now, LastNewItem: now.Add(-8 * 24 * time.Hour)}, pressfeed.ConditionStale},
		{on, pressfeed.SourceState{LastSuccess: now, LastNewItem: now.Add(-time.Hour)}, pressfeed.ConditionOK},
	} {
		if got := pressfeed.Judge(tc.src, tc.st, now, week); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.st, got, tc.want)
		}
	}
}
