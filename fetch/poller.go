// Package fetch turns a source into items: it fetches the source's URL
// politely and defensively, decodes and parses the document (gofeed for
// feeds) and normalizes what it finds into pressfeed.Items, which it hands to
// a Sink together with the source's new state.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"pressfeed"
)

// Sink is where a poll's outcome goes. *index.DB implements it.
type Sink interface {
	// State returns the source's state, the zero state if it has none.
	State(ctx context.Context, sourceID string) (pressfeed.SourceState, error)
	// SaveState records a poll that stored no items.
	SaveState(ctx context.Context, sourceID string, st pressfeed.SourceState) error
	// Ingest stores a poll's items and the source's state in one step.
	Ingest(ctx context.Context, sourceID string, items []pressfeed.Item, st pressfeed.SourceState) (pressfeed.IngestResult, error)
}

// Options tune a Poller. Zero values take the defaults noted.
type Options struct {
	UserAgent            string        // required in practice; "pressfeed"
	AllowPrivateNetworks bool          // fetch loopback and private addresses
	MaxBodyBytes         int64         // 10 MiB, counted after decompression
	Timeout              time.Duration // each fetch, redirects and a slow body included; 60 s
	// StallTimeout gives up on a fetch that makes no progress for that
	// long — no answer, or a body that stops or drips under 1 KiB in it —
	// well before Timeout; 15 s.
	StallTimeout time.Duration
	Now          func() time.Time // time.Now
	Logger       *slog.Logger     // slog.Default()
	Client       *http.Client     // NewClient(...) from the options above
	FollowDelay  time.Duration    // spacing between an html source's followed item pages; 1 s

	HostSpacing  time.Duration // least time between request starts to one host; 1 s
	MaxRedirects int           // redirects followed per fetch; 5
	MaxBackoff   time.Duration // longest wait between attempts at a failing source; 6 h
	// Interval returns a source's usual polling interval, where backoff
	// starts; 10 minutes when nil or zero. The command derives it from the
	// source's schedule.
	Interval func(pressfeed.Source) time.Duration
	Rand     func() float64 // backoff jitter in [0, 1); math/rand/v2.Float64
	Limits   Limits         // caps on items and field sizes
	// Reresolve is how often an auto source reading a fallback strategy
	// (one that something before it in the order failed to beat) tries the
	// better ones again; 24 h.
	Reresolve time.Duration
}

// Poller polls sources. It is safe for concurrent use; the scheduler keeps
// two polls of one source from overlapping.
type Poller struct {
	opts   Options
	client *http.Client
	sink   Sink
	policy *bluemonday.Policy
	logger *slog.Logger
	html   *htmlState // robots.txt cache and the zone listing dates are read in
	hosts  *hostGate
}

// NewPoller returns a Poller that stores into sink.
func NewPoller(sink Sink, opts Options) *Poller {
	if opts.UserAgent == "" {
		opts.UserAgent = "pressfeed"
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 10 << 20
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = 15 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Client == nil {
		opts.Client = NewClient(ClientOptions{AllowPrivateNetworks: opts.AllowPrivateNetworks})
	}
	if opts.FollowDelay <= 0 {
		opts.FollowDelay = time.Second
	}
	if opts.HostSpacing <= 0 {
		opts.HostSpacing = time.Second
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = 5
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 6 * time.Hour
	}
	if opts.Interval == nil {
		opts.Interval = func(pressfeed.Source) time.Duration { return defaultInterval }
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.Reresolve <= 0 {
		opts.Reresolve = 24 * time.Hour
	}
	opts.Limits = opts.Limits.withDefaults()
	return &Poller{opts: opts, client: opts.Client, sink: sink, policy: newPolicy(), logger: opts.Logger,
		hosts: newHostGate(opts.HostSpacing), html: newHTMLState()}
}

// Outcomes of a poll, as logged and counted.
const (
	OutcomeOK          = "ok"           // fetched and stored
	OutcomeNotModified = "not_modified" // the server or the body hash said nothing changed
	OutcomeError       = "error"        // failed; the state says why
	OutcomeSkipped     = "skipped"      // backing off; not fetched
	// OutcomeCancelled is a poll its caller called off (the daemon
	// shutting down, an interrupted poll verb) before it finished. It is
	// not the source's failure: nothing is recorded.
	OutcomeCancelled = "cancelled"
)

// Result is what one poll did.
type Result struct {
	SourceID string
	Outcome  string
	Items    int   // items found in the document
	Dropped  int   // of those, items the source's include, exclude and max_age rules removed
	Bytes    int64 // body bytes fetched, after decompression
	pressfeed.IngestResult
	Duration time.Duration
	Err      error                 // set when Outcome is OutcomeError, and why a cancelled poll stopped
	State    pressfeed.SourceState // the state recorded, or, when skipped, the state that says why
	// Resolved is set when an auto source tried its strategies in this
	// poll; State.Resolution says what each found.
	Resolved bool
}

// Poll fetches src once and records the outcome in the sink: new and
// changed items and the source's state on success, the error and its
// category on failure. A source backing off is skipped until its next
// attempt. It logs one line per poll and returns what it did; the error in
// Result is already recorded and logged.
func (p *Poller) Poll(ctx context.Context, src pressfeed.Source) Result {
	return p.poll(ctx, src, false)
}

// PollAnyway is Poll for a poll asked for by hand: it fetches src even
// while it is backing off. A success ends the backoff; a failure backs off
// further, as any failure does.
func (p *Poller) PollAnyway(ctx context.Context, src pressfeed.Source) Result {
	return p.poll(ctx, src, true)
}

func (p *Poller) poll(ctx context.Context, src pressfeed.Source, anyway bool) Result {
	start := p.opts.Now()
	res := Result{SourceID: src.ID}
	st, err := p.sink.State(ctx, src.ID)
	if err != nil && ctx.Err() != nil {
		return p.cancelled(ctx, res, st, err, start)
	}
	if err != nil {
		res.Outcome, res.Err = OutcomeError, &Error{Category: pressfeed.CatStore, Err: err}
		p.logResult(res, src)
		return res
	}
	if !anyway && !st.NextAttempt.IsZero() && start.Before(st.NextAttempt) {
		res.Outcome, res.State = OutcomeSkipped, st
		p.logger.Debug("poll skipped", "source", src.ID, "until", st.NextAttempt, "reason", st.NextReason)
		return res
	}
	// Each fetch has its own deadline (Options.Timeout), which starts once
	// the host's politeness turn comes.
	resolvedAt, before := st.Resolution.At, st
	items, resp, err := p.fetchItems(ctx, src, &st)
	if res.Resolved = !st.Resolution.At.Equal(resolvedAt); res.Resolved {
		st.Resolution.At = start // the poll's own time, as LastAttempt is
	}
	if err != nil && ctx.Err() != nil {
		// Our caller gave up (the daemon is stopping), not the source: the
		// fetch's own deadline is a child of ctx and leaves ctx.Err nil.
		return p.cancelled(ctx, res, before, err, start)
	}
	found := len(items)
	if resp != nil && resp.marks != nil {
		found += len(resp.marks.skipped)
	}
	if err == nil && !resp.NotModified {
		items, res.Dropped, err = p.applyRules(src, items, start)
	}
	st.LastAttempt = start
	if resp != nil {
		st.LastStatus = resp.Status
		st.MovedTo = resp.MovedTo
		res.Bytes = int64(len(resp.Body))
	}
	switch {
	case err != nil:
		res.Err = p.recordFailure(ctx, src, &st, resp, err)
		res.Outcome = OutcomeError
	case resp.NotModified:
		recordSuccess(&st, resp, start)
		if err := p.sink.SaveState(ctx, src.ID, st); err != nil {
			res.Outcome, res.Err = OutcomeError, &Error{Category: pressfeed.CatStore, Err: err}
			break
		}
		res.Outcome = OutcomeNotModified
	default:
		recordSuccess(&st, resp, start)
		res.Items = found
		st.Marks = resp.marks.after(items)
		ir, err := p.sink.Ingest(ctx, src.ID, items, st)
		if err != nil {
			res.Outcome, res.Err = OutcomeError, &Error{Category: pressfeed.CatStore, Err: err}
			break
		}
		if resp.marks != nil {
			ir.Unchanged += len(resp.marks.skipped) // what Ingest would have found them
		}
		res.Outcome, res.IngestResult = OutcomeOK, ir
	}
	res.Duration = p.opts.Now().Sub(start)
	res.State = st
	p.logResult(res, src)
	return res
}

// cancelled ends a poll called off by its caller while it was at work:
// it records nothing, so the source's state stays as it was (no failure,
// no backoff), and logs why it stopped.
func (p *Poller) cancelled(ctx context.Context, res Result, st pressfeed.SourceState, err error, start time.Time) Result {
	res.Outcome, res.Err, res.State = OutcomeCancelled, err, st
	res.Duration = p.opts.Now().Sub(start)
	p.logger.Info("poll cancelled", "source", res.SourceID, "reason", context.Cause(ctx), "during", err,
		"duration", res.Duration.Round(time.Millisecond))
	return res
}

// fetchItems fetches and parses src. A 304 returns no items and a response
// marked NotModified. An auto source's resolution in st is updated.
func (p *Poller) fetchItems(ctx context.Context, src pressfeed.Source, st *pressfeed.SourceState) ([]pressfeed.Item, *response, error) {
	switch src.Type {
	case pressfeed.TypeFeed:
		return p.fetchFeed(ctx, src, *st)
	case pressfeed.TypeHTML:
		return p.scrapeSource(ctx, src, *st, nil)
	case pressfeed.TypeAuto:
		return p.fetchAuto(ctx, src, st, nil)
	default:
		return nil, nil, &Error{Category: pressfeed.CatUnsupported, Err: fmt.Errorf("source type %q is not supported yet", src.Type)}
	}
}

// recordSuccess resets the failure fields and keeps the server's
// validators and body hash; these are stored only after a success. A 304
// keeps the stored ones; a 200 replaces them, even with none.
func recordSuccess(st *pressfeed.SourceState, resp *response, now time.Time) {
	st.LastSuccess = now
	st.LastError, st.ErrorCategory = "", ""
	st.FailingSince = time.Time{}
	st.ConsecutiveFailures = 0
	st.NextAttempt, st.NextReason = time.Time{}, ""
	st.Gone = false
	if resp.Status != http.StatusNotModified {
		st.ETag, st.LastModified = resp.ETag, resp.LastModified
		st.BodyHash = resp.BodyHash
	}
	if !resp.NotModified {
		st.Warnings = resp.Warnings
	}
}

// recordFailure notes err in the source's state, with when the next
// attempt will be and why, and saves it, keeping the stored items and
// validators untouched. resp is the response, if one arrived. It returns
// the categorized error.
func (p *Poller) recordFailure(ctx context.Context, src pressfeed.Source, st *pressfeed.SourceState, resp *response, err error) error {
	fe := categorize(err)
	st.LastError, st.ErrorCategory = fe.Error(), fe.Category
	if st.ConsecutiveFailures == 0 {
		st.FailingSince = st.LastAttempt
	}
	st.ConsecutiveFailures++
	if resp != nil && resp.Status == http.StatusGone {
		st.Gone = true
	}
	st.NextAttempt, st.NextReason = p.retryPlan(src, *st, resp, st.LastAttempt)
	if serr := p.sink.SaveState(ctx, src.ID, *st); serr != nil {
		return errors.Join(fe, &Error{Category: pressfeed.CatStore, Err: serr})
	}
	return fe
}

func (p *Poller) logResult(res Result, src pressfeed.Source) {
	attrs := []any{"source", src.ID, "outcome", res.Outcome, "new", res.New, "updated", res.Updated,
		"items", res.Items, "dropped", res.Dropped, "duration", res.Duration.Round(time.Millisecond)}
	if r := res.State.Resolution; r.Strategy != "" {
		attrs = append(attrs, "strategy", r.Strategy)
	}
	if res.Resolved {
		attrs = append(attrs, "resolution", res.State.Resolution.Summary())
	}
	if res.Err != nil {
		var fe *Error
		var cat pressfeed.ErrorCategory
		if errors.As(res.Err, &fe) {
			cat = fe.Category
		}
		p.logger.Warn("poll failed", append(attrs, "category", cat, "error", res.Err, "next_attempt", res.State.NextAttempt)...)
		return
	}
	p.logger.Info("poll", attrs...)
}
