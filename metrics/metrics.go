// Package metrics keeps the daemon's Prometheus metrics on a registry of its
// own and serves them. It is the only package that imports client_golang:
// the fetcher and the web server report what they observe through plain
// hooks, and the command forwards those observations here.
//
// Labels carry only source ids, outcomes, routes and status codes, never URLs,
// tokens or anything a reader of /metrics should not see.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Poll is one finished poll of one source.
type Poll struct {
	Source   string
	Outcome  string // ok, not_modified, error, skipped
	New      int
	Updated  int
	Bytes    int64 // body bytes fetched (after decompression)
	Duration time.Duration
}

// SourceStats is what the store knows about one source's health.
type SourceStats struct {
	ID                  string
	Enabled             bool
	LastSuccess         time.Time // zero if it never succeeded
	ConsecutiveFailures int
}

// StoreStats is a snapshot of the store, read at scrape time.
type StoreStats struct {
	SizeBytes  int64 // the file's size on disk
	Items      int
	Stories    int
	Tombstones int // identities of pruned items, kept so they never return
	Sources    []SourceStats
}

// StatsFunc reads a StoreStats snapshot. It is called once per scrape.
type StatsFunc func(ctx context.Context) (StoreStats, error)

// Metrics records the daemon's observations. Its methods are safe for
// concurrent use.
type Metrics struct {
	reg          *prometheus.Registry
	logger       *slog.Logger
	polls        *prometheus.CounterVec
	pollDuration *prometheus.HistogramVec
	itemsNew     *prometheus.CounterVec
	itemsUpdated *prometheus.CounterVec
	bytes        *prometheus.CounterVec
	requests     *prometheus.CounterVec
	reqDuration  *prometheus.HistogramVec
	retention    *prometheus.CounterVec
	// routes keeps each route and status's request counter and duration
	// histogram once looked up: ObserveRequest is on every request's path,
	// and a lookup by label values hashes and allocates. Routes are the
	// mux's patterns, so there are few.
	routes sync.Map // routeStatus → routeMetrics
}

type routeStatus struct {
	route  string
	status int
}

type routeMetrics struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// New returns Metrics on a fresh registry that also carries the Go runtime
// and process collectors and, when stats is not nil, the store's gauges.
func New(stats StatsFunc, logger *slog.Logger) *Metrics {
	if logger == nil {
		logger = slog.Default()
	}
	m := &Metrics{
		reg:    prometheus.NewRegistry(),
		logger: logger,
		polls: counter("pressfeed_polls_total",
			"Polls finished, by source and outcome (ok, not_modified, error, skipped).", "source", "outcome"),
		pollDuration: histogram("pressfeed_poll_duration_seconds",
			"Time from the start of a poll to its stored outcome, by outcome.",
			[]float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}, "outcome"),
		itemsNew: counter("pressfeed_items_new_total",
			"Items stored for the first time, by source.", "source"),
		itemsUpdated: counter("pressfeed_items_updated_total",
			"Stored items whose content changed, by source.", "source"),
		bytes: counter("pressfeed_fetched_bytes_total",
			"Response body bytes fetched, after decompression, by source.", "source"),
		requests: counter("pressfeed_http_requests_total",
			"HTTP requests served, by route and status code.", "route", "code"),
		reqDuration: histogram("pressfeed_http_request_duration_seconds",
			"Time to serve an HTTP request, by route.",
			[]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}, "route"),
		retention: counter("pressfeed_retention_pruned_total",
			"Items removed by retention (their identities are kept as tombstones)."),
	}
	m.reg.MustRegister(
		m.polls, m.pollDuration, m.itemsNew, m.itemsUpdated, m.bytes,
		m.requests, m.reqDuration, m.retention,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if stats != nil {
		m.reg.MustRegister(newStoreCollector(stats))
	}
	return m
}

// counter is a counter vector named name, with help, by labels.
func counter(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// histogram is a histogram vector named name, with help and buckets, by
// labels.
func histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
}

// ObservePoll records one finished poll.
func (m *Metrics) ObservePoll(p Poll) {
	m.polls.WithLabelValues(p.Source, p.Outcome).Inc()
	if p.Outcome == "skipped" {
		return // not fetched: no duration worth a bucket
	}
	m.pollDuration.WithLabelValues(p.Outcome).Observe(p.Duration.Seconds())
	if p.New > 0 {
		m.itemsNew.WithLabelValues(p.Source).Add(float64(p.New))
	}
	if p.Updated > 0 {
		m.itemsUpdated.WithLabelValues(p.Source).Add(float64(p.Updated))
	}
	if p.Bytes > 0 {
		m.bytes.WithLabelValues(p.Source).Add(float64(p.Bytes))
	}
}

// ObserveRequest records one served HTTP request. route is the pattern that
// matched ("GET /feed.atom"), or empty when none did.
func (m *Metrics) ObserveRequest(route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	key := routeStatus{route, status}
	rm, ok := m.routes.Load(key)
	if !ok {
		rm, _ = m.routes.LoadOrStore(key, routeMetrics{
			requests: m.requests.WithLabelValues(route, strconv.Itoa(status)),
			duration: m.reqDuration.WithLabelValues(route),
		})
	}
	r := rm.(routeMetrics)
	r.requests.Inc()
	r.duration.Observe(d.Seconds())
}

// ObservePruned records items removed by retention.
func (m *Metrics) ObservePruned(n int) {
	m.retention.WithLabelValues().Add(float64(n))
}

// Handler serves the registry in the Prometheus text format. A failing
// store read is logged and leaves its gauges out; the rest is still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slogLogger{m.logger},
		ErrorHandling: promhttp.ContinueOnError,
	})
}

type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Println(v ...any) { s.l.Warn("metrics", "error", v) }
