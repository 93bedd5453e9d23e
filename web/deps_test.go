package web_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestWebLinksNeitherFetcherNorScheduler: the web package reads and changes
// sources through the store, which validates them, so it does not link the
// fetcher, the scheduler or the settings package (nor gofeed and cron
// through them). Test files may; the package may not.
func TestWebLinksNeitherFetcherNorScheduler(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to list dependencies with")
	}
	out, err := exec.Command(goTool, "list", "-deps", "pressfeed/web").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch dep {
		case "pressfeed/fetch", "pressfeed/schedule", "pressfeed/config", "github.com/mmcdole/gofeed", "github.com/robfig/cron/v3":
			t.Errorf("web depends on %s", dep)
		}
	}
}
