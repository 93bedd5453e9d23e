package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/index"
	"pressfeed/syndicate"
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

// readersDir holds the npm reader's package.json; `npm ci` there installs it.
var readersDir = filepath.Join("..", "..", "test", "readers")

func haveFeedExtractor() bool {
	if _, err := exec.LookPath("node"); err != nil {
		return false
	}
	_, err := os.Stat(filepath.Join(readersDir, "node_modules", "@extractus", "feed-extractor", "package.json"))
	return err == nil
}

func haveNewsboat() bool {
	_, err1 := exec.LookPath("newsboat")
	_, err2 := exec.LookPath("sqlite3")
	return err1 == nil && err2 == nil
}

// fixture is the store content the readers test serves: sources and the
// items each published, as stored (summaries already sanitized).
type fixture struct {
	Sources []pressfeed.Source          `json:"sources"`
	Items   map[string][]pressfeed.Item `json:"items"`
}

// wantEntry is what every reader should report for one stored item.
type wantEntry struct {
	ID, Title, Link, Author, SourceID string
	Published                         time.Time
}

// startFixtureDaemon stores the fixture items in a fresh store, starts the
// daemon on it (every source disabled, so nothing is polled) and returns
// the entries a reader should see, newest first.
func startFixtureDaemon(t *testing.T) (*Daemon, []wantEntry) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "readers-fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "readers.db")
	seen := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db, err := index.Open(path, index.Options{Now: func() time.Time { return seen }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.SeedSources(ctx, fx.Sources); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, s := range fx.Sources {
		names[s.ID] = s.Name
	}
	var want []wantEntry
	for id, items := range fx.Items {
		if _, err := db.Ingest(ctx, id, items, pressfeed.SourceState{}); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			want = append(want, wantEntry{
				ID:        syndicate.EntryID(pressfeed.ItemKey(id, it.GUID)),
				Title:     it.Title,
				Link:      it.Link,
				Author:    names[id],
				SourceID:  id,
				Published: it.Published,
			})
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	sort.Slice(want, func(i, j int) bool { return want[i].Published.After(want[j].Published) })

	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DB = path
	d := startDaemon(t, cfg)
	t.Cleanup(func() { d.Close(context.Background()) })
	return d, want
}

func ids(entries []wantEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.ID
	}
	return out
}

// TestReadersParseMergedFeeds has three readers nobody on the project wrote
// read every format the daemon serves, from a store of fixture items, and
// checks ids, titles, links, dates and publishers against the store.
func TestReadersParseMergedFeeds(t *testing.T) {
	d, want := startFixtureDaemon(t)
	t.Run("feedparser", func(t *testing.T) {
		requireClient(t, "python3-feedparser", "apt-get install python3-feedparser", haveFeedparser())
		testFeedparser(t, d, want)
	})
	t.Run("newsboat", func(t *testing.T) {
		requireClient(t, "newsboat and sqlite3", "apt-get install newsboat sqlite3", haveNewsboat())
		testNewsboat(t, d, want)
	})
	t.Run("feed-extractor", func(t *testing.T) {
		requireClient(t, "node and @extractus/feed-extractor", "apt-get install nodejs npm && (cd test/readers && npm ci)", haveFeedExtractor())
		testFeedExtractor(t, d, want)
	})
}

// feedparserScript prints what feedparser understood of a feed as JSON.
const feedparserScript = `
import sys, json, calendar, feedparser
d = feedparser.parse(sys.argv[1])
out = {
    "bozo": bool(d.bozo),
    "bozo_exception": str(d.get("bozo_exception", "")),
    "version": d.version,
    "title": d.feed.get("title", ""),
    "links": [{"rel": l.get("rel", ""), "href": l.get("href", "")} for l in d.feed.get("links", [])],
    "entries": [{
        "id": e.get("id", ""),
        "title": e.get("title", ""),
        "link": e.get("link", ""),
        "published": calendar.timegm(e.published_parsed) if e.get("published_parsed") else 0,
        "authors": [a.get("name", "") for a in e.get("authors", [])],
        "tags": [t.get("term", "") for t in e.get("tags", [])],
    } for e in d.entries],
}
print(json.dumps(out))
`

type fpFeed struct {
	Bozo          bool   `json:"bozo"`
	BozoException string `json:"bozo_exception"`
	Version       string `json:"version"`
	Title         string `json:"title"`
	Links         []struct {
		Rel, Href string
	} `json:"links"`
	Entries []struct {
		ID        string   `json:"id"`
		Title     string   `json:"title"`
		Link      string   `json:"link"`
		Published int64    `json:"published"`
		Authors   []string `json:"authors"`
		Tags      []string `json:"tags"`
	} `json:"entries"`
}

func (f fpFeed) link(rel string) string {
	for _, l := range f.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func feedparse(t *testing.T, url string) fpFeed {
	t.Helper()
	out, err := exec.Command(systemPython, "-c", feedparserScript, url).Output()
	if err != nil {
		t.Fatalf("feedparser on %s: %v", url, err)
	}
	var f fpFeed
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatalf("feedparser output: %v\n%s", err, out)
	}
	if f.Bozo {
		t.Errorf("feedparser finds %s ill-formed (bozo): %s", url, f.BozoException)
	}
	return f
}

func testFeedparser(t *testing.T, d *Daemon, want []wantEntry) {
	for _, format := range []struct{ path, version string }{{"/feed.atom", "atom10"}, {"/feed.rss", "rss20"}} {
		t.Run(format.path, func(t *testing.T) {
			url := d.URL() + format.path
			f := feedparse(t, url)
			if f.Version != format.version {
				t.Errorf("version %q, want %q", f.Version, format.version)
			}
			if got := f.link("self"); got != url {
				t.Errorf("self link %q, want %q", got, url)
			}
			if len(f.Entries) != len(want) {
				t.Fatalf("%d entries, want %d", len(f.Entries), len(want))
			}
			for i, e := range f.Entries {
				w := want[i]
				wantLink := w.Link
				if wantLink == "" && format.path == "/feed.atom" {
					wantLink = w.ID // feedparser offers an Atom entry's id when it has no link
				}
				if e.ID != w.ID || e.Title != w.Title || e.Link != wantLink {
					t.Errorf("entry %d: id %q title %q link %q\nwant id %q title %q link %q", i, e.ID, e.Title, e.Link, w.ID, w.Title, wantLink)
				}
				if e.Published != w.Published.Unix() {
					t.Errorf("entry %d (%s): published %v, want %v", i, w.Title, time.Unix(e.Published, 0).UTC(), w.Published)
				}
				if len(e.Authors) != 1 || e.Authors[0] != w.Author {
					t.Errorf("entry %d (%s): authors %q, want [%q]", i, w.Title, e.Authors, w.Author)
				}
				if !contains(e.Tags, w.SourceID) {
					t.Errorf("entry %d (%s): tags %q lack the source id %q", i, w.Title, e.Tags, w.SourceID)
				}
			}

			// A filtered, paged view: its own title and self link, and RFC
			// 5005 next links that lead through every matching item once.
			var forces []string
			for _, w := range want {
				if strings.HasPrefix(w.SourceID, "fixture-force") || w.SourceID == "fixture-ynys" {
					forces = append(forces, w.ID)
				}
			}
			var got []string
			next := d.URL() + format.path + "?kind=force&limit=3"
			for pages := 0; next != ""; pages++ {
				if pages > len(forces) {
					t.Fatal("next links do not end")
				}
				f := feedparse(t, next)
				if f.Title != "North West police news — police forces" {
					t.Errorf("filtered title %q", f.Title)
				}
				if got := f.link("self"); got != next {
					t.Errorf("self link %q, want %q", got, next)
				}
				for _, e := range f.Entries {
					got = append(got, e.ID)
				}
				next = f.link("next")
			}
			if strings.Join(got, " ") != strings.Join(forces, " ") {
				t.Errorf("paging gave %d entries %q, want %d %q", len(got), got, len(forces), forces)
			}
		})
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// testNewsboat runs newsboat headless: it reloads each format into a
// scratch cache of its own (newsboat keys items by guid across feeds, and
// our ids are the same in every format), and the cache's rss_item table
// says what it stored. It exits 0 even when a feed fails, so its log is
// read for USERERROR.
func testNewsboat(t *testing.T, d *Daemon, want []wantEntry) {
	wantIDs := ids(want)
	sort.Strings(wantIDs)
	for _, path := range []string{"/feed.atom", "/feed.rss"} {
		t.Run(path, func(t *testing.T) {
			dir := t.TempDir()
			url := d.URL() + path
			cfgFile, urlsFile := filepath.Join(dir, "config"), filepath.Join(dir, "urls")
			if err := os.WriteFile(cfgFile, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(urlsFile, []byte(url+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cache, logFile := filepath.Join(dir, "cache.db"), filepath.Join(dir, "newsboat.log")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "newsboat", "-q", "-C", cfgFile, "-u", urlsFile, "-c", cache, "-x", "reload", "-l", "4", "-d", logFile)
			cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("newsboat: %v\n%s", err, out)
			}
			logText, err := os.ReadFile(logFile)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(logText), "USERERROR") {
				t.Fatalf("newsboat reported an error:\n%s", userErrors(string(logText)))
			}
			out, err := exec.Command("sqlite3", cache, fmt.Sprintf("SELECT guid FROM rss_item WHERE feedurl = '%s';", url)).Output()
			if err != nil {
				t.Fatalf("sqlite3: %v", err)
			}
			got := strings.Fields(string(out))
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(wantIDs, " ") {
				t.Errorf("newsboat stored %d items, want %d:\n got %q\nwant %q", len(got), len(wantIDs), got, wantIDs)
			}
			title, _ := exec.Command("sqlite3", cache, fmt.Sprintf("SELECT title FROM rss_feed WHERE rssurl = '%s';", url)).Output()
			if got := strings.TrimSpace(string(title)); got != "North West police news" {
				t.Errorf("newsboat's feed title %q", got)
			}
		})
	}
}

func userErrors(log string) string {
	var lines []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "USERERROR") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

type extracted struct {
	Title   string `json:"title"`
	Link    string `json:"link"`
	Entries []struct {
		ID        string `json:"id"`
		Title     string `json:"title"`
		Link      string `json:"link"`
		Published string `json:"published"`
	} `json:"entries"`
}

func testFeedExtractor(t *testing.T, d *Daemon, want []wantEntry) {
	for _, path := range []string{"/feed.atom", "/feed.rss", "/feed.json"} {
		t.Run(path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", "extract.mjs", d.URL()+path)
			cmd.Dir = readersDir
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("feed-extractor: %v\n%s", err, stderr.String())
			}
			var f extracted
			if err := json.Unmarshal(out, &f); err != nil {
				t.Fatalf("feed-extractor output: %v\n%s", err, out)
			}
			// The site link is the first link it finds: alternate must
			// come before self.
			if f.Title != "North West police news" || f.Link != d.URL()+"/" {
				t.Errorf("feed title %q link %q, want %q and %q", f.Title, f.Link, "North West police news", d.URL()+"/")
			}
			if len(f.Entries) != len(want) {
				t.Fatalf("%d entries, want %d", len(f.Entries), len(want))
			}
			for i, e := range f.Entries {
				w := want[i]
				if e.ID != w.ID || e.Title != w.Title || e.Link != w.Link {
					t.Errorf("entry %d: id %q title %q link %q\nwant id %q title %q link %q", i, e.ID, e.Title, e.Link, w.ID, w.Title, w.Link)
				}
				if p, err := time.Parse(time.RFC3339, e.Published); err != nil || !p.Equal(w.Published) {
					t.Errorf("entry %d (%s): published %q, want %v", i, w.Title, e.Published, w.Published)
				}
			}
		})
	}
}
