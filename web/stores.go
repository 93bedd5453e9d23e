package web

import (
	"context"
	"time"

	"pressfeed"
	"pressfeed/auth"
)

// Scheduler is what the admin side changes when the source list changes, so
// that a change takes effect at once. *schedule.Scheduler implements it.
type Scheduler interface {
	// Put schedules src (replacing an earlier definition) and polls it at
	// once if it is new or changed; a disabled source is removed.
	Put(src pressfeed.Source) error
	// Remove stops scheduling the source.
	Remove(id string)
	// PollNow starts a poll of a scheduled source and reports whether it
	// could.
	PollNow(id string) bool
	// NextRun returns when the source is next due, or the zero time.
	NextRun(id string) time.Time
}

// Preview is what a source would give if it were polled now.
type Preview struct {
	Items    []pressfeed.Item
	Warnings []string
	// Strategy is the way in an auto source's poll would use, and
	// Attempts what each of its strategies found.
	Strategy string
	Attempts []pressfeed.Attempt
}

// Previewer fetches and parses a source without storing anything. The
// error, if any, is shown to the admin as it is.
type Previewer interface {
	Preview(ctx context.Context, src pressfeed.Source) (Preview, error)
}

// PreviewFunc adapts a function to Previewer.
type PreviewFunc func(ctx context.Context, src pressfeed.Source) (Preview, error)

// Preview calls f.
func (f PreviewFunc) Preview(ctx context.Context, src pressfeed.Source) (Preview, error) {
	return f(ctx, src)
}

// AdminStore is what the admin pages and the API read and change.
// *index.DB implements it.
type AdminStore interface {
	// SessionStore keeps admin sessions, so a restart signs nobody out.
	auth.SessionStore
	// Source returns one source, or an error wrapping pressfeed.ErrNotFound.
	Source(ctx context.Context, id string) (pressfeed.Source, error)
	// ValidateSource applies the checks the store makes on every write of a
	// definition, so forms and imports can show problems before saving.
	ValidateSource(src pressfeed.Source) error
	// ApplySourceChanges validates every definition, then makes every change and writes its audit entry in
	// one transaction, or makes none; see index.DB.ApplySourceChanges.
	ApplySourceChanges(ctx context.Context, by pressfeed.Actor, changes []pressfeed.SourceChange) ([]pressfeed.AuditEntry, error)
	// AuditLog returns audit entries newest first and the next page's cursor.
	AuditLog(ctx context.Context, q pressfeed.AuditQuery) ([]pressfeed.AuditEntry, string, error)
	// ItemCountsSince counts each source's items published at or after since.
	ItemCountsSince(ctx context.Context, since time.Time) (map[string]int, error)
	// Tokens lists the API tokens; UseToken finds one by its hash and
	// records that it was used.
	Tokens(ctx context.Context) ([]pressfeed.APIToken, error)
	UseToken(ctx context.Context, hash string) (pressfeed.APIToken, error)
	// CreateToken stores a token (ErrExists if the name is taken) and
	// RevokeToken deletes one (ErrNotFound); both write an audit entry.
	CreateToken(ctx context.Context, tok pressfeed.APIToken) error
	RevokeToken(ctx context.Context, name string, by pressfeed.Actor) error
	// AlertStore keeps the alert subscriptions and their deliveries.
	AlertStore
}

// AlertStore keeps alert subscriptions and the outbox of their deliveries.
// *index.DB implements it.
type AlertStore interface {
	Subscriptions(ctx context.Context) ([]pressfeed.Subscription, error)
	// Subscription returns one, or an error wrapping pressfeed.ErrNotFound.
	Subscription(ctx context.Context, name string) (pressfeed.Subscription, error)
	// AddSubscription validates and stores one, writing an audit entry;
	// DeleteSubscription removes one (ErrNotFound) and writes one too.
	AddSubscription(ctx context.Context, by pressfeed.Actor, sub pressfeed.Subscription) error
	DeleteSubscription(ctx context.Context, by pressfeed.Actor, name string) error
	// Deliveries returns the outbox, oldest first.
	Deliveries(ctx context.Context) ([]pressfeed.Delivery, error)
}

// Alerts prepares subscriptions and sends or renders their digests on
// demand. *alert.Runner implements it.
type Alerts interface {
	// Prepare fills a new subscription's defaults and secret and validates
	// it; the error is a pressfeed.ValidationError naming each bad field.
	Prepare(ctx context.Context, sub pressfeed.Subscription) (pressfeed.Subscription, error)
	// Test sends the current digest now and returns how many stories it had.
	Test(ctx context.Context, name string) (int, error)
	// Preview renders the current digest's HTML without sending it.
	Preview(ctx context.Context, name string) ([]byte, error)
}
