package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/alert"
	"pressfeed/auth"
	"pressfeed/config"
	"pressfeed/fetch"
	"pressfeed/index"
	"pressfeed/internal/syncbuf"
	"pressfeed/internal/testclock"
	"pressfeed/schedule"
	"pressfeed/web"
)

// The admin account every desk test signs in with.
const (
	adminName     = "editor"
	adminPassword = "correct horse battery"
)

// adminHash is adminPassword hashed at bcrypt's lowest cost, so signing in
// is quick in tests; the auth tests cover hashing at the real cost.
const adminHash = "$2a$04$Qmu5oBb1hCW93BR7/CDu6OOL.H7rRIxd/d1.bVoZBWkwSCJGnwheG"

// feedRSS writes an RSS document with one item per title, an hour apart
// from t0 backwards.
func feedRSS(titles ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Fixture</title><link>https://fixture.example/</link><description>d</description>`)
	for i, title := range titles {
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://fixture.example/%d</link><guid>g-%d</guid><description>About %s.</description><pubDate>%s</pubDate></item>",
			title, i, i, title, t0.Add(-time.Duration(i)*time.Hour).Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// desk is a web server wired like the daemon: a real store in a temp dir, a
// real poller fetching from a loopback feed server, a running scheduler.
type desk struct {
	t     *testing.T
	DB    *index.DB
	Sched *schedule.Scheduler
	Srv   *httptest.Server
	Feeds *httptest.Server
	Logs  *syncBuffer
	clock *testclock.Clock
}

// syncBuffer is safe for a writer goroutine or process and a reading test.
type syncBuffer = syncbuf.Buffer

type deskOptions struct {
	noAccounts bool
	baseURL    string
	proxies    []netip.Prefix // Options.TrustedProxies
	sources    []pressfeed.Source
	ops        func(db *index.DB) web.Ops // operations hooks (ops_test.go)
}

func newDesk(t *testing.T, o deskOptions) *desk {
	t.Helper()
	d := &desk{t: t, clock: testclock.New(t0), Logs: &syncBuffer{}}
	feeds := http.NewServeMux()
	feeds.HandleFunc("GET /press.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feedRSS("Officers seize drugs in raid", "Road closed after crash"))
	})
	feeds.HandleFunc("GET /other.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feedRSS("Commissioner visits control room"))
	})
	d.Feeds = httptest.NewServer(feeds)
	t.Cleanup(d.Feeds.Close)

	db := openStore(t, index.Options{Now: d.clock.Now, ValidateSource: config.CheckSource})
	d.DB = db
	logger := slog.New(slog.NewTextHandler(d.Logs, nil))
	poller := fetch.NewPoller(db, fetch.Options{AllowPrivateNetworks: true, Logger: logger})
	d.Sched = schedule.New(func(ctx context.Context, src pressfeed.Source) { poller.Poll(ctx, src) }, schedule.Options{Logger: logger})
	ctx, cancel := context.WithCancel(context.Background())
	d.Sched.Start(ctx)
	t.Cleanup(func() { cancel(); d.Sched.Stop(context.Background()) })
	if len(o.sources) > 0 {
		if _, err := db.SeedSources(ctx, o.sources); err != nil {
			t.Fatal(err)
		}
	}
	opts := web.Options{
		BaseURL:        o.baseURL,
		TrustedProxies: o.proxies,
		Logger:         logger,
		Now:            d.clock.Now,
		Admin:          db,
		Scheduler:      d.Sched,
		Previewer: web.PreviewFunc(func(ctx context.Context, src pressfeed.Source) (web.Preview, error) {
			pv, err := poller.Check(ctx, src)
			return web.Preview{Items: pv.Items, Warnings: pv.Warnings}, err
		}),
	}
	if o.ops != nil {
		opts.Ops = o.ops(db)
	}
	// The real alert runner, without a mail server (an email's send fails,
	// saying so) and with the fetcher's private-address check on webhooks.
	opts.Alerts = alert.New(db, alert.Options{BaseURL: "https://news.example", Now: d.clock.Now, Logger: logger, CheckTarget: fetch.CheckPublic})
	if !o.noAccounts {
		opts.Accounts = []auth.Account{{Name: adminName, PasswordHash: adminHash}}
	}
	d.Srv = httptest.NewServer(web.NewServer(db, opts))
	t.Cleanup(d.Srv.Close)
	return d
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see every 303.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (d *desk) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: d.t, base: d.Srv.URL, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	*http.Response
	Body string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp, string(body)}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var (
	csrfRE      = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	previewedRE = regexp.MustCompile(`name="previewed" value="([^"]*)"`)
)

// field returns the first match of re's group in body.
func field(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in page:\n%s", re, body)
	}
	return m[1]
}

// signIn signs b in and returns the session's CSRF token.
func (b *browser) signIn() string {
	b.t.Helper()
	form := b.get("/admin/signin")
	resp := b.post("/admin/signin", url.Values{
		"csrf": {field(b.t, csrfRE, form.Body)}, "name": {adminName}, "password": {adminPassword},
	})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin" {
		b.t.Fatalf("sign-in: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
	}
	home := b.get("/admin")
	if home.StatusCode != 200 {
		b.t.Fatalf("admin after sign-in: %d", home.StatusCode)
	}
	return field(b.t, csrfRE, home.Body)
}

func sourceForm(csrf string, src pressfeed.Source, step, previewed string) url.Values {
	v := url.Values{
		"csrf": {csrf}, "id": {src.ID}, "name": {src.Name}, "kind": {string(src.Kind)}, "area": {src.Area},
		"url": {src.URL}, "type": {string(src.Type)}, "schedule": {src.Schedule}, "step": {step}, "previewed": {previewed},
	}
	if src.Enabled {
		v.Set("enabled", "on")
	}
	return v
}

// waitPolled waits until the source has a successful poll on record.
func waitPolled(t *testing.T, db *index.DB, id string) pressfeed.SourceState {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := db.State(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !st.LastSuccess.IsZero() {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was never polled: %+v", id, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
