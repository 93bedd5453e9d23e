// Package alert delivers subscriptions: saved feed filters sent by email
// or webhook, at once or as a daily digest at a London time. Every message
// goes through the store's outbox, which claims each story for a
// subscription when the message is made, so a story reaches a subscription
// at most once, across restarts and crashes; a failed send is retried with
// backoff and then recorded as failed with its error.
package alert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"pressfeed"
	"pressfeed/auth"
)

// Store is what the runner reads and writes. *index.DB implements it.
type Store interface {
	Subscriptions(ctx context.Context) ([]pressfeed.Subscription, error)
	Subscription(ctx context.Context, name string) (pressfeed.Subscription, error)
	Stories(ctx context.Context, q pressfeed.Query) (pressfeed.Page, error)
	// Generation changes whenever a write changes what Stories returns.
	Generation() uint64
	Sources(ctx context.Context) ([]pressfeed.Source, error)
	States(ctx context.Context) (map[string]pressfeed.SourceState, error)
	Enqueue(ctx context.Context, name string, stories []pressfeed.Story, digest bool, now time.Time) (pressfeed.Delivery, bool, error)
	Deliveries(ctx context.Context) ([]pressfeed.Delivery, error)
	OpenDeliveries(ctx context.Context) ([]pressfeed.Delivery, error)
	UpdateDelivery(ctx context.Context, d pressfeed.Delivery) error
	RecoverDeliveries(ctx context.Context, now time.Time) ([]pressfeed.Delivery, error)
}

// Mailer sends one message, already formatted (RFC 5322), to one address.
type Mailer interface {
	Send(ctx context.Context, to string, msg []byte) error
}

// Options configure a Runner.
type Options struct {
	// Mailer sends email; without one, email subscriptions fail with a
	// message saying [alerts] smtp_host is not set.
	Mailer Mailer
	// From is the email sender, "pressfeed <alerts@example.org>".
	From string
	// Client posts webhooks: the fetcher's client, which refuses private
	// addresses unless they are allowed.
	Client *http.Client
	// CheckTarget, when set, vets a webhook URL as it is saved (Prepare):
	// fetch.CheckPublic, unless private networks are allowed.
	CheckTarget func(ctx context.Context, rawURL string) error
	// BaseURL is the desk's public address, for links in messages.
	BaseURL string
	// MaxAttempts is how many sends a delivery gets before it is failed; 5.
	MaxAttempts int
	// RetryAfter is the first retry's wait, doubled each time; one minute.
	RetryAfter time.Duration
	// StaleAfter is how long without a new item makes a source stale in a
	// digest's header; seven days.
	StaleAfter time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
}

// Runner makes and sends deliveries: Loop runs it, nudged by the daemon.
type Runner struct {
	store Store
	opts  Options
	// nudge asks Loop for a run; one pending ask is enough.
	nudge chan struct{}
	// marks holds, for each immediate subscription, the arrival time from
	// which its next run looks; nil until the first run sets each from the
	// subscription's latest delivery (loadMarks).
	marks map[string]time.Time
	// looked is the store's generation the last run looked for new
	// stories at (hasLooked once one has); while it stands, immediate
	// subscriptions have nothing new, and a run only sends what is due
	// and makes digests.
	looked    uint64
	hasLooked bool
}

// New returns a Runner over store.
func New(store Store, opts Options) *Runner {
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Minute
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 7 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Client == nil {
		opts.Client = http.DefaultClient
	}
	return &Runner{store: store, opts: opts, nudge: make(chan struct{}, 1)}
}

// Recover marks deliveries a stopped process left mid-send as failed (they
// may have arrived; none is resent) and logs each. Call it once at start.
func (r *Runner) Recover(ctx context.Context) error {
	cut, err := r.store.RecoverDeliveries(ctx, r.opts.Now())
	for _, d := range cut {
		r.opts.Logger.Error("alert delivery failed", "subscription", d.Subscription, "delivery", d.ID, "stories", len(d.Items), "error", d.LastError)
	}
	return err
}

// Nudge asks Loop for a run soon, as a poll that stored something does. It
// never blocks: a run already asked for covers this ask too.
func (r *Runner) Nudge() {
	select {
	case r.nudge <- struct{}{}:
	default:
	}
}

// Loop runs Run at each Nudge until stop is closed, then returns. Each run
// gets ctx, so a caller that must stop sooner than a run ends cancels ctx
// (a send it cuts off is recorded as failed, not retried: it may have
// arrived). One Loop runs per Runner; it is what serializes runs.
func (r *Runner) Loop(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-r.nudge:
			if err := r.Run(ctx); err != nil && ctx.Err() == nil {
				r.opts.Logger.Error("alert run", "error", err)
			}
		}
	}
}

// Run makes the deliveries that are due (new stories for immediate
// subscriptions, digests whose time has come) and sends every pending
// delivery whose attempt is due. One subscription's failure does not stop
// the others; the errors are returned joined (Loop logs them), while each
// send's outcome is logged as it happens. Run is for one caller at a time
// (Loop, or a test).
func (r *Runner) Run(ctx context.Context) error {
	subs, err := r.store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	if r.marks == nil {
		if err := r.loadMarks(ctx); err != nil {
			return err
		}
	}
	// Read before the stories are, so a write during the run leaves the
	// next run looking again.
	gen := r.store.Generation()
	var errs []error
	for _, sub := range subs {
		if sub.Cadence == pressfeed.CadenceImmediate && r.hasLooked && gen == r.looked {
			continue // nothing stored since the last look
		}
		if err := r.enqueue(ctx, sub); err != nil {
			errs = append(errs, fmt.Errorf("alert for %s not made: %w", sub.Name, err))
		}
	}
	if len(errs) == 0 {
		r.looked, r.hasLooked = gen, true
	}
	return errors.Join(append(errs, r.sendDue(ctx, subs))...)
}

// digestWindow is how far back a first digest, and a test or preview,
// looks.
const digestWindow = 24 * time.Hour

// lateWindow is how long before its arrival a story may have been
// published and still be news to a subscriber: a source that was down for
// days comes back with what it said meanwhile. Older arrivals (a new
// source's back catalogue) are not alerted.
const lateWindow = 7 * 24 * time.Hour

// markSlack is how far back of a run's start the next run looks again, for
// stories whose poll was committing while the run read; claims keep the
// overlap from sending anything twice.
const markSlack = 5 * time.Minute

func (r *Runner) enqueue(ctx context.Context, sub pressfeed.Subscription) error {
	now := r.opts.Now()
	digest := sub.Cadence == pressfeed.CadenceDigest
	var since time.Time
	if digest {
		last := sub.LastDigest
		if last.IsZero() {
			last = sub.Created
		}
		if now.Before(sub.NextDigest(last)) {
			return nil
		}
		since = now.Add(-digestWindow)
		if !sub.LastDigest.IsZero() {
			since = sub.LastDigest
		}
	} else {
		since = sub.Created // no backlog: only what arrives after subscribing
		if m := r.marks[sub.Name]; m.After(since) {
			since = m
		}
	}
	stories, err := r.arrivedSince(ctx, sub, since, !digest)
	if err != nil {
		return err
	}
	// A digest is enqueued even when empty: that records its slot.
	if digest || len(stories) > 0 {
		d, made, err := r.store.Enqueue(ctx, sub.Name, stories, digest, now)
		if err != nil {
			return err
		}
		if made {
			r.opts.Logger.Info("alert made", "subscription", sub.Name, "delivery", d.ID, "stories", len(d.Items), "digest", digest)
		}
	}
	if !digest {
		r.marks[sub.Name] = now.Add(-markSlack)
	}
	return nil
}

// loadMarks starts each subscription's mark at its latest delivery, less
// markSlack, so a restart does not look through everything since the
// subscription began (claims would drop the repeats, at a cost).
func (r *Runner) loadMarks(ctx context.Context) error {
	list, err := r.store.Deliveries(ctx)
	if err != nil {
		return err
	}
	r.marks = map[string]time.Time{}
	for name, d := range pressfeed.LatestDeliveries(list) {
		r.marks[name] = d.Created.Add(-markSlack)
	}
	return nil
}

// arrivedSince returns the stories sub's filter matches that the store
// first saw after since (or at it, with inclusive), published no more than
// lateWindow before it and within sub's window.
func (r *Runner) arrivedSince(ctx context.Context, sub pressfeed.Subscription, since time.Time, inclusive bool) ([]pressfeed.Story, error) {
	q, err := sub.Query()
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	q.Since = since.Add(-lateWindow)
	all, err := r.matching(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []pressfeed.Story
	now := r.opts.Now()
	for _, st := range all {
		if at := arrived(st); (at.After(since) || inclusive && at.Equal(since)) && sub.Within(st, now) {
			out = append(out, st)
		}
	}
	return out, nil
}

// arrived is when the store first saw any member of st.
func arrived(st pressfeed.Story) time.Time {
	var first time.Time
	for _, m := range st.Members {
		if first.IsZero() || m.FirstSeen.Before(first) {
			first = m.FirstSeen
		}
	}
	return first
}

func (r *Runner) sendDue(ctx context.Context, subs []pressfeed.Subscription) error {
	list, err := r.store.OpenDeliveries(ctx)
	if err != nil {
		return err
	}
	byName := make(map[string]pressfeed.Subscription, len(subs))
	for _, s := range subs {
		byName[s.Name] = s
	}
	var errs []error
	for _, d := range list {
		if d.State != pressfeed.DeliveryPending || d.NextAttempt.After(r.opts.Now()) {
			continue
		}
		sub, ok := byName[d.Subscription]
		if !ok {
			d.State, d.LastError = pressfeed.DeliveryFailed, "the subscription was removed before it was sent"
			errs = append(errs, r.store.UpdateDelivery(ctx, d))
			continue
		}
		errs = append(errs, r.attempt(ctx, sub, d))
	}
	return errors.Join(errs...)
}

// attempt records that a send begins, sends, and records how it ended.
func (r *Runner) attempt(ctx context.Context, sub pressfeed.Subscription, d pressfeed.Delivery) error {
	d.State = pressfeed.DeliverySending
	d.Attempts++
	if err := r.store.UpdateDelivery(ctx, d); err != nil {
		return err // not begun: still pending on disk, tried again next run
	}
	sendErr := r.send(ctx, sub, d)
	now := r.opts.Now()
	switch {
	case sendErr == nil:
		d.State, d.LastError, d.Finished = pressfeed.DeliverySent, "", now
		r.opts.Logger.Info("alert sent", "subscription", sub.Name, "delivery", d.ID, "stories", len(d.Items), "to", sub.To)
	case ctx.Err() != nil:
		// Stopped mid-send: it may have arrived, so it is not sent again.
		d.State, d.LastError, d.Finished = pressfeed.DeliveryFailed, "cut off by a stop while sending ("+sendErr.Error()+"); not resent, so nothing arrives twice", now
		r.opts.Logger.Error("alert delivery failed", "subscription", sub.Name, "delivery", d.ID, "error", d.LastError)
	case d.Attempts >= r.opts.MaxAttempts:
		d.State, d.LastError, d.Finished = pressfeed.DeliveryFailed, sendErr.Error(), now
		r.opts.Logger.Error("alert delivery failed", "subscription", sub.Name, "delivery", d.ID, "attempts", d.Attempts, "error", sendErr)
	default:
		d.State, d.LastError = pressfeed.DeliveryPending, sendErr.Error()
		d.NextAttempt = now.Add(r.opts.RetryAfter << (d.Attempts - 1))
		r.opts.Logger.Warn("alert send failed; will retry", "subscription", sub.Name, "delivery", d.ID, "attempts", d.Attempts, "next_attempt", d.NextAttempt, "error", sendErr)
	}
	// Recorded without the caller's ctx: the send happened, and a stop
	// that cancels ctx must not leave it looking unsent.
	return r.store.UpdateDelivery(context.WithoutCancel(ctx), d)
}

func (r *Runner) send(ctx context.Context, sub pressfeed.Subscription, d pressfeed.Delivery) error {
	if addr := sub.Email(); addr != "" {
		if r.opts.Mailer == nil {
			return errors.New("email cannot be sent: [alerts] smtp_host is not set")
		}
		msg, err := r.email(ctx, sub, d)
		if err != nil {
			return err
		}
		return r.opts.Mailer.Send(ctx, addr, msg)
	}
	return r.webhook(ctx, sub, d)
}

// Test sends the subscription called name its current digest now (the
// stories of the last day that match), without claiming anything, so real
// deliveries are unaffected.
func (r *Runner) Test(ctx context.Context, name string) (int, error) {
	sub, d, err := r.current(ctx, name)
	if err != nil {
		return 0, err
	}
	return len(d.Stories), r.send(ctx, sub, d)
}

// Preview renders the subscription called name's current digest as the
// HTML part of its email, sending nothing and claiming nothing.
func (r *Runner) Preview(ctx context.Context, name string) ([]byte, error) {
	sub, d, err := r.current(ctx, name)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := htmlPart.Execute(&b, r.compose(ctx, sub, d)); err != nil {
		return nil, fmt.Errorf("preview %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// current is the digest the subscription called name would get now.
func (r *Runner) current(ctx context.Context, name string) (pressfeed.Subscription, pressfeed.Delivery, error) {
	sub, err := r.store.Subscription(ctx, name)
	if err != nil {
		return sub, pressfeed.Delivery{}, err
	}
	stories, err := r.arrivedSince(ctx, sub, r.opts.Now().Add(-digestWindow), true)
	if err != nil {
		return sub, pressfeed.Delivery{}, err
	}
	return sub, pressfeed.Delivery{Subscription: name, Stories: stories, Digest: true, Created: r.opts.Now()}, nil
}

// matching returns every story q matches, page by page, so a burst larger
// than one page is not cut short.
func (r *Runner) matching(ctx context.Context, q pressfeed.Query) ([]pressfeed.Story, error) {
	q.Limit = pressfeed.MaxLimit
	q = q.Normalize()
	var out []pressfeed.Story
	for {
		page, err := r.store.Stories(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Stories...)
		if page.Next == "" || len(page.Stories) == 0 {
			return out, nil
		}
		q.Cursor = page.Next
	}
}

// Prepare readies a subscription someone asked for: it fills what they may
// leave out (a digest at 07:30 daily, the creation time, the secret that
// signs webhooks and unsubscribe links), validates it, and refuses a webhook that CheckTarget refuses.
// The error is a pressfeed.ValidationError naming each bad field.
func (r *Runner) Prepare(ctx context.Context, sub pressfeed.Subscription) (pressfeed.Subscription, error) {
	if sub.Cadence == pressfeed.CadenceDigest {
		if sub.At == "" {
			sub.At = "07:30"
		}
		if sub.Days == "" {
			sub.Days = pressfeed.DaysDaily
		}
	}
	if sub.Created.IsZero() {
		sub.Created = r.opts.Now()
	}
	if sub.Secret == "" {
		sub.Secret = auth.NewSecret()
	}
	var verr pressfeed.ValidationError
	if err := sub.Validate(); err != nil && !errors.As(err, &verr) {
		return sub, err
	}
	if sub.Email() == "" && r.opts.CheckTarget != nil && pressfeed.CheckURL(sub.To) == nil {
		if err := r.opts.CheckTarget(ctx, sub.To); err != nil {
			verr = append(verr, pressfeed.FieldError{Field: "to", Reason: err.Error()})
		}
	}
	if len(verr) > 0 {
		return sub, verr
	}
	return sub, nil
}
