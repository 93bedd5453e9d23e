// Package pressfeed holds the vocabulary every part of the aggregator shares:
// sources, items, stories, queries and the sentinel errors. It imports only the
// standard library so that fetch, index, web and the command can all depend on
// it without depending on each other.
package pressfeed

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Version is the daemon's version, shown in the User-Agent, by `version`
// and at the head of exported source lists.
const Version = "0.1.0"

// ErrNotFound is returned when a source, item or story does not exist.
var ErrNotFound = errors.New("not found")

// ErrInvalidCursor is returned for a paging cursor this store did not issue.
var ErrInvalidCursor = errors.New("invalid cursor")

// ErrStoreLocked is returned when another process holds the store file.
var ErrStoreLocked = errors.New("store is in use by another process")

// Kind says what sort of organisation publishes a source.
type Kind string

// The kinds of organisation the region has.
const (
	KindForce Kind = "force" // a territorial police force
	KindPCC   Kind = "pcc"   // a Police and Crime Commissioner's office (or the Mayor's)
	KindROCU  Kind = "rocu"  // the regional organised crime unit
	KindOther Kind = "other" // anything else worth following
)

// Kinds lists every valid Kind in display order.
var Kinds = []Kind{KindForce, KindPCC, KindROCU, KindOther}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// SourceType says how a source's URL is read.
type SourceType string

// The ways a source can be read.
const (
	TypeFeed SourceType = "feed" // RSS, Atom or JSON Feed
	TypeHTML SourceType = "html" // an HTML news listing read with selectors
	// TypeAuto is a news page (or feed) that pressfeed finds its own way
	// into: declared feeds, linked feeds, platform feeds, selectors and
	// templates, automatic listing extraction, JSON-LD and the sitemap, in
	// that order (see StrategyKinds).
	TypeAuto SourceType = "auto"
)

// SourceTypes lists every valid SourceType.
var SourceTypes = []SourceType{TypeAuto, TypeFeed, TypeHTML}

// Valid reports whether t is a known SourceType.
func (t SourceType) Valid() bool { return t == TypeFeed || t == TypeHTML || t == TypeAuto }

// Source is one organisation's news, as an admin defines it.
type Source struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Kind     Kind       `json:"kind"`
	Area     string     `json:"area,omitempty"`
	URL      string     `json:"url"`
	Type     SourceType `json:"type"`
	Schedule string     `json:"schedule,omitempty"` // cron spec or @every; empty means the default
	Enabled  bool       `json:"enabled"`

	HTML         *HTMLSpec `json:"html,omitempty"`          // how to read an html source's listing, or an auto source's selectors strategy; nil for feeds
	Feeds        []string  `json:"feeds,omitempty"`         // an auto source's declared feed URLs, tried first, in order
	Pin          string    `json:"pin,omitempty"`           // an auto source's only strategy (a kind or an id, see PinMatches); empty tries them all
	Include      []Rule    `json:"include,omitempty"`       // when set, keep only items matching one
	Exclude      []Rule    `json:"exclude,omitempty"`       // drop items matching any
	MaxAge       string    `json:"max_age,omitempty"`       // never store items dated older than this (ParseMaxAge)
	IgnoreRobots bool      `json:"ignore_robots,omitempty"` // fetch even where robots.txt disallows: only with the site's permission
	// Cluster, when false, keeps the source's items out of other sources'
	// stories: each is a story of its own. Nil means true.
	Cluster *bool `json:"cluster,omitempty"`
}

// Clusters reports whether the source's items may share stories with other
// sources' items: true unless Cluster is set to false.
func (s Source) Clusters() bool { return s.Cluster == nil || *s.Cluster }

var slugRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// FieldError says what is wrong with one field of a value.
type FieldError struct {
	Field  string
	Reason string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Reason }

// ValidationError lists every field error found in one value. Callers that show
// a form use the list; everyone else uses Error.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// ValidateWith checks s with Validate and then with check, which judges what
// needs outside knowledge (the cron dialect, CSS selectors); nil checks
// Validate alone. It returns one ValidationError naming every bad field
// found by both, or nil.
func (s Source) ValidateWith(check func(Source) error) error {
	var errs ValidationError
	for _, err := range []error{s.Validate(), runCheck(check, s)} {
		var verr ValidationError
		switch {
		case err == nil:
		case errors.As(err, &verr):
			errs = append(errs, verr...)
		default:
			errs = append(errs, FieldError{Field: "source", Reason: err.Error()})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func runCheck(check func(Source) error, s Source) error {
	if check == nil {
		return nil
	}
	return check(s)
}

// Validate checks the fields that need no outside knowledge; ValidateWith
// adds the checks that do. It returns a ValidationError naming each bad
// field, or nil.
func (s Source) Validate() error {
	var errs ValidationError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	switch {
	case s.ID == "":
		add("id", "is required")
	case len(s.ID) > 64:
		add("id", "is longer than 64 characters")
	case !slugRE.MatchString(s.ID):
		add("id", "%q is not a slug (lower-case letters, digits and single hyphens)", s.ID)
	}
	if strings.TrimSpace(s.Name) == "" {
		add("name", "is required")
	}
	if !s.Kind.Valid() {
		add("kind", "%q is not one of force, pcc, rocu, other", s.Kind)
	}
	if err := CheckURL(s.URL); err != nil {
		add("url", "%v", err)
	}
	if !s.Type.Valid() {
		add("type", "%q is not one of auto, feed, html", s.Type)
	}
	for i, f := range s.Feeds {
		if err := CheckURL(f); err != nil {
			add(fmt.Sprintf("feeds[%d]", i+1), "%v", err)
		}
	}
	if len(s.Feeds) > MaxFeeds {
		add("feeds", "lists %d URLs; at most %d", len(s.Feeds), MaxFeeds)
	}
	if len(s.Feeds) > 0 && s.Type != TypeAuto {
		add("feeds", `is only read for type = "auto"`)
	}
	if s.Pin != "" {
		if s.Type != TypeAuto {
			add("pin", `is only read for type = "auto"`)
		} else if err := checkPin(s.Pin); err != nil {
			add("pin", "%v", err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// MaxFeeds is the most feed URLs an auto source may declare.
const MaxFeeds = 8

// CheckURL reports why raw is not an absolute http or https URL, or nil.
func CheckURL(raw string) error {
	if raw == "" {
		return errors.New("is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q must start with http:// or https://", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	return nil
}

// SourceState is what the fetcher remembers about a source between polls.
type SourceState struct {
	ETag                string        `json:"etag,omitempty"`
	LastModified        string        `json:"last_modified,omitempty"`
	LastAttempt         time.Time     `json:"last_attempt,omitzero"`
	LastSuccess         time.Time     `json:"last_success,omitzero"`
	LastNewItem         time.Time     `json:"last_new_item,omitzero"`
	LastStatus          int           `json:"last_status,omitempty"`
	LastError           string        `json:"last_error,omitempty"`
	ErrorCategory       ErrorCategory `json:"error_category,omitempty"`
	FailingSince        time.Time     `json:"failing_since,omitzero"`
	ConsecutiveFailures int           `json:"consecutive_failures"`
	NextAttempt         time.Time     `json:"next_attempt,omitzero"`
	NextReason          string        `json:"next_reason,omitempty"`
	ItemCount           int           `json:"item_count"`

	// Gone is set when the server answered 410 Gone. The source and its
	// items are kept and it is still polled, at the longest backoff, until a
	// success clears it or an admin fixes or removes it.
	Gone bool `json:"gone,omitempty"`
	// MovedTo is where a permanent redirect (301, 308) led on the last
	// attempt. The source's URL is not rewritten: an admin accepts it by
	// editing the source.
	MovedTo string `json:"moved_to,omitempty"`
	// BodyHash identifies the body of the last successful fetch, so a server
	// that ignores validators and sends the same bytes costs no parse.
	BodyHash string `json:"body_hash,omitempty"`
	// Warnings says what the last parsed fetch had to cut or repair to store
	// the feed: items over the cap, oversized fields, undecodable bytes.
	Warnings []string `json:"warnings,omitempty"`
	// Resolution is an auto source's way in: the strategy in use and what
	// each strategy found when they were last tried. Zero for feed and html
	// sources.
	Resolution Resolution `json:"resolution,omitzero"`
	// Marks identifies the raw items of a feed source's last stored poll,
	// so the next poll need not normalize again the items the store holds
	// as they are (the fetcher's business: it is opaque elsewhere). The
	// store keeps it beside the state, written with the poll's items; it
	// is not part of the state's JSON.
	Marks []byte `json:"-"`
}

// Item is one news item from one source, as stored. Summary and Content hold
// sanitized HTML; everything else is plain text.
type Item struct {
	Key        string    `json:"key"`       // ItemKey(SourceID, GUID)
	SourceID   string    `json:"source_id"` // the publishing source
	GUID       string    `json:"guid"`      // identity within the source: guid, canonical link or hash
	Title      string    `json:"title"`
	Link       string    `json:"link,omitempty"`
	Summary    string    `json:"summary,omitempty"`
	Content    string    `json:"content,omitempty"`
	Authors    []string  `json:"authors,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Image      string    `json:"image,omitempty"`
	Published  time.Time `json:"published"`         // never after FirstSeen; FirstSeen when unknown
	Updated    time.Time `json:"updated,omitzero"`  // when we last saw the item change
	FirstSeen  time.Time `json:"first_seen"`        // when this store first saw the item
	StoryID    string    `json:"story_id,omitzero"` // the story this item belongs to
}

// ItemKey derives the stable key of an item from its source and its identity
// within that source. The key never changes, so ids built from it are stable.
func ItemKey(sourceID, guid string) string {
	// The length prefix keeps ("a", "b:c") and ("a:b", "c") apart.
	sum := sha256.Sum256([]byte(strconv.Itoa(len(sourceID)) + ":" + sourceID + guid))
	return hex.EncodeToString(sum[:16])
}

// Story is one piece of news and every item that carries it. Its ID is the
// key of the member first seen, for ever; its primary, the member it is
// shown as, is the one published earliest (the first seen on a tie).
type Story struct {
	ID string `json:"id"`
	// Members holds the primary first, whole, then the others by first-seen
	// time. A store may give the others only as a story names them: Key,
	// SourceID, Link, StoryID and the Published, Updated and FirstSeen
	// times; read an item whole with an ungrouped query.
	Members []Item    `json:"members"`
	Updated time.Time `json:"updated"` // the latest member's update or publication
}

// Primary returns the item the story is shown as.
func (s Story) Primary() Item { return s.Members[0] }

// SourceIDs returns every publishing source once, primary first.
func (s Story) SourceIDs() []string {
	seen := make(map[string]bool, len(s.Members))
	var ids []string
	for _, m := range s.Members {
		if !seen[m.SourceID] {
			seen[m.SourceID] = true
			ids = append(ids, m.SourceID)
		}
	}
	return ids
}

// SingleStory wraps one item as a story of its own, whose ID is the item's
// key whatever story the item belongs to: an ungrouped feed (dedup=none)
// shows every member of a story, and each needs its own entry id.
func SingleStory(it Item) Story {
	return Story{ID: it.Key, Members: []Item{it}, Updated: it.LastChange()}
}

// LastChange is the later of the item's publication and update times.
func (it Item) LastChange() time.Time {
	if it.Updated.After(it.Published) {
		return it.Updated
	}
	return it.Published
}

// MaxLimit is the most stories one query returns.
const MaxLimit = 500

// DefaultLimit is the number of stories a query returns when it names none.
const DefaultLimit = 50

// Query selects stories for a feed or page. Zero fields do not filter.
type Query struct {
	Sources   []string  // source ids; any of them
	Kinds     []Kind    // any of them
	Areas     []string  // any of them
	Text      string    // every word must appear in title or summary
	Since     time.Time // only stories published at or after
	Limit     int       // at most this many; DefaultLimit when zero
	Cursor    string    // continue after this opaque position
	Ungrouped bool      // every item on its own (dedup=none)
}

// Normalize sorts and deduplicates the list fields and clamps the limit, so
// that equal queries compare and cache equally.
func (q Query) Normalize() Query {
	q.Sources = sortedSet(q.Sources)
	q.Areas = sortedSet(q.Areas)
	kinds := make([]string, len(q.Kinds))
	for i, k := range q.Kinds {
		kinds[i] = string(k)
	}
	kinds = sortedSet(kinds)
	q.Kinds = nil
	for _, k := range kinds {
		q.Kinds = append(q.Kinds, Kind(k))
	}
	switch {
	case q.Limit <= 0:
		q.Limit = DefaultLimit
	case q.Limit > MaxLimit:
		q.Limit = MaxLimit
	}
	q.Text = strings.TrimSpace(q.Text)
	return q
}

func sortedSet(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := append([]string(nil), in...)
	sort.Strings(out)
	n := 0
	for i, s := range out {
		if s == "" || (i > 0 && s == out[i-1]) {
			continue
		}
		out[n] = s
		n++
	}
	return out[:n]
}

// Page is one page of a query's results, newest first.
type Page struct {
	Stories []Story
	Next    string // cursor for the following page; empty on the last
}

// IngestResult counts what one poll changed in the store.
type IngestResult struct {
	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}
