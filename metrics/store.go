package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// scrapeTimeout bounds the store read of one scrape, so a stuck store makes
// /metrics incomplete rather than hung.
const scrapeTimeout = 5 * time.Second

// storeCollector reads the store's gauges at scrape time, so they are never
// stale and cost nothing between scrapes.
type storeCollector struct {
	stats       StatsFunc
	size        *prometheus.Desc
	items       *prometheus.Desc
	stories     *prometheus.Desc
	tombstones  *prometheus.Desc
	lastSuccess *prometheus.Desc
	failures    *prometheus.Desc
	enabled     *prometheus.Desc
	up          *prometheus.Desc
}

func newStoreCollector(stats StatsFunc) *storeCollector {
	return &storeCollector{
		stats:       stats,
		size:        prometheus.NewDesc("pressfeed_store_size_bytes", "Size of the store file on disk.", nil, nil),
		items:       prometheus.NewDesc("pressfeed_store_items", "Items in the store.", nil, nil),
		stories:     prometheus.NewDesc("pressfeed_store_stories", "Stories in the store (an item carried by several sources is one story).", nil, nil),
		tombstones:  prometheus.NewDesc("pressfeed_store_tombstones", "Identities of items pruned by retention, kept so they are never stored again.", nil, nil),
		lastSuccess: prometheus.NewDesc("pressfeed_source_last_success_timestamp_seconds", "When the source was last fetched successfully (Unix time); 0 if never.", []string{"source"}, nil),
		failures:    prometheus.NewDesc("pressfeed_source_consecutive_failures", "Failed polls of the source since its last success.", []string{"source"}, nil),
		enabled:     prometheus.NewDesc("pressfeed_source_enabled", "1 if the source is polled, 0 if it is disabled.", []string{"source"}, nil),
		up:          prometheus.NewDesc("pressfeed_store_up", "1 if the store could be read for this scrape, else 0.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.size, c.items, c.stories, c.tombstones, c.lastSuccess, c.failures, c.enabled, c.up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	st, err := c.stats(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		ch <- prometheus.NewInvalidMetric(c.size, err)
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(c.up, 1)
	gauge(c.size, float64(st.SizeBytes))
	gauge(c.items, float64(st.Items))
	gauge(c.stories, float64(st.Stories))
	gauge(c.tombstones, float64(st.Tombstones))
	for _, s := range st.Sources {
		var last float64
		if !s.LastSuccess.IsZero() {
			last = float64(s.LastSuccess.UnixNano()) / 1e9
		}
		enabled := 0.0
		if s.Enabled {
			enabled = 1
		}
		gauge(c.lastSuccess, last, s.ID)
		gauge(c.failures, float64(s.ConsecutiveFailures), s.ID)
		gauge(c.enabled, enabled, s.ID)
	}
}
