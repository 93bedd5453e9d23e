// Package alert delivers subscriptions: saved feed filters sent by email
// or webhook, at once or as a daily digest at a London time. Every message
// goes through the store's outbox, which claims each story for a
// subscription when the message is made, so a story reaches a subscription
// at most once, across restarts and crashes; a failed send is retried with
// backoff and then recorded as failed with its error.
package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"pressfeed"
)

// Store is what the runner reads and writes. *index.DB implements it.
type Store interface {
	Subscriptions(ctx context.Context) ([]pressfeed.Subscription, error)
	Subscription(ctx context.Context, name string) (pressfeed.Subscription, error)
	Stories(ctx context.Context, q pressfeed.Query) (pressfeed.Page, error)
	Sources(ctx context.Context) ([]pressfeed.Source, error)
	States(ctx context.Context) (map[string]pressfeed.SourceState, error)
	Enqueue(ctx context.Context, name string, stories []pressfeed.Story, digest bool, now time.Time) (pressfeed.Delivery, bool, error)
	Deliveries(ctx context.Context) ([]pressfeed.Delivery, error)
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

// Runner makes and sends deliveries. Run it once a minute.
type Runner struct {
	store Store
	opts  Options
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
	return &Runner{store: store, opts: opts}
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

// Run makes the deliveries that are due (new stories for immediate
// subscriptions, digests whose time has come) and sends every pending
// delivery whose attempt is due. One subscription's failure does not stop
// the others; the errors are logged and returned joined.
func (r *Runner) Run(ctx context.Context) error {
	subs, err := r.store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, sub := range subs {
		if err := r.enqueue(ctx, sub); err != nil {
			r.opts.Logger.Error("alert not made", "subscription", sub.Name, "error", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(append(errs, r.sendDue(ctx, subs))...)
}

// digestWindow is how far back a first digest looks.
const digestWindow = 24 * time.Hour

func (r *Runner) enqueue(ctx context.Context, sub pressfeed.Subscription) error {
	now := r.opts.Now()
	q, err := sub.Query()
	if err != nil {
		return fmt.Errorf("filter: %w", err)
	}
	q.Limit = pressfeed.MaxLimit
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
	}
	q.Since = since.Add(-digestWindow) // publication can precede arrival
	page, err := r.store.Stories(ctx, q.Normalize())
	if err != nil {
		return err
	}
	var stories []pressfeed.Story
	for _, st := range page.Stories {
		if arrived(st).After(since) || (!digest && arrived(st).Equal(since)) {
			stories = append(stories, st)
		}
	}
	if !digest && len(stories) == 0 {
		return nil
	}
	d, made, err := r.store.Enqueue(ctx, sub.Name, stories, digest, now)
	if err == nil && made {
		r.opts.Logger.Info("alert made", "subscription", sub.Name, "delivery", d.ID, "stories", len(d.Items), "digest", digest)
	}
	return err
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
	list, err := r.store.Deliveries(ctx)
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
	sub, err := r.store.Subscription(ctx, name)
	if err != nil {
		return 0, err
	}
	q, err := sub.Query()
	if err != nil {
		return 0, err
	}
	q.Limit, q.Since = pressfeed.MaxLimit, r.opts.Now().Add(-digestWindow)
	page, err := r.store.Stories(ctx, q.Normalize())
	if err != nil {
		return 0, err
	}
	d := pressfeed.Delivery{Subscription: name, Stories: page.Stories, Digest: true, Created: r.opts.Now()}
	return len(page.Stories), r.send(ctx, sub, d)
}
