package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/alert"
	"pressfeed/auth"
	"pressfeed/config"
	"pressfeed/index"
	"pressfeed/internal/smtptest"
)

func TestBinaryAlertsVerbs(t *testing.T) {
	dir := t.TempDir()
	settings := filepath.Join(dir, "p.toml")
	if err := os.WriteFile(settings, []byte(fmt.Sprintf("db = %q\n", filepath.Join(dir, "a.db"))), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{[]string{"alerts", "-config", settings}, 0, []string{"NAME  CADENCE"}, nil},
		{[]string{"alerts", "add", "-config", settings, "-name", "Bad Name", "-to", "nope", "-cadence", "hourly", "-filter", "since=1"}, 2, nil,
			[]string{`name: "Bad Name" is not 1-64 lower-case letters`, `to: "nope" is neither mailto:ADDRESS nor an http(s) webhook URL`, `cadence: "hourly" is not one of immediate, digest`, "filter: since is set by the cadence"}},
		{[]string{"alerts", "add", "-config", settings, "-name", "x", "-to", "mailto:a@b.example", "-cadence", "digest", "-at", "7.30"}, 2, nil, []string{`at: "7.30" is not a time such as 07:30`}},
		{[]string{"alerts", "add", "-config", settings, "-name", "hook", "-to", "http://127.0.0.1:9/hook"}, 2, nil, []string{"to: refused to fetch from 127.0.0.1", "not on the public internet"}},
		{[]string{"alerts", "add", "-config", settings, "-name", "morning", "-to", "mailto:office@pcc.example", "-cadence", "digest", "-days", "weekdays", "-filter", "kind=force"}, 0,
			[]string{"subscription morning: digest 07:30 weekdays to mailto:office@pcc.example"}, nil},
		{[]string{"alerts", "add", "-config", settings, "-name", "morning", "-to", "mailto:office@pcc.example"}, 2, nil, []string{`a subscription called "morning" exists`}},
		{[]string{"alerts", "list", "-config", settings}, 0, []string{"morning", "digest 07:30 weekdays", "kind=force"}, nil},
		{[]string{"alerts", "test", "-config", settings, "morning"}, 1, nil, []string{"smtp_host is not set"}},
		{[]string{"alerts", "test", "-config", settings, "nobody"}, 2, nil, []string{`no subscription is called "nobody"`}},
		{[]string{"alerts", "rm", "-config", settings, "morning"}, 0, []string{"deleted subscription morning"}, nil},
		{[]string{"alerts", "rm", "-config", settings, "morning"}, 2, nil, []string{`no subscription is called "morning"`}},
		{[]string{"alerts", "frobnicate"}, 2, nil, []string{`unknown verb "frobnicate"`, "test"}},
	} {
		stdout, stderr, code := runBinary(t, nil, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", tc.args, code, tc.code, stdout, stderr)
			continue
		}
		for _, w := range tc.stdout {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: stdout lacks %q:\n%s", tc.args, w, stdout)
			}
		}
		for _, w := range tc.stderr {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", tc.args, w, stderr)
			}
		}
	}
	db, err := index.Open(filepath.Join(dir, "a.db"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, _, _ := db.AuditLog(context.Background(), pressfeed.AuditQuery{})
	if len(entries) != 2 || entries[0].Action != pressfeed.ActionSubscriptionDelete || entries[0].Actor.Via != "cli" {
		t.Errorf("audit: %+v", entries)
	}
}

// hookReceiver is a webhook endpoint that checks each body's signature and
// counts every story id it is given.
type hookReceiver struct {
	*httptest.Server
	t      *testing.T
	mu     sync.Mutex
	secret string
	got    map[string]int
	posts  int
	rng    *rand.Rand
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{t: t, got: map[string]int{}, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return // the sender died mid-body: nothing arrived
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if got, want := r.Header.Get(alert.SignatureHeader), alert.Sign(h.secret, body); got != want {
			h.t.Errorf("signature %q, want %q", got, want)
		}
		var feed struct{ Items []struct{ ID string } }
		if err := json.Unmarshal(body, &feed); err != nil {
			h.t.Errorf("webhook body: %v", err)
		}
		for _, it := range feed.Items {
			h.got[it.ID]++
		}
		h.posts++
		// A slow receiver, so some kills land while a send is under way.
		time.Sleep(time.Duration(h.rng.IntN(40)) * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) counts() (map[string]int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]int, len(h.got))
	for k, v := range h.got {
		out[k] = v
	}
	return out, h.posts
}

var secretLine = regexp.MustCompile(`webhook secret \([^)]*\): (\S+)`)

// TestBinaryAlertsExactlyOnceAcrossKills subscribes a webhook to every
// story, kills the real daemon with SIGKILL at random points while it
// ingests and sends, restarts it, and checks that each story reached the
// hook at most once and that none was lost: each stored story arrived, or
// belongs to a delivery recorded as failed (one cut off mid-send).
func TestBinaryAlertsExactlyOnceAcrossKills(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	const sources, kills = 4, 8
	feeds := newCrashFeeds(t)
	hook := newHookReceiver(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "alerts.db")
	var b strings.Builder
	fmt.Fprintf(&b, "db = %q\nallow_private_networks = true\nlog_format = \"json\"\nbase_url = \"https://news.example\"\n[fetch]\nhost_spacing = \"1ms\"\n", dbPath)
	writeSources(&b, sources, feeds.URL)
	settings := filepath.Join(dir, "alerts.toml")
	if err := os.WriteFile(settings, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runBinary(t, nil, "alerts", "add", "-config", settings, "-name", "everything", "-to", hook.URL+"/in")
	if code != 0 {
		t.Fatalf("alerts add: %d\n%s", code, stderr)
	}
	m := secretLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("alerts add printed no webhook secret:\n%s", stdout)
	}
	hook.mu.Lock()
	hook.secret = m[1]
	hook.mu.Unlock()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	for run := 1; run <= kills; run++ {
		cmd, log := spawnServe(t, settings)
		killAfterPolls(t, run, cmd, log, rng.IntN(sources+1), time.Duration(rng.IntN(60))*time.Millisecond)
	}

	// A last run, ended politely once the hook has been quiet a while.
	cmd, log := spawnServe(t, settings)
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(log.String(), `"msg":"poll"`) < sources && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for last := -1; ; {
		time.Sleep(700 * time.Millisecond)
		_, posts := hook.counts()
		if posts == last || time.Now().After(deadline) {
			break
		}
		last = posts
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	db, err := index.Open(dbPath, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	deliveries, err := db.Deliveries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string]bool{}
	cut := 0
	for _, d := range deliveries {
		switch d.State {
		case pressfeed.DeliveryFailed:
			cut++
			for _, id := range d.Items {
				failed[id] = true
			}
		case pressfeed.DeliverySent:
		default:
			t.Errorf("delivery %d is %s after a polite stop: %+v", d.ID, d.State, d)
		}
	}
	if !strings.Contains(log.String(), `"msg":"alert sent"`) && len(deliveries) == 0 {
		t.Fatalf("no alert was ever made:\n%s", log.String())
	}
	got, posts := hook.counts()
	stored := 0
	q := pressfeed.Query{Limit: pressfeed.MaxLimit}.Normalize()
	for {
		page, err := db.Stories(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range page.Stories {
			stored++
			switch n := got[st.ID]; {
			case n > 1:
				t.Errorf("story %s reached the hook %d times", st.ID, n)
			case n == 0 && !failed[st.ID]:
				t.Errorf("story %s was neither delivered nor recorded as failed", st.ID)
			}
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	if stored < sources*50 {
		t.Fatalf("only %d stories stored", stored)
	}
	t.Logf("%d kills; %d stories stored, %d posts to the hook, %d deliveries of which %d cut off mid-send and recorded as failed", kills, stored, posts, len(deliveries), cut)
}

var (
	demoAdminLine  = regexp.MustCompile(`admin pages: (http://\S+)/admin, name "([^"]+)", password (\S+)`)
	demoDigestLine = regexp.MustCompile(`morning digest \(signed in; nothing is sent\): (\S+)`)
)

// TestBinaryDemoShowsTheDigest runs `pressfeed demo` and reads its morning
// digest at /admin/alerts/preview, signed in with the printed password.
func TestBinaryDemoShowsTheDigest(t *testing.T) {
	// A port of its own, not :0: the demo's links name its address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary, "demo", "-addr", addr)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGINT); cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for !demoDigestLine.MatchString(stdout.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("demo printed no digest link:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	adm := demoAdminLine.FindStringSubmatch(stdout.String())
	if adm == nil {
		t.Fatalf("no admin line:\n%s", stdout.String())
	}
	preview := demoDigestLine.FindStringSubmatch(stdout.String())[1]
	a := newAdmin(t, adm[1])
	if code := a.signIn(adm[2], adm[3]); code != http.StatusSeeOther {
		t.Fatalf("sign in with the printed password: %d", code)
	}
	for {
		resp, err := a.c.Get(preview)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
		}
		if strings.Contains(string(body), "<h2>Demo Valley Police</h2>") {
			if !strings.Contains(string(body), "http://"+addr+"/alerts/unsubscribe?name=morning-digest") {
				t.Errorf("the digest has no unsubscribe link:\n%s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the digest never showed the demo's stories:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDaemonEmailAlertAndOneClickUnsubscribe drives the daemon as a
// journalist's alert would: a subscription made through the API, a new
// story at the next poll, the email at a real SMTP server, and the
// message's List-Unsubscribe link POSTed as a mail client does (RFC 8058).
func TestDaemonEmailAlertAndOneClickUnsubscribe(t *testing.T) {
	mail := smtptest.Start(t)
	samples := newSampleServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := samples.config(t, filepath.Join(t.TempDir(), "alerts.db"))
	cfg.Listen, cfg.BaseURL = addr, "http://"+addr
	cfg.Alerts = config.Alerts{SMTPHost: "127.0.0.1", SMTPPort: mail.Port, SMTPTLS: "none", From: "North West police news <alerts@pressfeed.example>"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, cfg)
	defer d.Close(context.Background())
	waitPolled(t, d, len(demoSources))
	token, hash := auth.NewToken()
	if err := d.DB.CreateToken(context.Background(), pressfeed.APIToken{Name: "desk", Hash: hash}); err != nil {
		t.Fatal(err)
	}
	call := apiCaller(t, d.URL(), token)
	if status, body := call("POST", "/api/v1/subscriptions", `{"name":"valley","to":"mailto:desk@newsroom.example","filter":"source=demo-valley-police","cadence":"immediate"}`); status != 201 {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	// What the source published before the subscription is not sent; the
	// story it publishes next is, after the poll that finds it.
	samples.replace("/demo-valley-police.rss", "<item>", fmt.Sprintf(`<item>
   <title>Quad bikes stolen in Southport recovered</title>
   <link>/valley/news/quad-bikes-recovered</link>
   <description>&lt;p&gt;Two quad bikes were found in a barn.&lt;/p&gt;</description>
   <pubDate>%s</pubDate>
  </item>
  <item>`, time.Now().UTC().Format(http.TimeFormat)))
	if status, body := call("POST", "/api/v1/sources/demo-valley-police/poll", ""); status != 202 {
		t.Fatalf("poll: %d %s", status, body)
	}
	msgs := mail.Wait(1)
	m := msgs[0]
	if got := m.Header.Get("Subject"); got != "valley: 1 new" {
		t.Errorf("Subject %q", got)
	}
	body, _ := io.ReadAll(m.Body)
	if !strings.Contains(string(body), "Quad bikes stolen in Southport recovered") || strings.Contains(string(body), "Stolen tractor") {
		t.Errorf("the message does not carry just the new story:\n%s", body)
	}
	link := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
	if !strings.HasPrefix(link, "http://"+addr+"/alerts/unsubscribe?") || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("unsubscribe headers: %v", m.Header)
	}
	resp, err := http.Post(link, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d", resp.StatusCode)
	}
	if status, body := call("GET", "/api/v1/subscriptions", ""); status != 200 || !strings.Contains(body, `"subscriptions": []`) {
		t.Errorf("after unsubscribing: %d %s", status, body)
	}
}
