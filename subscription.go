package pressfeed

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Cadence says when a subscription is delivered.
type Cadence string

// The cadences.
const (
	// CadenceImmediate delivers new matching stories within one alert run
	// (a minute) of their arrival.
	CadenceImmediate Cadence = "immediate"
	// CadenceDigest delivers the day's matching stories at a London time.
	CadenceDigest Cadence = "digest"
)

// Digest days.
const (
	DaysDaily    = "daily"
	DaysWeekdays = "weekdays"
)

// Subscription is a saved feed filter delivered to a recipient: an email
// address or a webhook URL.
type Subscription struct {
	Name string `json:"name"`
	// Filter is a feed URL's query: source, kind, area and q, as
	// /feed.atom takes them ("kind=force&q=murder").
	Filter string `json:"filter"`
	// To is "mailto:address" or an http(s) webhook URL.
	To      string  `json:"to"`
	Cadence Cadence `json:"cadence"`
	// At is the digest's London wall-clock time, "07:30"; Days is
	// DaysDaily or DaysWeekdays. Both are for CadenceDigest only.
	At   string `json:"at,omitempty"`
	Days string `json:"days,omitempty"`
	// Window, when set ("48h"), keeps a delivery to the stories published
	// within it before the delivery is made: a digest of the last two
	// days' news only, or no alert for an old release a site re-posts.
	Window string `json:"window,omitempty"`
	// Secret signs webhook bodies (HMAC-SHA256) and email unsubscribe
	// links (UnsubscribeToken); made when the subscription is prepared.
	Secret  string    `json:"secret,omitempty"`
	Created time.Time `json:"created"`
	// LastDigest is when the latest digest was made; the next is due at
	// NextDigest(LastDigest, or Created before the first).
	LastDigest time.Time `json:"last_digest,omitzero"`
}

var (
	subscriptionName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	clockTime        = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// MaxWindow is the longest Subscription.Window.
const MaxWindow = 31 * 24 * time.Hour

// Within reports whether st falls in the subscription's window at now: it
// was published no longer than Window before, or there is no window.
func (s Subscription) Within(st Story, now time.Time) bool {
	d, err := time.ParseDuration(s.Window)
	return s.Window == "" || err != nil || !st.Primary().Published.Before(now.Add(-d))
}

// Email returns the address of a mailto: subscription, or "".
func (s Subscription) Email() string {
	if addr, ok := strings.CutPrefix(s.To, "mailto:"); ok {
		return addr
	}
	return ""
}

// Query returns the subscription's filter as a store query.
func (s Subscription) Query() (Query, error) {
	v, err := url.ParseQuery(s.Filter)
	if err != nil {
		return Query{}, fmt.Errorf("%q is not a URL query such as kind=force&q=murder", s.Filter)
	}
	for _, k := range []string{"limit", "cursor", "dedup", "since"} {
		if v.Has(k) {
			return Query{}, fmt.Errorf("%s is set by the cadence, not the filter", k)
		}
	}
	return ParseQuery(v)
}

// Validate checks every field and returns a ValidationError naming each
// bad one, or nil.
func (s Subscription) Validate() error {
	var errs ValidationError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if !subscriptionName.MatchString(s.Name) {
		add("name", "%q is not 1-64 lower-case letters, digits and hyphens", s.Name)
	}
	if _, err := s.Query(); err != nil {
		add("filter", "%v", err)
	}
	switch addr, isMail := strings.CutPrefix(s.To, "mailto:"); {
	case isMail:
		if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr {
			add("to", "%q is not an email address", addr)
		}
	case strings.HasPrefix(s.To, "http://") || strings.HasPrefix(s.To, "https://"):
		if err := CheckURL(s.To); err != nil {
			add("to", "%v", err)
		}
	default:
		add("to", "%q is neither mailto:ADDRESS nor an http(s) webhook URL", s.To)
	}
	if s.Secret == "" {
		add("secret", "is empty (alert.Runner.Prepare makes one)")
	}
	switch s.Cadence {
	case CadenceImmediate:
		if s.At != "" || s.Days != "" {
			add("at", "is for digests only")
		}
	case CadenceDigest:
		if !clockTime.MatchString(s.At) {
			add("at", "%q is not a time such as 07:30", s.At)
		}
		if s.Days != DaysDaily && s.Days != DaysWeekdays {
			add("days", "%q is not one of daily, weekdays", s.Days)
		}
	default:
		add("cadence", "%q is not one of immediate, digest", s.Cadence)
	}
	if s.Window != "" {
		if d, err := time.ParseDuration(s.Window); err != nil || d < time.Hour || d > MaxWindow {
			add("window", "%q is not a duration from 1h to %s, such as 48h", s.Window, MaxWindow)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// NextDigest returns the first digest time strictly after t: At on the next
// London day it applies to, whatever the clocks did in between.
func (s Subscription) NextDigest(t time.Time) time.Time {
	var h, m int
	fmt.Sscanf(s.At, "%d:%d", &h, &m)
	local := t.In(london)
	for d := 0; d < 8; d++ {
		day := local.AddDate(0, 0, d)
		at := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, london)
		if !at.After(t) {
			continue
		}
		if s.Days == DaysWeekdays && (at.Weekday() == time.Saturday || at.Weekday() == time.Sunday) {
			continue
		}
		return at
	}
	return time.Time{} // unreachable for a valid subscription
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// The delivery states. A delivery is pending until a send begins, sending
// while it runs, then sent, or pending again to retry, or failed.
const (
	DeliveryPending DeliveryState = "pending"
	DeliverySending DeliveryState = "sending"
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed"
)

// Delivery is one message for one subscription: the stories' item keys it
// carries, claimed when it was made, so no later delivery carries them
// again.
type Delivery struct {
	ID           uint64        `json:"id"`
	Subscription string        `json:"subscription"`
	Items        []string      `json:"items"`   // story ids, claimed
	Stories      []Story       `json:"stories"` // as they were when claimed, without content
	Digest       bool          `json:"digest,omitempty"`
	State        DeliveryState `json:"state"`
	Attempts     int           `json:"attempts"`
	LastError    string        `json:"last_error,omitempty"`
	NextAttempt  time.Time     `json:"next_attempt"`
	Created      time.Time     `json:"created"`
	Finished     time.Time     `json:"finished,omitzero"`
}

// When says when the subscription is delivered: "immediate",
// "digest 07:30 weekdays" or "immediate, published within 2h".
func (s Subscription) When() string {
	when := string(s.Cadence)
	if s.Cadence == CadenceDigest {
		when = fmt.Sprintf("digest %s %s", s.At, s.Days)
	}
	if s.Window != "" {
		when += ", published within " + s.Window
	}
	return when
}

// Summary is one line on where the delivery stands: "sent 2026-12-07 07:30
// (4 stories)", "pending, attempt 3 at 07:34: last error", or "" for the
// zero Delivery (a subscription nothing was sent to yet).
func (d Delivery) Summary() string {
	const stamp = "2006-01-02 15:04 MST"
	switch d.State {
	case "":
		return ""
	case DeliverySent:
		return fmt.Sprintf("sent %s (%d stories)", d.Finished.In(london).Format(stamp), len(d.Stories))
	case DeliveryPending:
		if d.Attempts == 0 {
			return fmt.Sprintf("pending (%d stories)", len(d.Stories))
		}
		return fmt.Sprintf("retrying at %s after %d attempts: %s", d.NextAttempt.In(london).Format(stamp), d.Attempts, d.LastError)
	case DeliveryFailed:
		return fmt.Sprintf("failed %s after %d attempts: %s", d.Finished.In(london).Format(stamp), d.Attempts, d.LastError)
	}
	return string(d.State)
}

// LatestDeliveries returns each subscription's most recent delivery (the
// highest id) of list, by subscription name.
func LatestDeliveries(list []Delivery) map[string]Delivery {
	out := make(map[string]Delivery)
	for _, d := range list {
		if cur, ok := out[d.Subscription]; !ok || d.ID > cur.ID {
			out[d.Subscription] = d
		}
	}
	return out
}

// UnsubscribeToken is the token an unsubscribe link carries: an HMAC of
// the name under the subscription's secret, so only someone sent a message
// can end the subscription, and a replaced secret voids old links.
func (s Subscription) UnsubscribeToken() string {
	mac := hmac.New(sha256.New, []byte(s.Secret))
	mac.Write([]byte("unsubscribe\x00" + s.Name))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// UnsubscribeURL is the one-click unsubscribe link under baseURL.
func (s Subscription) UnsubscribeURL(baseURL string) string {
	return baseURL + "/alerts/unsubscribe?" + url.Values{"name": {s.Name}, "token": {s.UnsubscribeToken()}}.Encode()
}

// CheckUnsubscribeToken reports whether token is s's unsubscribe token.
func (s Subscription) CheckUnsubscribeToken(token string) bool {
	return s.Secret != "" && hmac.Equal([]byte(token), []byte(s.UnsubscribeToken()))
}
