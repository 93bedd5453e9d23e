package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// requireClient skips the test when a third-party reader is missing, or
// fails it when PRESSFEED_REQUIRE_CLIENTS=1 (as in CI) so a missing install
// step cannot pass unnoticed.
func requireClient(t *testing.T, what, install string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("PRESSFEED_REQUIRE_CLIENTS") == "1" {
		t.Fatalf("%s is missing and PRESSFEED_REQUIRE_CLIENTS=1; install it: %s", what, install)
	}
	t.Skipf("%s is missing; install it to run this test: %s", what, install)
}

// systemPython is Debian's python3, which sees Debian's python3-feedparser
// (a pyenv python3 earlier on PATH does not).
const systemPython = "/usr/bin/python3"

func haveFeedparser() bool {
	return exec.Command(systemPython, "-c", "import feedparser").Run() == nil
}

// TestFeedparserReadsMergedFeeds has Python's feedparser, a reader nobody on
// the project wrote, read the merged Atom and RSS without complaint.
func TestFeedparserReadsMergedFeeds(t *testing.T) {
	requireClient(t, "python3-feedparser", "apt-get install python3-feedparser", haveFeedparser())
	samples := newSampleServer(t)
	d := startDaemon(t, samples.config(t, filepath.Join(t.TempDir(), "fp.db")))
	defer d.Close(context.Background())
	waitPolled(t, d, len(demoSources))
	const script = `
import sys, feedparser
d = feedparser.parse(sys.argv[1])
if d.bozo:
    print("bozo", d.bozo_exception); sys.exit(1)
ids = [e.id for e in d.entries]
assert len(ids) == len(set(ids)), "duplicate ids"
for e in d.entries:
    assert e.id.startswith("urn:uuid:"), e.id
    assert e.get("published_parsed"), "no date on " + e.id
    assert e.get("author"), "no author on " + e.id
    assert e.link.startswith("http"), e.link
print(len(d.entries))
`
	for _, f := range []string{"/feed.atom", "/feed.rss"} {
		out, err := exec.Command(systemPython, "-c", script, d.URL()+f).CombinedOutput()
		if err != nil {
			t.Fatalf("feedparser on %s: %v\n%s", f, err, out)
		}
		n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		if n != sampleStories {
			t.Errorf("feedparser read %d entries from %s, want %d", n, f, sampleStories)
		}
	}
}
