package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

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
