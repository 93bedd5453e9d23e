package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"pressfeed/index"
)

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDaemonMetricsReadinessAndSecrets(t *testing.T) {
	samples := newSampleServer(t)
	cfg := samples.config(t, filepath.Join(t.TempDir(), "m.db"))
	d := startDaemon(t, cfg)
	defer d.Close(context.Background())
	waitPolled(t, d, len(demoSources))
	httpGet(t, d.URL()+"/feed.atom")
	httpGet(t, d.URL()+"/feed.atom?kind=nope")

	code, body := httpGet(t, d.URL()+"/metrics")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, want := range []string{
		`pressfeed_polls_total{outcome="ok",source="demo-constabulary"} 1`,
		`pressfeed_items_new_total{source="demo-constabulary"} 4`,
		`pressfeed_fetched_bytes_total{source="demo-rocu"} `,
		`pressfeed_poll_duration_seconds_count{outcome="ok"} 4`,
		`pressfeed_http_requests_total{code="200",route="GET /feed.atom"} 1`,
		`pressfeed_http_requests_total{code="400",route="GET /feed.atom"} 1`,
		`pressfeed_store_items 11`,
		`pressfeed_store_stories `,
		`pressfeed_store_size_bytes `,
		`pressfeed_store_up 1`,
		`pressfeed_source_consecutive_failures{source="demo-valley-police"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Nothing secret or private: not the admin token, not a source URL, not
	// the store's path.
	for _, secret := range []string{d.ops.token, samples.URL, cfg.DB} {
		if strings.Contains(body, secret) {
			t.Errorf("metrics expose %q", secret)
		}
	}

	if code, body := httpGet(t, d.URL()+"/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("readyz: %d %q", code, body)
	}
	d.Scheduler.Stop(context.Background())
	if code, body := httpGet(t, d.URL()+"/readyz"); code != 503 || !strings.Contains(body, "scheduler is not running") {
		t.Errorf("readyz with the scheduler stopped: %d %q", code, body)
	}
}

func TestDaemonRetentionWithAFakeClock(t *testing.T) {
	ctx := context.Background()
	samples := newSampleServer(t)
	cfg := samples.config(t, filepath.Join(t.TempDir(), "r.db"))
	d := startDaemon(t, cfg)
	defer d.Close(context.Background())
	waitPolled(t, d, len(demoSources))

	// 729 days on, nothing is old enough.
	d.Now = func() time.Time { return time.Now().Add(729 * 24 * time.Hour) }
	d.runRetention(ctx)
	if n, _ := d.DB.ItemCount(ctx); n != sampleItems {
		t.Fatalf("after 729 days: %d items, want %d", n, sampleItems)
	}
	// Retention 0 keeps for ever, however late it is.
	d.Now = func() time.Time { return time.Now().Add(10 * 365 * 24 * time.Hour) }
	cfg0 := d.Config
	cfg0.Retention = 0
	d.Reload(cfg0)
	d.runRetention(ctx)
	if n, _ := d.DB.ItemCount(ctx); n != sampleItems {
		t.Fatalf("retention 0: %d items, want %d", n, sampleItems)
	}
	// 731 days on, with the default retention, everything goes.
	d.Reload(cfg)
	d.Now = func() time.Time { return time.Now().Add(731 * 24 * time.Hour) }
	d.runRetention(ctx)
	if n, _ := d.DB.ItemCount(ctx); n != 0 {
		t.Fatalf("after 731 days: %d items, want 0", n)
	}
	if _, body := httpGet(t, d.URL()+"/metrics"); !strings.Contains(body, "pressfeed_retention_pruned_total 11") ||
		!strings.Contains(body, "pressfeed_store_tombstones 11") {
		t.Error("metrics do not count the pruned items and their tombstones")
	}

	// The sources change (so they answer 200, not 304) but still list the
	// old items: those stay gone.
	samples.replace("/demo-constabulary.rss", "Man charged after armed robbery at town centre bank", "Man charged after armed robbery at the bank")
	src, _ := d.DB.Source(ctx, "demo-constabulary")
	res := d.Poller.Poll(ctx, src)
	if res.Outcome != "ok" || res.New != 0 {
		t.Errorf("re-listing pruned items: %+v, want ok with nothing new", res)
	}
	if feed := fetchFeed(t, d.URL()+"/feed.atom"); len(feed.Items) != 0 {
		t.Errorf("feed after retention has %d entries", len(feed.Items))
	}
}

func TestDaemonCloseCancelsHangingPollsAtTheDeadline(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	samples := newSampleServer(t)
	cfg := samples.config(t, filepath.Join(t.TempDir(), "c.db"))
	cfg.Sources[0].URL = slow.URL + "/feed"
	d := startDaemon(t, cfg)
	waitPolledAtLeast(t, d, len(demoSources)-1)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Close(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("close: %v", err)
		}
	case <-time.After(30 * time.Second): // a hang detector, not a timing check
		t.Fatal("Close did not cancel the hanging poll at its deadline")
	}
	// The store was closed: another process can open it now.
	db, err := index.Open(cfg.DB, index.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("store still held after Close: %v", err)
	}
	db.Close()
}

// served is a `pressfeed serve` process started by a test.
type served struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	url    string
	db     string
}

// startServe runs the real binary's serve with settings and waits until it
// listens and has written its control file.
func startServe(t *testing.T, settings, db string) *served {
	t.Helper()
	cmd, log := spawnServe(t, settings)
	s := &served{cmd: cmd, stderr: log, db: db}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := readControl(controlPath(db)); err == nil && c.PID == cmd.Process.Pid {
			s.url = c.URL
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not start:\n%s", s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitLog waits until the daemon's log contains want n times.
func (s *served) waitLog(t *testing.T, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(s.stderr.String(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("log never had %d × %q:\n%s", n, want, s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *served) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("serve did not exit cleanly: %v\n%s", err, s.stderr.String())
	}
}

func TestBinaryBackupCompactRestore(t *testing.T) {
	ctx := context.Background()
	samples := newSampleServer(t)
	dir := t.TempDir()
	settings := writeSettings(t, dir, samples, "")
	db := filepath.Join(dir, "bin.db")
	s := startServe(t, settings, db)
	s.waitLog(t, "msg=poll ", len(demoSources))

	fi, err := os.Stat(controlPath(db))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("control file: %v, mode %v; want owner-only", err, fi.Mode())
	}

	// Online backup, through the running daemon.
	online := filepath.Join(dir, "online.db")
	out, errOut, code := runBinary(t, nil, "backup", "-config", settings, online)
	if code != 0 || !strings.Contains(out, "from the running daemon") || !strings.Contains(out, "verified") {
		t.Fatalf("online backup: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, code := runBinary(t, nil, "verify", online); code != 0 || !strings.Contains(out, "is sound") {
		t.Errorf("verify online backup: exit %d %s", code, out)
	}
	b, err := index.Open(online, index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := b.ItemCount(ctx); n != sampleItems {
		t.Errorf("online backup holds %d items, want %d", n, sampleItems)
	}
	b.Close()

	// The daemon's token is needed: without it /admin/backup refuses.
	if code, _ := httpGet(t, s.url+"/admin/backup"); code != 401 {
		t.Errorf("/admin/backup without the token: %d, want 401", code)
	}

	// Offline operations refuse, and say why, while the daemon runs.
	for _, args := range [][]string{
		{"compact", "-config", settings},
		{"restore", "-config", settings, online},
		{"verify", "-config", settings},
	} {
		_, errOut, code := runBinary(t, nil, args...)
		if code != 1 || !strings.Contains(errOut, "held by a running pressfeed daemon") || !strings.Contains(errOut, "stop the daemon") {
			t.Errorf("%s while serving: exit %d %q", args[0], code, errOut)
		}
	}

	s.stop(t)
	if _, err := os.Stat(controlPath(db)); !os.IsNotExist(err) {
		t.Error("the control file outlived the daemon")
	}

	// Offline: backup reads the file itself; compact and restore work.
	offline := filepath.Join(dir, "offline.db")
	if out, errOut, code := runBinary(t, nil, "backup", "-config", settings, offline); code != 0 || !strings.Contains(out, "directly") {
		t.Errorf("offline backup: exit %d %s%s", code, out, errOut)
	}
	if out, errOut, code := runBinary(t, nil, "compact", "-config", settings); code != 0 || !strings.Contains(out, "compacted") {
		t.Errorf("compact: exit %d %s%s", code, out, errOut)
	}
	// Lose the store's items, then restore the online backup.
	store, err := index.Open(db, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := store.Prune(ctx, time.Now().Add(time.Hour)); err != nil || n != sampleItems {
		t.Fatalf("prune: %d %v", n, err)
	}
	store.Close()
	if out, errOut, code := runBinary(t, nil, "restore", "-config", settings, online); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: exit %d %s%s", code, out, errOut)
	}
	store, err = index.Open(db, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if n, _ := store.ItemCount(ctx); n != sampleItems {
		t.Errorf("restored store holds %d items, want %d", n, sampleItems)
	}

	// Bad input: a missing backup, a backup that is not a store, no file.
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("not a store ", 1000)), 0o600)
	for _, args := range [][]string{
		{"restore", "-config", settings, filepath.Join(dir, "missing.db")},
		{"restore", "-config", settings, junk},
		{"verify", junk},
	} {
		if _, errOut, code := runBinary(t, nil, args...); code != 1 || errOut == "" {
			t.Errorf("%v: exit %d %q, want 1 with a reason", args, code, errOut)
		}
	}
	if _, errOut, code := runBinary(t, nil, "backup", "-config", settings); code != 2 || !strings.Contains(errOut, "want one argument") {
		t.Errorf("backup without a file: exit %d %q", code, errOut)
	}
}

func TestBinarySIGHUPReloads(t *testing.T) {
	samples := newSampleServer(t)
	dir := t.TempDir()
	settings := writeSettings(t, dir, samples, "")
	good, _ := os.ReadFile(settings)
	db := filepath.Join(dir, "bin.db")
	s := startServe(t, settings, db)
	s.waitLog(t, "msg=poll ", len(demoSources))

	// A broken file: the daemon says why and carries on as it was.
	os.WriteFile(settings, []byte("log_level = \"loud\"\nconcurrency = 0\n"), 0o644)
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitLog(t, "settings not reloaded, keeping the running settings", 1)
	log := s.stderr.String()
	if !strings.Contains(log, `log_level: \"loud\" is not one of`) || !strings.Contains(log, "concurrency: 0 is not between 1 and 64") {
		t.Errorf("the log does not say what is wrong:\n%s", log)
	}
	if code, _ := httpGet(t, s.url+"/readyz"); code != 200 {
		t.Errorf("after a bad reload, readyz %d", code)
	}

	// A good file: live keys apply, the others wait for a restart.
	changed := strings.Replace(string(good), "allow_private_networks = true\n", "allow_private_networks = true\nlog_level = \"debug\"\nretention = 90\nconcurrency = 8\n", 1)
	os.WriteFile(settings, []byte(changed), 0o644)
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitLog(t, "msg=\"settings reloaded\"", 1)
	s.waitLog(t, "take effect only after a restart", 1)
	log = s.stderr.String()
	if !strings.Contains(log, "applied=\"[log_level retention]\"") || !strings.Contains(log, "keys=[concurrency]") {
		t.Errorf("reload did not report applied and restart keys:\n%s", log)
	}
	s.stop(t)
}

// TestBinarySIGTERMMidPollLeavesSourcesAlone stops `pressfeed serve` the way
// systemd does while its polls are at a slow host — one being answered,
// the others waiting for their turn — and checks that those polls are
// called off, not recorded as the sources' failures: the next `pressfeed
// poll` fetches every source instead of skipping them as backing off.
func TestBinarySIGTERMMidPollLeavesSourcesAlone(t *testing.T) {
	var answering atomic.Bool
	arrived := make(chan struct{}, 16)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !answering.Load() {
			arrived <- struct{}{}
			<-r.Context().Done() // a host that is slow today
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%[1]s</title><link>https://force.example/</link><description>d</description>
<item><title>Appeal from %[1]s</title><guid>%[1]s-1</guid><link>https://force.example%[1]s/1</link></item></channel></rss>`, r.URL.Path)
	}))
	defer slow.Close()

	dir := t.TempDir()
	db := filepath.Join(dir, "stop.db")
	var b strings.Builder
	fmt.Fprintf(&b, "db = %q\nallow_private_networks = true\nshutdown_grace = \"1s\"\n\n[fetch]\nhost_spacing = \"10ms\"\n\n", db)
	ids := []string{"slow-a", "slow-b", "slow-c", "slow-d"}
	for _, id := range ids {
		fmt.Fprintf(&b, "[[source]]\nid = %q\nname = %q\nkind = \"force\"\nurl = %q\n\n", id, id, slow.URL+"/"+id)
	}
	settings := filepath.Join(dir, "pressfeed.toml")
	if err := os.WriteFile(settings, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	s := startServe(t, settings, db)
	<-arrived // one poll is at the host; the rest wait for its turn
	s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("serve did not exit cleanly on SIGTERM: %v\n%s", err, s.stderr.String())
	}
	log := s.stderr.String()
	if n := strings.Count(log, `msg="poll cancelled"`); n != len(ids) {
		t.Errorf("%d polls logged as cancelled, want %d:\n%s", n, len(ids), log)
	}
	if !strings.Contains(log, "shutdown deadline reached") {
		t.Errorf("the polls were not given shutdown_grace to finish:\n%s", log)
	}
	if strings.Contains(log, "poll failed") {
		t.Errorf("a poll called off by the shutdown was logged as the source's failure:\n%s", log)
	}

	answering.Store(true)
	out, errOut, code := runBinary(t, nil, "poll", "-config", settings)
	if code != 0 {
		t.Fatalf("poll: exit %d\n%s%s", code, out, errOut)
	}
	for _, id := range ids {
		if !strings.Contains(out, id+strings.Repeat(" ", 28-len(id))+" ok ") {
			t.Errorf("%s was not polled after the restart:\n%s", id, out)
		}
	}
}

func TestReloadAppliesLiveKeysOnly(t *testing.T) {
	samples := newSampleServer(t)
	cfg := samples.config(t, filepath.Join(t.TempDir(), "h.db"))
	d, err := OpenDaemon(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	d.LogLevel = new(slog.LevelVar)
	next := cfg
	next.LogLevel, next.Retention, next.UserAgent = "debug", 30, "other/1.0"
	applied, restart := d.Reload(next)
	if fmt.Sprint(applied) != "[log_level retention]" || fmt.Sprint(restart) != "[user_agent]" {
		t.Errorf("applied %v, restart %v", applied, restart)
	}
	if d.LogLevel.Level() != slog.LevelDebug {
		t.Errorf("level %v, want debug", d.LogLevel.Level())
	}
	if got := time.Duration(d.ops.retention.Load()); got != 30*24*time.Hour {
		t.Errorf("retention %v, want 30 days", got)
	}
	// Reloading the same settings again applies nothing new; the key that
	// needs a restart still does.
	if applied, restart := d.Reload(next); len(applied) != 0 || fmt.Sprint(restart) != "[user_agent]" {
		t.Errorf("second reload: applied %v, restart %v", applied, restart)
	}
}
