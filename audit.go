package pressfeed

import (
	"errors"
	"time"
)

// ErrExists is returned when creating a source or token whose name is taken.
var ErrExists = errors.New("already exists")

// Action names one kind of change recorded in the audit log.
type Action string

// The changes an admin can make.
const (
	ActionCreate      Action = "create"       // a source was added
	ActionUpdate      Action = "update"       // a source's definition changed (enabling and disabling included)
	ActionDelete      Action = "delete"       // a source was removed; its items stay
	ActionPoll        Action = "poll"         // a poll was asked for by hand; no definition changed
	ActionTokenCreate Action = "token_create" // an API token was issued
	ActionTokenRevoke Action = "token_revoke" // an API token was revoked

	ActionSubscriptionPut    Action = "subscription_put"    // an alert subscription was added or replaced
	ActionSubscriptionDelete Action = "subscription_delete" // an alert subscription was deleted

	// ActionPut asks for a source to be created or replaced, whichever the
	// store finds; the audit log records which it was. Imports use it.
	ActionPut Action = "put"
)

// SourceChange is one change to the source list as someone asked for it.
type SourceChange struct {
	Action Action
	// Source is the new definition; for ActionDelete and ActionPoll only
	// its ID is read.
	Source Source
	// IfVersion, when set, makes an update or delete conditional: it is
	// made only if the stored source's Version is still this, and fails
	// with a *ConflictError otherwise. Empty applies the change whatever
	// is stored.
	IfVersion string
}

// Actor is who made a change and through what.
type Actor struct {
	Name string `json:"name"` // an admin account, an API token's name or the local user
	Via  string `json:"via"`  // "web", "api" or "cli"
}

// String names the actor for people: "editor via web".
func (a Actor) String() string { return a.Name + " via " + a.Via }

// AuditEntry records one change: who made it, when, and the source as it
// was before and after. Before is nil for a creation, After for a deletion.
type AuditEntry struct {
	ID       string    `json:"id"` // sorts in the order the entries were written
	Time     time.Time `json:"time"`
	Actor    Actor     `json:"actor"`
	Action   Action    `json:"action"`
	SourceID string    `json:"source_id,omitempty"`
	Token    string    `json:"token,omitempty"` // the token's name, for token actions
	// Subscription is the subscription's name, for subscription actions.
	Subscription string  `json:"subscription,omitempty"`
	Before       *Source `json:"before,omitempty"`
	After        *Source `json:"after,omitempty"`
}

// AuditQuery selects audit entries, newest first. Zero fields do not filter.
type AuditQuery struct {
	SourceID string // only entries about this source
	Before   string // continue after the entry with this ID
	Limit    int    // at most this many; 50 when zero
}

// APIToken is a named bearer token for the JSON API. Only a hash of the
// token is ever stored; the token itself is shown once, when it is made.
type APIToken struct {
	Name      string    `json:"name"`
	Hash      string    `json:"-"` // hex SHA-256 of the token
	Created   time.Time `json:"created"`
	CreatedBy Actor     `json:"created_by"`
	// LastUsed is when the token last authenticated a request, to the
	// hour (a use is recorded when the last one is an hour old); zero if
	// never.
	LastUsed time.Time `json:"last_used,omitzero"`
}
