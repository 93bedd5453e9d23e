package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pressfeed/metrics"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func scrape(t *testing.T, m *metrics.Metrics) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Code, rec.Body.String()
}

func TestObservationsAppearInTheScrape(t *testing.T) {
	last := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	m := metrics.New(func(context.Context) (metrics.StoreStats, error) {
		return metrics.StoreStats{SizeBytes: 65536, Items: 120, Stories: 100, Tombstones: 7, Sources: []metrics.SourceStats{
			{ID: "force-a", Enabled: true, LastSuccess: last},
			{ID: "pcc-b", Enabled: false, ConsecutiveFailures: 3},
		}}, nil
	}, quiet)
	m.ObservePoll(metrics.Poll{Source: "force-a", Outcome: "ok", New: 3, Updated: 1, Bytes: 2048, Duration: 300 * time.Millisecond})
	m.ObservePoll(metrics.Poll{Source: "force-a", Outcome: "not_modified", Duration: 20 * time.Millisecond})
	m.ObservePoll(metrics.Poll{Source: "pcc-b", Outcome: "error", Duration: 5 * time.Second})
	m.ObserveRequest("GET /feed.atom", 200, 3*time.Millisecond)
	m.ObserveRequest("", 404, time.Millisecond)
	m.ObservePruned(12)

	code, body := scrape(t, m)
	if code != 200 {
		t.Fatalf("scrape: %d\n%s", code, body)
	}
	for _, want := range []string{
		`pressfeed_polls_total{outcome="ok",source="force-a"} 1`,
		`pressfeed_polls_total{outcome="not_modified",source="force-a"} 1`,
		`pressfeed_polls_total{outcome="error",source="pcc-b"} 1`,
		`pressfeed_poll_duration_seconds_count{outcome="ok"} 1`,
		`pressfeed_poll_duration_seconds_bucket{outcome="error",le="2.5"} 0`,
		`pressfeed_items_new_total{source="force-a"} 3`,
		`pressfeed_items_updated_total{source="force-a"} 1`,
		`pressfeed_fetched_bytes_total{source="force-a"} 2048`,
		`pressfeed_http_requests_total{code="200",route="GET /feed.atom"} 1`,
		`pressfeed_http_requests_total{code="404",route="unmatched"} 1`,
		`pressfeed_http_request_duration_seconds_count{route="GET /feed.atom"} 1`,
		`pressfeed_retention_pruned_total 12`,
		`pressfeed_store_up 1`,
		`pressfeed_store_size_bytes 65536`,
		`pressfeed_store_items 120`,
		`pressfeed_store_stories 100`,
		`pressfeed_store_tombstones 7`,
		`pressfeed_source_last_success_timestamp_seconds{source="force-a"} 1.7951652e+09`,
		`pressfeed_source_consecutive_failures{source="pcc-b"} 3`,
		`pressfeed_source_enabled{source="pcc-b"} 0`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

func TestStoreFailureLeavesTheRest(t *testing.T) {
	m := metrics.New(func(context.Context) (metrics.StoreStats, error) {
		return metrics.StoreStats{}, errors.New("store is closed")
	}, quiet)
	m.ObservePoll(metrics.Poll{Source: "a", Outcome: "ok"})
	code, body := scrape(t, m)
	if code != http.StatusOK {
		t.Fatalf("scrape with a failing store: %d", code)
	}
	if !strings.Contains(body, "pressfeed_store_up 0") || !strings.Contains(body, `pressfeed_polls_total{outcome="ok",source="a"} 1`) {
		t.Errorf("scrape with a failing store:\n%s", body)
	}
	if strings.Contains(body, "pressfeed_store_items") {
		t.Error("a failing store still reported an item count")
	}
}

// Two Metrics in one process do not collide: each has its own registry.
func TestOwnRegistry(t *testing.T) {
	a, b := metrics.New(nil, quiet), metrics.New(nil, quiet)
	a.ObservePoll(metrics.Poll{Source: "x", Outcome: "ok"})
	_, body := scrape(t, b)
	if strings.Contains(body, `source="x"`) {
		t.Error("an observation on one Metrics showed up in another")
	}
}
