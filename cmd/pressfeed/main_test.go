package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/fetch"
	"pressfeed/internal/syncbuf"
)

// sampleServer serves the demo feeds with strong ETags and 304s, and lets a
// test replace a file's bytes.
type sampleServer struct {
	*httptest.Server
	mu          sync.Mutex
	files       map[string][]byte
	conditional atomic.Int32
	notModified atomic.Int32
}

func newSampleServer(t *testing.T) *sampleServer {
	t.Helper()
	s := &sampleServer{files: map[string][]byte{}}
	for _, ds := range demoSources {
		b, err := demoFiles.ReadFile("demo/" + ds.file)
		if err != nil {
			t.Fatal(err)
		}
		s.files["/"+ds.file] = b
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		b, ok := s.files[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(b)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		if inm := r.Header.Get("If-None-Match"); inm != "" {
			s.conditional.Add(1)
			if inm == etag {
				s.notModified.Add(1)
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.Header().Set("ETag", etag)
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sampleServer) replace(path, old, new string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = bytes.Replace(s.files[path], []byte(old), []byte(new), 1)
}

func (s *sampleServer) config(t *testing.T, dbPath string) config.Config {
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DB = dbPath
	cfg.AllowPrivateNetworks = true
	cfg.Fetch.HostSpacing = 10 * time.Millisecond // every sample is on one host
	for _, ds := range demoSources {
		src := ds.Source
		src.URL = s.URL + "/" + ds.file
		src.Type = pressfeed.TypeFeed
		src.Enabled = true
		cfg.Sources = append(cfg.Sources, src)
	}
	return cfg
}

// sampleItems is the number of distinct items across the demo feeds, and
// sampleStories the number of merged-feed entries: three of the items are
// one story (the inspection of the regional organised crime unit).
const (
	sampleItems   = 4 + 3 + 2 + 2
	sampleStories = sampleItems - 2
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func startDaemon(t *testing.T, cfg config.Config) *Daemon {
	t.Helper()
	d, err := OpenDaemon(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// waitPolled waits until every source has a successful poll on record.
func waitPolled(t *testing.T, d *Daemon, n int) {
	t.Helper()
	waitPolledAtLeast(t, d, n)
}

// waitPolledAtLeast waits until at least n sources have a success on record.
func waitPolledAtLeast(t *testing.T, d *Daemon, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		states, err := d.DB.States(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ok := 0
		for _, st := range states {
			if !st.LastSuccess.IsZero() {
				ok++
			}
		}
		if ok >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d sources polled: %+v", ok, n, states)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fetchFeed(t *testing.T, url string) *gofeed.Feed {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	feed, err := gofeed.NewParser().Parse(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return feed
}

// uniqueIDs checks that a feed has no repeated ids and returns them.
func uniqueIDs(t *testing.T, feed *gofeed.Feed) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, it := range feed.Items {
		if _, dup := ids[it.GUID]; dup {
			t.Errorf("id %s appears twice", it.GUID)
		}
		ids[it.GUID] = it.Title
	}
	return ids
}

func TestDaemonEndToEnd(t *testing.T) {
	samples := newSampleServer(t)
	cfg := samples.config(t, filepath.Join(t.TempDir(), "e2e.db"))
	d := startDaemon(t, cfg)
	waitPolled(t, d, len(demoSources))

	var atomIDs map[string]string
	for _, f := range []string{"/feed.atom", "/feed.rss", "/feed.json"} {
		feed := fetchFeed(t, d.URL()+f)
		ids := uniqueIDs(t, feed)
		if len(ids) != sampleStories {
			t.Errorf("%s: %d entries, want %d", f, len(ids), sampleStories)
		}
		if f == "/feed.atom" {
			atomIDs = ids
		} else {
			for id := range ids {
				if _, ok := atomIDs[id]; !ok {
					t.Errorf("%s has id %s that Atom does not", f, id)
				}
			}
		}
	}

	// A second poll sends validators, gets 304s and stores nothing.
	ctx := context.Background()
	sources, _ := d.DB.Sources(ctx)
	for _, src := range sources {
		if res := d.Poller.Poll(ctx, src); res.Outcome != fetch.OutcomeNotModified {
			t.Errorf("second poll of %s: %s %v", src.ID, res.Outcome, res.Err)
		}
	}
	if got := samples.notModified.Load(); got != int32(len(demoSources)) {
		t.Errorf("%d 304 answers, want %d", got, len(demoSources))
	}
	if got := len(uniqueIDs(t, fetchFeed(t, d.URL()+"/feed.atom"))); got != sampleStories {
		t.Errorf("after second poll: %d entries, want %d", got, sampleStories)
	}

	// An edited item is updated in place, not duplicated.
	samples.replace("/demo-constabulary.rss", "Man charged after armed robbery at town centre bank", "Man charged after armed robbery at High Street bank")
	src, _ := d.DB.Source(ctx, "demo-constabulary")
	if res := d.Poller.Poll(ctx, src); res.Outcome != fetch.OutcomeOK || res.New != 0 || res.Updated != 1 {
		t.Errorf("poll after edit: %+v", res)
	}
	after := uniqueIDs(t, fetchFeed(t, d.URL()+"/feed.atom"))
	if len(after) != sampleStories {
		t.Errorf("after edit: %d entries, want %d", len(after), sampleStories)
	}
	found := false
	for id, title := range after {
		if title == "Man charged after armed robbery at High Street bank" {
			found = true
			if _, ok := atomIDs[id]; !ok {
				t.Error("the edited item got a new id")
			}
		}
	}
	if !found {
		t.Error("edited title not served")
	}

	// Restarting on the same file keeps everything.
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	d2, err := OpenDaemon(cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close(context.Background())
	n, _ := d2.DB.ItemCount(ctx)
	if n != sampleItems {
		t.Errorf("after restart: %d items, want %d", n, sampleItems)
	}
	states, _ := d2.DB.States(ctx)
	if st := states["demo-constabulary"]; st.ETag == "" || st.ItemCount != 4 {
		t.Errorf("after restart, state lost: %+v", st)
	}
}

// The tests below run the real binary.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pressfeed-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "pressfeed")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBinary runs the binary with env added to this process's environment
// and returns its standard output, standard error and exit code.
func runBinary(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	return runBinaryWith(t, env, "", args...)
}

// runBinaryInput runs the binary with stdin.
func runBinaryInput(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runBinaryWith(t, nil, stdin, args...)
}

func runBinaryWith(t *testing.T, env []string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func writeSettings(t *testing.T, dir string, samples *sampleServer, extra string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "db = %q\nallow_private_networks = true\n%s\n[fetch]\nhost_spacing = \"10ms\"\n\n", filepath.Join(dir, "bin.db"), extra)
	for _, ds := range demoSources {
		fmt.Fprintf(&b, "[[source]]\nid = %q\nname = %q\nkind = %q\narea = %q\nurl = %q\n\n", ds.ID, ds.Name, ds.Kind, ds.Area, samples.URL+"/"+ds.file)
	}
	path := filepath.Join(dir, "pressfeed.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBinaryPollTwice(t *testing.T) {
	samples := newSampleServer(t)
	dir := t.TempDir()
	settings := writeSettings(t, dir, samples, "")
	out, errOut, code := runBinary(t, nil, "poll", "-config", settings)
	if code != 0 {
		t.Fatalf("poll exited %d: %s", code, errOut)
	}
	for _, ds := range demoSources {
		if !strings.Contains(out, ds.ID) {
			t.Errorf("no summary line for %s in:\n%s", ds.ID, out)
		}
	}
	if !strings.Contains(out, "4 items: 4 new") {
		t.Errorf("summary lacks counts:\n%s", out)
	}
	out, _, code = runBinary(t, nil, "poll", "-config", settings)
	if code != 0 || strings.Count(out, "not_modified") != len(demoSources) {
		t.Errorf("second poll (exit %d):\n%s", code, out)
	}
	out, _, code = runBinary(t, nil, "sources", "-config", settings)
	if code != 0 || !strings.Contains(out, "demo-rocu") || !strings.Contains(out, "Demoshire") {
		t.Errorf("sources (exit %d):\n%s", code, out)
	}
}

func TestBinaryBadSettingsExit2(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.toml")
	os.WriteFile(path, []byte("db = \""+filepath.Join(dir, "never.db")+"\"\n[[source]]\nid = \"x\"\nname = \"X\"\nkind = \"constabulary\"\nurl = \"https://x.example/\"\n"), 0o644)
	_, errOut, code := runBinary(t, nil, "poll", "-config", path)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut, path+`: source "x": kind: "constabulary" is not one of`) {
		t.Errorf("message does not name file, source and key: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "never.db")); !os.IsNotExist(err) {
		t.Error("a bad settings file still created the store")
	}
	_, errOut, code = runBinary(t, nil, "frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d %s", code, errOut)
	}
}

func TestBinaryVersionAndHelp(t *testing.T) {
	out, _, code := runBinary(t, nil, "version")
	if code != 0 || !strings.Contains(out, pressfeed.Version) {
		t.Errorf("version: %d %q", code, out)
	}
	for _, c := range commands() {
		_, errOut, code := runBinary(t, nil, c.name, "-h")
		if code != 0 || !strings.Contains(errOut, "usage: pressfeed "+c.name) {
			t.Errorf("%s -h: exit %d %q", c.name, code, errOut)
		}
	}
}

func TestBinaryStoreInUse(t *testing.T) {
	samples := newSampleServer(t)
	dir := t.TempDir()
	settings := writeSettings(t, dir, samples, "")
	cfg, err := config.Load(settings)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen = "127.0.0.1:0"
	d := startDaemon(t, cfg)
	defer d.Close(context.Background())
	_, errOut, code := runBinary(t, nil, "poll", "-config", settings)
	if code != 1 || !strings.Contains(errOut, "in use by another process") {
		t.Errorf("poll on a held store: exit %d %q", code, errOut)
	}
}

func TestBinaryServeEnvOverrides(t *testing.T) {
	dir := t.TempDir()
	// The embedded defaults would reach the internet; an empty settings file
	// with one disabled source keeps this test on loopback.
	path := filepath.Join(dir, "s.toml")
	os.WriteFile(path, []byte("[[source]]\nid = \"off\"\nname = \"Off\"\nkind = \"other\"\nurl = \"https://off.example/\"\nenabled = false\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "serve", "-config", path)
	dbPath := filepath.Join(dir, "env.db")
	cmd.Env = append(os.Environ(), "PRESSFEED_LISTEN=127.0.0.1:0", "PRESSFEED_DB="+dbPath)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "msg=serving") {
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not start: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(dbPath); err != nil {
		t.Errorf("PRESSFEED_DB not used: %v", err)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve did not exit cleanly on SIGINT: %v\n%s", err, stderr.String())
	}
}

// syncBuffer is safe for a writer goroutine or process and a reading test.
type syncBuffer = syncbuf.Buffer

// writeSources appends n hourly [[source]] tables, src-00 onwards, each
// polling base/src-NN, to b.
func writeSources(b *strings.Builder, n int, base string) {
	for i := 0; i < n; i++ {
		fmt.Fprintf(b, "[[source]]\nid = \"src-%02d\"\nname = \"Source %d\"\nkind = \"force\"\nurl = \"%s/src-%02d\"\nschedule = \"@every 1h\"\n", i, i, base, i)
	}
}

// spawnServe starts the binary's serve with the settings file on a free
// loopback port and returns it with the buffer its log goes to.
func spawnServe(t *testing.T, settings string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(binary, "serve", "-config", settings, "-addr", "127.0.0.1:0")
	var log syncBuffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &log
}

// killAfterPolls waits until the daemon cmd has logged n polls to log,
// then for pause, and kills it with SIGKILL. It kills it and fails run
// when a minute passes first.
func killAfterPolls(t *testing.T, run int, cmd *exec.Cmd, log *syncBuffer, n int, pause time.Duration) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(log.String(), `"msg":"poll"`) < n {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("run %d: only %d polls logged in a minute:\n%s", run, strings.Count(log.String(), `"msg":"poll"`), log.String())
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(pause)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

// TestBinaryPollForce: a failing source backs off, so the next poll skips
// it without a request; poll -force fetches it anyway.
func TestBinaryPollForce(t *testing.T) {
	var requests atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "down for maintenance", http.StatusBadGateway)
	}))
	defer down.Close()
	dir := t.TempDir()
	settings := filepath.Join(dir, "pressfeed.toml")
	body := fmt.Sprintf("db = %q\nallow_private_networks = true\n\n[[source]]\nid = \"down\"\nname = \"Down\"\nkind = \"force\"\nurl = %q\n",
		filepath.Join(dir, "bin.db"), down.URL+"/feed")
	if err := os.WriteFile(settings, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args     []string
		outcome  string
		requests int32
	}{
		{nil, "error", 1},
		{nil, "skipped", 1},
		{[]string{"-force"}, "error", 2},
	} {
		out, errOut, code := runBinary(t, nil, append([]string{"poll", "-config", settings}, tc.args...)...)
		if code != 0 {
			t.Fatalf("poll %v exited %d: %s", tc.args, code, errOut)
		}
		if !strings.Contains(out, "down") || !strings.Contains(out, tc.outcome) || requests.Load() != tc.requests {
			t.Errorf("poll %v: %d requests so far, want %d; want outcome %s in:\n%s", tc.args, requests.Load(), tc.requests, tc.outcome, out)
		}
	}
}
