package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/alert"
	"pressfeed/index"
	"pressfeed/internal/smtptest"
	"pressfeed/internal/testclock"
)

func london(s string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02 15:04", s, pressfeed.London())
	return t
}
func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var sources = []pressfeed.Source{
	{ID: "merseyside", Name: "Merseyside Police", Kind: "force", URL: "https://m.example/feed", Type: "feed", Enabled: true},
	{ID: "merseyside-pcc", Name: "Merseyside PCC", Kind: "pcc", URL: "https://mp.example/feed", Type: "feed", Enabled: true},
	{ID: "cumbria", Name: "Cumbria Police", Kind: "force", URL: "https://c.example/feed", Type: "feed", Enabled: true},
}

func openStore(t *testing.T, c *testclock.Clock) *index.DB {
	t.Helper()
	db, err := index.Open(filepath.Join(t.TempDir(), "s.db"), index.Options{Now: c.Now})
	noErr(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.SeedSources(context.Background(), sources)
	noErr(t, err)
	return db
}

// ingest stores one item per source given, all telling the same story.
func ingest(t *testing.T, db *index.DB, c *testclock.Clock, title string, sourceIDs ...string) {
	t.Helper()
	for i, id := range sourceIDs {
		it := pressfeed.Item{GUID: title + id, Title: title, Link: fmt.Sprintf("https://%s.example/news/%d", id, len(title)),
			Summary:   "<p>Officers investigating the incident in " + title + " are appealing for witnesses &amp; dashcam footage.</p>",
			Published: c.Now().Add(-time.Duration(len(sourceIDs)-i) * time.Minute)}
		_, err := db.Ingest(context.Background(), id, []pressfeed.Item{it}, pressfeed.SourceState{LastNewItem: c.Now(), LastSuccess: c.Now()})
		noErr(t, err)
	}
}

// smtpServer runs a real SMTP server and returns its port and a function
// listing what it received.
func smtpServer(t *testing.T) (int, func() []*mail.Message) {
	srv := smtptest.Start(t)
	return srv.Port, srv.Inbox
}

// parts returns the text and HTML parts of a multipart/alternative message.
func parts(t *testing.T, m *mail.Message) (text, html string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q", m.Header.Get("Content-Type"))
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart() // undoes quoted-printable
		if err == io.EOF {
			break
		}
		noErr(t, err)
		b, _ := io.ReadAll(p)
		switch ct := p.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain"):
			text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			html = string(b)
		}
	}
	return text, html
}

func TestEmailAlertsThroughARealSMTPServer(t *testing.T) {
	port, inbox := smtpServer(t)
	c := testclock.New(london("2026-06-10 09:00"))
	db := openStore(t, c)
	ctx := context.Background()
	sub := pressfeed.Subscription{Name: "southport", Filter: "q=southport", To: "mailto:desk@newsroom.example", Cadence: pressfeed.CadenceImmediate, Secret: "unsubscribe-key", Created: c.Now()}
	noErr(t, db.AddSubscription(ctx, pressfeed.Actor{Name: "test", Via: "cli"}, sub))
	ingest(t, db, c, "Kirkby", "merseyside") // before, and not matching: never sent
	c.Advance(time.Minute)
	ingest(t, db, c, "Southport <b>stabbing</b>", "merseyside", "merseyside-pcc")
	ingest(t, db, c, "Carlisle", "cumbria")
	r := alert.New(db, alert.Options{
		Mailer: alert.SMTP{Host: "127.0.0.1", Port: port, TLS: alert.TLSNone, From: "alerts@pressfeed.example"},
		From:   "pressfeed <alerts@pressfeed.example>", BaseURL: "https://news.example", Now: c.Now,
	})
	c.Advance(time.Minute)
	noErr(t, r.Run(ctx))
	noErr(t, r.Run(ctx)) // nothing new: nothing sent again
	msgs := inbox()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if got := m.Header.Get("To"); got != "desk@newsroom.example" {
		t.Errorf("To %q", got)
	}
	if got := m.Header.Get("Subject"); got != "southport: 1 new" {
		t.Errorf("Subject %q", got)
	}
	if m.Header.Get("From") != "pressfeed <alerts@pressfeed.example>" || m.Header.Get("Message-Id") == "" || m.Header.Get("Date") == "" {
		t.Errorf("headers %v", m.Header)
	}
	unsubscribe := sub.UnsubscribeURL("https://news.example")
	if got := m.Header.Get("List-Unsubscribe"); got != "<"+unsubscribe+">" {
		t.Errorf("List-Unsubscribe %q, want <%s>", got, unsubscribe)
	}
	if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q (RFC 8058)", got)
	}
	text, html := parts(t, m)
	for _, want := range []string{"== Merseyside Police ==", "Southport <b>stabbing</b>", "also published by Merseyside PCC", "https://news.example/?q=southport", unsubscribe} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Kirkby") || strings.Contains(text, "Carlisle") {
		t.Errorf("text part carries stories the filter or the start excludes:\n%s", text)
	}
	if !strings.Contains(html, "Southport &lt;b&gt;stabbing&lt;/b&gt;") || strings.Contains(html, "<b>stabbing") {
		t.Errorf("html part does not escape the title:\n%s", html)
	}
	if !strings.Contains(text, "are appealing for witnesses & dashcam footage.") || strings.Contains(text, "<p>") {
		t.Errorf("text part does not give the summary as text:\n%s", text)
	}
	if !strings.Contains(html, "<em>also published by Merseyside PCC</em>") {
		t.Errorf("html part:\n%s", html)
	}
	// A later story arrives once, in a second message.
	c.Advance(time.Hour)
	ingest(t, db, c, "Southport appeal", "merseyside")
	c.Advance(time.Minute)
	noErr(t, r.Run(ctx))
	if n := len(inbox()); n != 2 {
		t.Errorf("%d messages after a second story, want 2", n)
	}
}

func TestFailingMailServerIsRetriedThenFailedWhileOthersCarryOn(t *testing.T) {
	c := testclock.New(london("2026-06-10 09:00"))
	db := openStore(t, c)
	ctx := context.Background()
	var got []string
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get(alert.SignatureHeader) != alert.Sign("s3cret", b) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	noErr(t, db.AddSubscription(ctx, pressfeed.Actor{Name: "test", Via: "cli"}, pressfeed.Subscription{Name: "mail", To: "mailto:desk@newsroom.example", Cadence: pressfeed.CadenceImmediate, Secret: "m", Created: c.Now()}))
	noErr(t, db.AddSubscription(ctx, pressfeed.Actor{Name: "test", Via: "cli"}, pressfeed.Subscription{Name: "hook", Filter: "kind=force", To: hook.URL + "/in", Cadence: pressfeed.CadenceImmediate, Secret: "s3cret", Created: c.Now()}))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens: every send is refused
	r := alert.New(db, alert.Options{Mailer: alert.SMTP{Host: "127.0.0.1", Port: deadPort, TLS: alert.TLSNone, From: "a@pressfeed.example"},
		Now: c.Now, MaxAttempts: 3, RetryAfter: time.Minute})
	c.Advance(time.Second)
	ingest(t, db, c, "Southport", "merseyside", "merseyside-pcc")
	c.Advance(time.Second)
	for range 6 {
		r.Run(ctx) // errors are the mail server's; the hook still goes
		c.Advance(5 * time.Minute)
	}
	list, err := db.Deliveries(ctx)
	noErr(t, err)
	states := map[string]pressfeed.Delivery{}
	for _, d := range list {
		states[d.Subscription] = d
	}
	if d := states["mail"]; d.State != pressfeed.DeliveryFailed || d.Attempts != 3 || !strings.Contains(d.LastError, "connection refused") {
		t.Errorf("mail delivery %+v, want failed after 3 attempts, naming the refusal", d)
	}
	if d := states["hook"]; d.State != pressfeed.DeliverySent || d.Attempts != 1 {
		t.Errorf("hook delivery %+v", d)
	}
	if len(got) != 1 {
		t.Fatalf("hook received %d bodies, want 1", len(got))
	}
	var feed struct {
		Version string `json:"version"`
		Items   []struct {
			Title   string `json:"title"`
			Authors []struct {
				Name string `json:"name"`
			} `json:"authors"`
		} `json:"items"`
	}
	noErr(t, json.Unmarshal([]byte(got[0]), &feed))
	if feed.Version != "https://jsonfeed.org/version/1.1" || len(feed.Items) != 1 || feed.Items[0].Title != "Southport" || len(feed.Items[0].Authors) != 2 {
		t.Errorf("hook body %s", got[0])
	}
}

func TestWebhookRetriesWithBackoffAndASendCutOffIsNeverResent(t *testing.T) {
	c := testclock.New(london("2026-06-10 09:00"))
	db := openStore(t, c)
	ctx := context.Background()
	var calls int
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}))
	defer hook.Close()
	noErr(t, db.AddSubscription(ctx, pressfeed.Actor{Name: "test", Via: "cli"}, pressfeed.Subscription{Name: "hook", To: hook.URL, Cadence: pressfeed.CadenceImmediate, Secret: "k", Created: c.Now()}))
	r := alert.New(db, alert.Options{Now: c.Now, RetryAfter: 10 * time.Minute})
	c.Advance(time.Second)
	ingest(t, db, c, "Southport", "merseyside")
	r.Run(ctx) // 503: kept for a retry
	r.Run(ctx) // not due yet
	list, _ := db.Deliveries(ctx)
	if len(list) != 1 || list[0].State != pressfeed.DeliveryPending || !strings.Contains(list[0].LastError, "503") || !list[0].NextAttempt.Equal(c.Now().Add(10*time.Minute)) || calls != 1 {
		t.Fatalf("after a 503: %d calls, %+v", calls, list)
	}
	c.Advance(11 * time.Minute)
	noErr(t, r.Run(ctx))
	if list, _ = db.Deliveries(ctx); list[0].State != pressfeed.DeliverySent || calls != 2 {
		t.Fatalf("after the retry: %d calls, %+v", calls, list)
	}

	// A process killed mid-send leaves its delivery "sending". The next
	// start fails it, naming why, and never sends it again.
	c.Advance(time.Minute)
	ingest(t, db, c, "Bootle", "merseyside")
	c.Advance(time.Second)
	subs, _ := db.Subscriptions(ctx)
	page, _ := db.Stories(ctx, pressfeed.Query{Text: "bootle"}.Normalize())
	d, made, err := db.Enqueue(ctx, subs[0].Name, page.Stories, false, c.Now())
	noErr(t, err)
	if !made {
		t.Fatal("nothing enqueued")
	}
	d.State, d.Attempts = pressfeed.DeliverySending, 1 // what attempt records before it sends
	noErr(t, db.UpdateDelivery(ctx, d))
	restarted := alert.New(db, alert.Options{Now: c.Now})
	noErr(t, restarted.Recover(ctx))
	noErr(t, restarted.Run(ctx))
	list, _ = db.Deliveries(ctx)
	if last := list[len(list)-1]; last.State != pressfeed.DeliveryFailed || !strings.Contains(last.LastError, "interrupted while sending") || calls != 2 {
		t.Errorf("a cut-off send: %d calls, %+v", calls, last)
	}
}

// A stop that cancels a run mid-send records the send as failed, not as
// one to retry: the hook may have it already. Loop serializes runs asked
// for by Nudge and returns when told to stop.
func TestASendCutOffByAStopIsNotRetried(t *testing.T) {
	var posts atomic.Int32
	arrived := make(chan struct{}, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		posts.Add(1)
		arrived <- struct{}{}
		<-r.Context().Done() // a hook that never answers
	}))
	defer hook.Close()
	c := testclock.New(london("2026-06-10 09:00"))
	db := openStore(t, c)
	ctx := context.Background()
	noErr(t, db.AddSubscription(ctx, pressfeed.Actor{Name: "test", Via: "cli"}, pressfeed.Subscription{Name: "hook", To: hook.URL, Cadence: pressfeed.CadenceImmediate, Secret: "k", Created: c.Now()}))
	c.Advance(time.Minute)
	ingest(t, db, c, "Wirral", "merseyside")
	r := alert.New(db, alert.Options{Now: c.Now})
	runCtx, cancel := context.WithCancel(ctx)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { r.Loop(runCtx, stop); close(done) }()
	r.Nudge()
	r.Nudge() // a second ask while one waits is dropped: Nudge never blocks
	<-arrived
	close(stop)
	cancel() // the stop's grace is over
	<-done
	list, err := db.Deliveries(ctx)
	noErr(t, err)
	if len(list) != 1 || list[0].State != pressfeed.DeliveryFailed || !strings.Contains(list[0].LastError, "cut off by a stop while sending") {
		t.Fatalf("outbox after a cut-off send: %+v", list)
	}
	c.Advance(time.Hour)
	noErr(t, r.Run(ctx))
	if n := posts.Load(); n != 1 {
		t.Errorf("%d posts, want the one cut off and no retry", n)
	}
}

// A window keeps a delivery to recent stories: a release first seen now
// but published three days ago is not alerted under a 48h window.
func TestWindowLeavesOutOldReleases(t *testing.T) {
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Items []struct{ Title string } }
		json.NewDecoder(r.Body).Decode(&body)
		for _, it := range body.Items {
			got = append(got, it.Title)
		}
	}))
	defer hook.Close()
	c := testclock.New(london("2026-06-10 09:00"))
	db := openStore(t, c)
	ctx := context.Background()
	noErr(t, db.AddSubscription(ctx, pressfeed.Actor{Name: "test", Via: "cli"}, pressfeed.Subscription{Name: "recent", To: hook.URL, Cadence: pressfeed.CadenceImmediate, Window: "48h", Secret: "k", Created: c.Now()}))
	c.Advance(time.Minute)
	for _, it := range []pressfeed.Item{
		{GUID: "new", Title: "Arrest after Aintree burglary", Link: "https://m.example/1", Published: c.Now().Add(-time.Hour)},
		{GUID: "old", Title: "Appeal over Crosby fire", Link: "https://m.example/2", Published: c.Now().Add(-72 * time.Hour)},
	} {
		_, err := db.Ingest(ctx, "merseyside", []pressfeed.Item{it}, pressfeed.SourceState{LastSuccess: c.Now()})
		noErr(t, err)
	}
	c.Advance(time.Minute)
	r := alert.New(db, alert.Options{Now: c.Now})
	noErr(t, r.Run(ctx))
	if fmt.Sprint(got) != "[Arrest after Aintree burglary]" {
		t.Errorf("the hook got %q, want only the release of the last 48 hours", got)
	}
}

// A story stored while no runner ran (by a poll between two daemons) is
// sent by the next runner's first run, though the reopened store's
// generation starts again; a run with nothing stored since sends nothing.
func TestFirstRunLooksAndLaterRunsLookOnlyAfterWrites(t *testing.T) {
	var posts atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { posts.Add(1) }))
	defer hook.Close()
	c := testclock.New(london("2026-06-10 09:00"))
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := index.Open(path, index.Options{Now: c.Now})
	noErr(t, err)
	ctx := context.Background()
	_, err = db.SeedSources(ctx, sources)
	noErr(t, err)
	noErr(t, db.AddSubscription(ctx, pressfeed.Actor{Name: "test", Via: "cli"}, pressfeed.Subscription{Name: "hook", To: hook.URL, Cadence: pressfeed.CadenceImmediate, Secret: "k", Created: c.Now()}))
	c.Advance(time.Minute)
	ingest(t, db, c, "Wallasey", "merseyside")
	noErr(t, db.Close())
	db, err = index.Open(path, index.Options{Now: c.Now})
	noErr(t, err)
	defer db.Close()
	r := alert.New(db, alert.Options{Now: c.Now})
	c.Advance(time.Minute)
	noErr(t, r.Run(ctx))
	if n := posts.Load(); n != 1 {
		t.Fatalf("%d posts after the first run, want 1", n)
	}
	c.Advance(time.Minute)
	noErr(t, r.Run(ctx))
	ingest(t, db, c, "Birkenhead", "merseyside")
	c.Advance(time.Minute)
	noErr(t, r.Run(ctx))
	if n := posts.Load(); n != 2 {
		t.Errorf("%d posts, want 2: one for each story", n)
	}
}

func TestDigestAt0730LondonAcrossTheClockChange(t *testing.T) {
	port, inbox := smtpServer(t)
	c := testclock.New(london("2026-10-23 20:00")) // Friday, BST
	db := openStore(t, c)
	ctx := context.Background()
	noErr(t, db.AddSubscription(ctx, pressfeed.Actor{Name: "test", Via: "cli"}, pressfeed.Subscription{Name: "morning", To: "mailto:office@pcc.example", Cadence: pressfeed.CadenceDigest, At: "07:30", Days: pressfeed.DaysDaily, Secret: "d", Created: c.Now()}))
	noErr(t, db.SaveState(ctx, "cumbria", pressfeed.SourceState{ConsecutiveFailures: 3, LastError: "http_status: 503 Service Unavailable"}))
	r := alert.New(db, alert.Options{Mailer: alert.SMTP{Host: "127.0.0.1", Port: port, TLS: alert.TLSNone, From: "a@pressfeed.example"}, Now: c.Now})
	var sentAt []time.Time
	step := func(to time.Time) {
		for c.Now().Before(to) {
			c.Advance(time.Minute)
			before := len(inbox())
			noErr(t, r.Run(ctx))
			if len(inbox()) > before {
				sentAt = append(sentAt, c.Now())
			}
		}
	}
	c.Advance(time.Minute)
	ingest(t, db, c, "Southport", "merseyside", "merseyside-pcc")
	step(london("2026-10-24 12:00")) // Saturday, still BST
	ingest(t, db, c, "Kendal", "cumbria")
	step(london("2026-10-25 12:00")) // Sunday: the clocks went back at 02:00
	want := []time.Time{london("2026-10-24 07:30"), london("2026-10-25 07:30")}
	if len(sentAt) != 2 || !sentAt[0].Equal(want[0]) || !sentAt[1].Equal(want[1]) {
		t.Fatalf("digests at %v, want %v", sentAt, want)
	}
	if _, off := sentAt[0].Zone(); off != 3600 {
		t.Errorf("first digest offset %d, want BST", off)
	}
	if _, off := sentAt[1].Zone(); off != 0 {
		t.Errorf("second digest offset %d, want GMT", off)
	}
	msgs := inbox()
	text0, _ := parts(t, msgs[0])
	text1, _ := parts(t, msgs[1])
	if !strings.Contains(text0, "Cumbria Police is failing (3 polls)") || !strings.Contains(text0, "Southport") || !strings.Contains(text0, "also published by Merseyside PCC") {
		t.Errorf("first digest:\n%s", text0)
	}
	if !strings.Contains(text1, "Kendal") || strings.Contains(text1, "Southport") {
		t.Errorf("second digest repeats or misses a story:\n%s", text1)
	}
}
