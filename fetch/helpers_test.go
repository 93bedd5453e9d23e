package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/index"
)

// clock is a settable clock for the Poller's Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// serve starts a test server for one handler; each is its own host, as
// each real source is.
func serve(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// rssWith returns an RSS document whose items have the given titles, with
// guids derived from the titles.
func rssWith(titles ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel><title>T</title><link>https://force.example/</link><description>d</description>\n")
	for i, title := range titles {
		fmt.Fprintf(&b, "<item><title>%s</title><guid isPermaLink=\"false\">g-%d</guid><link>https://force.example/news/%d</link></item>\n", title, i, i)
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}

// titles returns the titles of every item stored for sourceID.
func titles(t testing.TB, db *index.DB, sourceID string) []string {
	t.Helper()
	page, err := db.Stories(context.Background(), pressfeed.Query{Sources: []string{sourceID}, Limit: pressfeed.MaxLimit, Ungrouped: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range page.Stories {
		out = append(out, s.Primary().Title)
	}
	return out
}

// category returns the category of a poll's error, or "" for none.
func category(err error) pressfeed.ErrorCategory {
	var fe *fetch.Error
	if errors.As(err, &fe) {
		return fe.Category
	}
	return ""
}

// clockedPoller returns a test poller whose clock is c.
func clockedPoller(db *index.DB, c *clock) *fetch.Poller {
	opts := testOptions()
	opts.Now = c.Now
	return fetch.NewPoller(db, opts)
}
