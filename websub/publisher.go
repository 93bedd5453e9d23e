// Package websub is pressfeed's WebSub publisher: it tells hubs when the
// merged feed changes, so subscribers get news without polling.
//
// It watches a version token (the merged feed's ETag) rather than hooking
// into writes: every change that reaches the feed, whether a poll, an edited
// source or a removed item, shows up there, a change that leaves the feed's
// bytes alone pings nobody, and the check stays out of the request path.
//
// WebSub (W3C, 2018) leaves the publisher-to-hub ping to each hub; the
// common form, from PubSubHubbub 0.4, is a form POST of hub.mode=publish and
// hub.url=TOPIC, and some hubs read hub.topic instead, so both are sent, one
// request per topic. Pings are retried with exponential backoff; a hub that
// keeps failing is logged and never stops the daemon.
package websub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options tune a Publisher. Zero values take the defaults noted.
type Options struct {
	Client    *http.Client  // a client with a 15 s timeout
	Logger    *slog.Logger  // slog.Default()
	UserAgent string        // sent with every ping; Go's default when empty
	Interval  time.Duration // how often the version is checked; 5 s
	Attempts  int           // tries per change before giving up; 6
	Backoff   time.Duration // wait after the first failure, doubling; 2 s
	// MaxBackoff caps one wait, Retry-After included; 5 min.
	MaxBackoff time.Duration
}

// Publisher pings hubs when the version of its topics changes.
type Publisher struct {
	hubs    []string
	topics  []string
	version func(context.Context) (string, error)
	opts    Options
	logger  *slog.Logger
}

// New returns a Publisher that tells each of hubs about topics whenever
// version returns a new value.
func New(hubs, topics []string, version func(context.Context) (string, error), opts Options) *Publisher {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 6
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 2 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	return &Publisher{hubs: hubs, topics: topics, version: version, opts: opts, logger: opts.Logger}
}

// Run checks the version at once and then every Interval, and pings every
// hub when it changes, until ctx ends. The first check always pings: what
// the hubs were last told before a restart is not known. Each hub has its
// own worker, so a slow or failing hub delays no other; changes that arrive
// while a hub is being retried fold into that retry, since a ping carries
// no content, only "fetch the topic again".
func (p *Publisher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	signals := make([]chan struct{}, len(p.hubs))
	for i, hub := range p.hubs {
		signals[i] = make(chan struct{}, 1)
		wg.Add(1)
		go func(hub string, sig <-chan struct{}) {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-sig:
					p.notify(ctx, hub)
				}
			}
		}(hub, signals[i])
	}
	last := ""
	tick := time.NewTicker(p.opts.Interval)
	defer tick.Stop()
	for {
		v, err := p.version(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			p.logger.Warn("websub: read feed version", "error", err)
		case err == nil && v != last:
			last = v
			for _, sig := range signals {
				select {
				case sig <- struct{}{}:
				default: // a ping is already due
				}
			}
		}
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
		}
	}
}

// notify pings hub about every topic, retrying the topics that fail with
// exponential backoff (or the hub's Retry-After, when longer) up to
// Attempts tries, and logs the outcome once.
func (p *Publisher) notify(ctx context.Context, hub string) {
	pending := p.topics
	wait := p.opts.Backoff
	for attempt := 1; ; attempt++ {
		var failed []string
		var errs []error
		var retryAfter time.Duration
		for _, topic := range pending {
			ra, err := p.Ping(ctx, hub, topic)
			if err != nil {
				failed = append(failed, topic)
				errs = append(errs, err)
				retryAfter = max(retryAfter, ra)
			}
		}
		if len(failed) == 0 {
			p.logger.Info("websub: hub notified", "hub", hub, "topics", len(p.topics), "attempts", attempt)
			return
		}
		if ctx.Err() != nil {
			return
		}
		err := errors.Join(errs...)
		if attempt == p.opts.Attempts {
			p.logger.Error("websub: hub not notified; giving up until the feed changes again", "hub", hub, "attempts", attempt, "error", err)
			return
		}
		delay := min(max(wait, retryAfter), p.opts.MaxBackoff)
		p.logger.Warn("websub: hub ping failed; retrying", "hub", hub, "attempt", attempt, "retry_in", delay, "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		pending = failed
		wait = min(2*wait, p.opts.MaxBackoff)
	}
}

// Ping tells hub once that topic has changed. Any 2xx answer is success;
// otherwise it returns an error naming the status, with the wait a 429 or
// 503 asked for in Retry-After (zero when none).
func (p *Publisher) Ping(ctx context.Context, hub, topic string) (time.Duration, error) {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}, "hub.topic": {topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, fmt.Errorf("ping %s: %w", hub, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p.opts.UserAgent != "" {
		req.Header.Set("User-Agent", p.opts.UserAgent)
	}
	resp, err := p.opts.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("ping %s: %w", hub, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512)) // only for the error text
	if resp.StatusCode/100 == 2 {
		return 0, nil
	}
	return retryAfter(resp.Header.Get("Retry-After"), time.Now()), fmt.Errorf("ping %s about %s: %s: %s", hub, topic, resp.Status, strings.TrimSpace(string(msg)))
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
