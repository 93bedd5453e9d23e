package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"pressfeed"
	"pressfeed/config"
)

// commissionerNews is a PCC office's news listing: cards with a title link,
// a date in words and a teaser, one of them a test item.
const commissionerNews = `<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>News | Office of the Police and Crime Commissioner</title></head>
<body><main><h1>Latest news</h1>
<div class="news-list">
 <article class="news-item"><h2><a href="/news/extra-neighbourhood-patrols/">Extra neighbourhood patrols funded across the county</a></h2>
  <p class="date">Friday, October 24, 2025</p><p class="teaser">The Commissioner has funded extra patrols in town centres &amp; on public transport.</p></article>
 <article class="news-item"><h2><a href="/news/victims-panel/">Victims&#8217; panel meets for the first time</a></h2>
  <p class="date">Monday, October 27, 2025</p><p class="teaser">A panel of people affected by crime will advise the Commissioner.</p></article>
 <article class="news-item"><h2><a href="/news/test-appeal/">Test Appeal</a></h2>
  <p class="date">Tuesday, October 28, 2025</p><p class="teaser">Please ignore.</p></article>
</div></main></body></html>`

// pccSite serves the listing and a robots.txt that keeps robots out of
// /drafts/, counting listing requests.
func pccSite(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var listing atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /drafts/\n")
		case "/news/", "/drafts/news/":
			listing.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, commissionerNews)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &listing
}

// checkSettings writes a settings file whose store is dir/check.db and whose
// one source is the PCC listing.
func checkSettings(t *testing.T, dir, listingURL string) string {
	t.Helper()
	path := filepath.Join(dir, "pressfeed.toml")
	body := fmt.Sprintf(`db = %q
allow_private_networks = true

[[source]]
id = "county-pcc"
name = "County Police and Crime Commissioner"
kind = "pcc"
url = %q
type = "html"
enabled = false

[source.html]
item = "article.news-item"
title = "h2"
date = ".date"
date_layout = "Monday, January 2, 2006"
summary = ".teaser"

[[source.exclude]]
keyword = "test appeal"
`, filepath.Join(dir, "check.db"), listingURL)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBinaryCheckURLWithFlags(t *testing.T) {
	srv, _ := pccSite(t)
	dir := t.TempDir()
	settings := filepath.Join(dir, "s.toml")
	os.WriteFile(settings, []byte(fmt.Sprintf("db = %q\nallow_private_networks = true\n", filepath.Join(dir, "never.db"))), 0o644)
	out, errOut, code := runBinary(t, nil, "check", srv.URL+"/news/", "-config", settings,
		"-item", "article.news-item", "-title", "h2", "-date", ".date", "-date-layout", "Monday, January 2, 2006",
		"-summary", ".teaser", "-exclude", "Test Appeal")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	for _, want := range []string{
		"source check (html) from the command line",
		"HTTP 200, 3 items found",
		"Extra neighbourhood patrols funded across the county",
		"link:    " + srv.URL + "/news/extra-neighbourhood-patrols/",
		"date:    Fri 24 Oct 2025 00:00 BST",
		"date:    Mon 27 Oct 2025 00:00 GMT",
		"summary: The Commissioner has funded extra patrols in town centres & on public transport.",
		"Victims’ panel meets for the first time",
		`Test Appeal: excluded by keyword "Test Appeal"`,
		"a poll would store 2 items (1 dropped by rules); nothing was stored",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "never.db")); !os.IsNotExist(err) {
		t.Error("check created the store")
	}
}

func TestBinaryCheckSourceIDWhileADaemonHoldsTheStore(t *testing.T) {
	srv, _ := pccSite(t)
	dir := t.TempDir()
	settings := checkSettings(t, dir, srv.URL+"/news/")

	// With no store yet, the settings file is the list.
	out, errOut, code := runBinary(t, nil, "check", "county-pcc", "-config", settings)
	if code != 0 || !strings.Contains(out, "source county-pcc (html, disabled) from the settings file "+settings) {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "check.db")); !os.IsNotExist(err) {
		t.Error("check created the store")
	}

	// A daemon seeds the store and holds it: check still works, from the
	// settings, and says why.
	cfg, err := config.Load(settings)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen = "127.0.0.1:0"
	d := startDaemon(t, cfg)
	out, errOut, code = runBinary(t, nil, "check", "county-pcc", "-config", settings)
	if code != 0 || !strings.Contains(out, "in use by another process") || !strings.Contains(out, "a poll would store 2 items (1 dropped by rules)") {
		t.Errorf("check while the daemon runs: exit %d: %s\n%s", code, errOut, out)
	}
	d.Close(context.Background())

	// With the daemon gone the store is read, and flags override the stored
	// definition for this run only.
	out, errOut, code = runBinary(t, nil, "check", "-json", "-config", settings, "county-pcc", "-exclude", "patrols")
	if code != 0 {
		t.Fatalf("check from the store: exit %d: %s\n%s", code, errOut, out)
	}
	var rep struct {
		Origin string           `json:"origin"`
		Source pressfeed.Source `json:"source"`
		Items  []pressfeed.Item `json:"items"`
		Found  int              `json:"found"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("-json output: %v\n%s", err, out)
	}
	if !strings.HasPrefix(rep.Origin, "the store ") || rep.Found != 3 || len(rep.Items) != 1 || len(rep.Source.Exclude) != 2 {
		t.Errorf("report from the store: %+v", rep)
	}
}

func TestBinaryCheckWarnsAndFails(t *testing.T) {
	srv, listing := pccSite(t)
	dir := t.TempDir()
	settings := checkSettings(t, dir, srv.URL+"/news/")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		{"robots.txt disallows", []string{"check", srv.URL + "/drafts/news/", "-item", "article"}, 1,
			[]string{"warnings:", "! " + srv.URL + `/robots.txt disallows /drafts/news/ for "pressfeed"`, "a poll would fail and store nothing"},
			[]string{"a poll of check would fail"}},
		{"item selector matches nothing", []string{"check", "county-pcc", "-item", "div.card"}, 1,
			[]string{`! item selector matched 0 elements: "div.card"`}, nil},
		{"no dates found", []string{"check", "county-pcc", "-date", ".missing"}, 0,
			[]string{"! no dates found", "no date: the time it is first seen will be used"}, nil},
		{"bad selector names the source and key", []string{"check", "county-pcc", "-title", "h2 >"}, 2,
			nil, []string{`source "county-pcc" (from the settings file ` + settings + `): html.title: "h2 >" is not a valid CSS selector`}},
		{"bad layout", []string{"check", "county-pcc", "-date-layout", "dd/mm/yyyy"}, 2,
			nil, []string{`html.date_layout: "dd/mm/yyyy" does not name a day, a month and a year`}},
		{"unknown id", []string{"check", "no-such-source"}, 2, nil, []string{`no source "no-such-source"`}},
		{"no target", []string{"check"}, 2, nil, []string{"usage: pressfeed check SOURCE-ID | URL"}},
		{"bad flag value after the target", []string{"check", "county-pcc", "-n", "bad"}, 2, nil, []string{`invalid value "bad" for flag -n`}},
		{"-all with a target", []string{"check", "-all", "county-pcc"}, 2, nil, []string{`-all checks every source; it takes no "county-pcc"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := listing.Load()
			out, errOut, code := runBinary(t, nil, append(tt.args, "-config", settings)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\n%s\n%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if tt.wantCode == 2 && listing.Load() != before {
				t.Error("an invalid check still fetched the page")
			}
		})
	}
}

func TestBinaryPollHTMLSource(t *testing.T) {
	srv, listing := pccSite(t)
	dir := t.TempDir()
	settings := checkSettings(t, dir, srv.URL+"/news/")
	body, _ := os.ReadFile(settings)
	os.WriteFile(settings, []byte(strings.Replace(string(body), "enabled = false", "enabled = true", 1)), 0o644)

	out, errOut, code := runBinary(t, nil, "poll", "-config", settings)
	if code != 0 || !strings.Contains(out, "county-pcc") || !strings.Contains(out, "3 items: 2 new, 0 updated, 1 dropped by rules") {
		t.Fatalf("poll: exit %d: %s\n%s", code, errOut, out)
	}
	out, _, _ = runBinary(t, nil, "poll", "-config", settings)
	if !strings.Contains(out, "county-pcc                   not_modified") {
		t.Errorf("second poll (the test server sends no validators, but the page is the same bytes):\n%s", out)
	}
	if got := listing.Load(); got != 2 {
		t.Errorf("listing fetched %d times, want 2", got)
	}
}

// TestBinaryCheckKeepsWhatAPollKeeps: check runs the poller the daemon
// runs, so the [fetch] table's max_items cuts its report as it cuts a poll.
func TestBinaryCheckKeepsWhatAPollKeeps(t *testing.T) {
	var feed strings.Builder
	feed.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>County news</title><link>https://county.example/</link><description>d</description>`)
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&feed, `<item><title>Appeal number %d</title><link>https://county.example/news/%d</link><guid>n%d</guid><pubDate>Mon, 0%d Dec 2025 10:00:00 GMT</pubDate></item>`, i, i, i, i)
	}
	feed.WriteString(`</channel></rss>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, feed.String())
	}))
	defer srv.Close()
	dir := t.TempDir()
	settings := filepath.Join(dir, "s.toml")
	body := fmt.Sprintf("db = %q\nallow_private_networks = true\n[fetch]\nmax_items = 2\n", filepath.Join(dir, "never.db"))
	if err := os.WriteFile(settings, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runBinary(t, nil, "check", srv.URL+"/rss", "-type", "feed", "-config", settings)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	if !strings.Contains(out, "a poll would store 2 items") || strings.Contains(out, "Appeal number 3") {
		t.Errorf("check ignored [fetch] max_items = 2:\n%s", out)
	}
}

// TestBinaryCheckAll: check -all resolves every source of the settings
// file, disabled ones too, and prints one row each; a source with no way
// in is a row with its category, and the exit code says one would fail.
func TestBinaryCheckAll(t *testing.T) {
	srv, _ := pccSite(t)
	dir := t.TempDir()
	settings := filepath.Join(dir, "s.toml")
	body := fmt.Sprintf(`db = %q
allow_private_networks = true

[fetch]
host_spacing = "1ms"

[[source]]
id = "county-pcc"
name = "County Police and Crime Commissioner"
kind = "pcc"
url = %q
type = "auto"
enabled = false

[[source]]
id = "gone-force"
name = "Gone Force"
kind = "force"
url = %q
type = "auto"
`, filepath.Join(dir, "never.db"), srv.URL+"/news/", srv.URL+"/moved/")
	if err := os.WriteFile(settings, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runBinary(t, nil, "check", "-all", "-config", settings)
	if code != 1 || !strings.Contains(errOut, "1 of 2 sources would fail") {
		t.Errorf("exit %d, stderr %q; want 1 and a count", code, errOut)
	}
	lines := strings.Split(out, "\n")
	row := func(id string) string {
		for _, l := range lines {
			if strings.HasPrefix(l, id+" ") {
				return l
			}
		}
		t.Fatalf("no row for %s:\n%s", id, out)
		return ""
	}
	if r := row("county-pcc"); !strings.Contains(r, "automatic listing") || !strings.Contains(r, " 3 ") || !strings.Contains(r, "disabled") {
		t.Errorf("county-pcc row %q: want automatic listing, 3 items, disabled", r)
	}
	if r := row("gone-force"); !strings.Contains(r, "none found") || !strings.Contains(r, "http_status") {
		t.Errorf("gone-force row %q: want no way in, http_status", r)
	}

	out, _, _ = runBinary(t, nil, "check", "-all", "-json", "-config", settings)
	var rows []struct {
		Source, Strategy, Category string
		Items                      int
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("-json: %v\n%s", err, out)
	}
	if rows[0].Source != "county-pcc" || rows[0].Strategy != pressfeed.StrategyAuto || rows[0].Items != 3 || rows[1].Category != "http_status" {
		t.Errorf("-json rows %+v", rows)
	}
	if _, err := os.Stat(filepath.Join(dir, "never.db")); !os.IsNotExist(err) {
		t.Error("check -all created the store")
	}
}
