package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"pressfeed"
)

const xssTitle = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> Police appeal`

// xssSummary is harmless sanitized HTML whose text, once decoded, is markup.
const xssSummary = `<p>Text &lt;script&gt;window.pwned=3&lt;/script&gt;&lt;img src=x onerror=alert(4)&gt; a &lt; b</p>`

// newsDesk is a desk whose store holds stories from three sources of
// different kinds and areas, one with a hostile title.
func newsDesk(t *testing.T) *desk {
	t.Helper()
	d := newDesk(t, deskOptions{sources: []pressfeed.Source{
		{ID: "force-a", Name: "Force A", Kind: "force", Area: "North", URL: "https://a.example/feed", Type: "feed", Enabled: true},
		{ID: "force-b", Name: "Force B", Kind: "force", Area: "South", URL: "https://b.example/feed", Type: "feed", Enabled: true},
		{ID: "pcc-a", Name: "PCC A", Kind: "pcc", Area: "North", URL: "https://p.example/feed", Type: "feed", Enabled: true},
	}})
	ctx := context.Background()
	ingest := func(id string, items ...pressfeed.Item) {
		t.Helper()
		if _, err := d.DB.Ingest(ctx, id, items, pressfeed.SourceState{LastSuccess: t0}); err != nil {
			t.Fatal(err)
		}
	}
	item := func(guid, title, summary string, published time.Time) pressfeed.Item {
		return pressfeed.Item{GUID: guid, Title: title, Link: "https://news.example/" + guid, Summary: summary, Published: published}
	}
	ingest("force-a",
		item("a1", "Burglar jailed for six years", "<p>A <a href=\"https://x.example\">burglar</a>.</p><p>He was jailed.</p>", t0.Add(-1*time.Hour)),
		item("a2", xssTitle, xssSummary, t0.Add(-2*time.Hour)),
		item("a3", "Summer road safety campaign", "", time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC)), // 00:30 on 2 July in London
	)
	ingest("force-b", item("b1", "Drugs seized in raid", "Cannabis worth £20,000.", t0.Add(-3*time.Hour)))
	ingest("pcc-a",
		item("p1", "Commissioner sets out police budget", "The budget rises.", t0.Add(-26*time.Hour)),
		item("p2", "Commissioner funds youth projects", "", t0.Add(-50*time.Hour)),
	)
	return d
}

var storyTitleRE = regexp.MustCompile(`<h3><a href="[^"]*">([^<]*)</a></h3>`)

func pageTitles(body string) []string {
	var out []string
	for _, m := range storyTitleRE.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func feedTitles(t *testing.T, base, query string) []string {
	t.Helper()
	resp, body := get(t, base+"/feed.json"+query)
	if resp.StatusCode != 200 {
		t.Fatalf("feed %s: %d", query, resp.StatusCode)
	}
	var f struct{ Items []struct{ Title string } }
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range f.Items {
		out = append(out, it.Title)
	}
	return out
}

// TestNewsPageMatchesItsFeed checks that each filter means the same on the
// page as in the feed it offers, and that the offered feed is that view.
func TestNewsPageMatchesItsFeed(t *testing.T) {
	d := newsDesk(t)
	tests := []struct {
		query string
		want  int
	}{
		{"", 6},
		{"?kind=pcc", 2},
		{"?kind=force&area=North", 3},
		{"?area=South&area=North", 6},
		{"?source=force-b", 1},
		{"?q=commissioner+budget", 1},
		{"?kind=pcc&q=youth", 1},
		{"?q=nothing-matches-this", 0},
		{"?since=2026-11-19T00:00:00Z", 4},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := get(t, d.Srv.URL+"/"+tt.query)
			if resp.StatusCode != 200 {
				t.Fatalf("%d: %s", resp.StatusCode, body)
			}
			got := pageTitles(body)
			if len(got) != tt.want {
				t.Errorf("%d stories %q, want %d", len(got), got, tt.want)
			}
			if want := feedTitles(t, d.Srv.URL, tt.query); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("page shows %q, its feed %q", got, want)
			}
			// The subscribe links and autodiscovery carry the same filter.
			q := strings.TrimPrefix(tt.query, "?")
			for _, f := range []string{"/feed.atom", "/feed.rss", "/feed.json"} {
				href := f
				if q != "" {
					href += "?" + canonical(t, q)
				}
				if !hrefs(body)[href] {
					t.Errorf("no link to %s", href)
				}
			}
			if !strings.Contains(body, `<link rel="alternate" type="application/atom+xml"`) {
				t.Error("no Atom autodiscovery link")
			}
		})
	}
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// hrefs returns every link target in a page, as the browser reads it.
func hrefs(body string) map[string]bool {
	out := make(map[string]bool)
	for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
		out[html.UnescapeString(m[1])] = true
	}
	return out
}

// TestJSONFeedSummaryIsText checks that the hostile item's JSON Feed
// summary, plain text by the spec but rendered as HTML by many readers,
// holds nothing tag-shaped, while content_html keeps the sanitized HTML.
func TestJSONFeedSummaryIsText(t *testing.T) {
	d := newsDesk(t)
	_, body := get(t, d.Srv.URL+"/feed.json?source=force-a")
	var f struct {
		Items []struct {
			Title       string `json:"title"`
			Summary     string `json:"summary"`
			ContentHTML string `json:"content_html"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range f.Items {
		if tag := regexp.MustCompile(`<[A-Za-z/!?]`).FindString(it.Summary); tag != "" {
			t.Errorf("%q: summary %q holds %q", it.Title, it.Summary, tag)
		}
		if it.Title != xssTitle {
			continue
		}
		found = true
		if want := "Text window.pwned=3 a < b"; it.Summary != want {
			t.Errorf("summary %q, want %q", it.Summary, want)
		}
		if !strings.Contains(it.ContentHTML, "&lt;script&gt;window.pwned=3") {
			t.Errorf("content_html %q lost the sanitized HTML", it.ContentHTML)
		}
	}
	if !found {
		t.Fatal("the hostile item is not in the feed")
	}
}

// canonical is the page's own encoding of a query string: url.Values
// order, each list sorted.
func canonical(t *testing.T, q string) string {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range v {
		sort.Strings(list)
	}
	return v.Encode()
}

func TestNewsPage(t *testing.T) {
	d := newsDesk(t)
	_, body := get(t, d.Srv.URL+"/")

	t.Run("hostile titles are text", func(t *testing.T) {
		if !strings.Contains(body, "&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x onerror=&#34;window.pwned=2&#34;&gt; Police appeal") {
			t.Error("the title is not shown escaped")
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
			t.Error("markup from a feed reached the page")
		}
	})
	t.Run("days in London time, newest first", func(t *testing.T) {
		headings := regexp.MustCompile(`<h2 id="day-([0-9-]+)"><time datetime="[0-9-]+">([^<]+)</time>`).FindAllStringSubmatch(body, -1)
		var got []string
		for _, h := range headings {
			got = append(got, h[1]+" "+h[2])
		}
		want := []string{"2026-11-20 Today, Friday 20 November", "2026-11-19 Yesterday, Thursday 19 November", "2026-11-18 Wednesday 18 November 2026", "2026-07-02 Thursday 2 July 2026"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("day headings %q, want %q", got, want)
		}
	})
	t.Run("publishers are badges that filter", func(t *testing.T) {
		if !strings.Contains(body, `<a class="badge kind-pcc" href="/?source=pcc-a" title="News from PCC A only">PCC A</a>`) {
			t.Error("no publisher badge")
		}
	})
	t.Run("summaries are text", func(t *testing.T) {
		if !strings.Contains(body, `<p class="summary">A burglar. He was jailed.</p>`) {
			t.Error("summary not flattened to text")
		}
	})
	t.Run("labelled controls", func(t *testing.T) {
		for _, want := range []string{`<label for="q">`, `<label for="area">`, `<label for="source">`, `<legend>Publisher type</legend>`, `lang="en-GB"`, `name="viewport"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
	t.Run("the form shows the filter it was given", func(t *testing.T) {
		_, body := get(t, d.Srv.URL+"/?kind=pcc&q=budget&area=North&area=South&limit=5")
		for _, want := range []string{`value="pcc" checked`, `value="budget"`, `<select id="area" name="area" multiple>`, `name="limit" value="5"`, "News: commissioners, North, South, “budget”"} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
	t.Run("pages", func(t *testing.T) {
		_, first := get(t, d.Srv.URL+"/?limit=4")
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">Older stories</a>`).FindStringSubmatch(first)
		if next == nil {
			t.Fatal("no link to older stories")
		}
		_, second := get(t, d.Srv.URL+html.UnescapeString(next[1]))
		all := append(pageTitles(first), pageTitles(second)...)
		if want := feedTitles(t, d.Srv.URL, ""); strings.Join(all, "|") != strings.Join(want, "|") {
			t.Errorf("two pages give %q, want %q", all, want)
		}
		if !strings.Contains(second, ">Newest stories</a>") || strings.Contains(second, "Older stories") {
			t.Error("last page links wrong")
		}
	})
	t.Run("a bad filter is a 400 page saying why", func(t *testing.T) {
		resp, body := get(t, d.Srv.URL+"/?kind=police")
		if resp.StatusCode != 400 || !strings.Contains(body, "kind &#34;police&#34; is not one of force, pcc, rocu, other") || !strings.Contains(body, "<html") {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
}

func TestSourcesPage(t *testing.T) {
	sources := []pressfeed.Source{
		{ID: "ok", Name: "Healthy Force", Kind: "force", URL: "https://ok.example/", Type: "feed", Enabled: true},
		{ID: "failing", Name: "Failing Force", Kind: "force", URL: "https://f.example/", Type: "feed", Enabled: true},
		{ID: "backoff", Name: "Backing-off PCC", Kind: "pcc", URL: "https://b.example/", Type: "feed", Enabled: true},
		{ID: "stale", Name: "Stale PCC", Kind: "pcc", URL: "https://s.example/", Type: "feed", Enabled: true},
		{ID: "new", Name: "New Unit", Kind: "rocu", URL: "https://n.example/", Type: "feed", Enabled: true},
		{ID: "off", Name: "Disabled Other", Kind: "other", URL: "https://o.example/", Type: "html", HTML: &pressfeed.HTMLSpec{Item: "article"}},
	}
	d := newDesk(t, deskOptions{sources: sources})
	ctx := context.Background()
	var items []pressfeed.Item
	for i, age := range []time.Duration{24 * time.Hour, 3 * 24 * time.Hour, 20 * 24 * time.Hour, 40 * 24 * time.Hour} {
		items = append(items, pressfeed.Item{GUID: fmt.Sprint(i), Title: "t", Published: t0.Add(-age)})
	}
	if _, err := d.DB.Ingest(ctx, "ok", items, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
	states := map[string]pressfeed.SourceState{
		"ok":      {LastSuccess: t0.Add(-time.Hour), LastNewItem: t0.Add(-48 * time.Hour)},
		"failing": {LastSuccess: t0.Add(-48 * time.Hour), LastNewItem: t0.Add(-48 * time.Hour), ConsecutiveFailures: 3, FailingSince: t0.Add(-5 * time.Hour), LastError: "get https://f.example/: server answered 503 Service Unavailable", ErrorCategory: "http_status"},
		"backoff": {LastSuccess: t0.Add(-48 * time.Hour), ConsecutiveFailures: 1, NextAttempt: t0.Add(time.Hour), NextReason: "Retry-After"},
		"stale":   {LastSuccess: t0.Add(-time.Hour), LastNewItem: t0.Add(-10 * 24 * time.Hour)},
	}
	for id, st := range states {
		if err := d.DB.SaveState(ctx, id, st); err != nil {
			t.Fatal(err)
		}
	}
	resp, body := get(t, d.Srv.URL+"/sources")
	if resp.StatusCode != 200 {
		t.Fatalf("%d", resp.StatusCode)
	}
	for _, want := range []string{
		"<strong>1 of 5 sources healthy; 1 more disabled.</strong>",
		"stale</em> when it has had no new item for 7 days",
		"failing since Fri 20 Nov, 04:00 (3 failed polls)",
		"server answered 503 Service Unavailable</span> <span class=\"sub\">(http_status)</span>",
		"backing off until Fri 20 Nov, 10:00 (Retry-After)",
		"stale: no new item in 10 days (last on Tue 10 Nov, 09:00)",
		"not polled yet",
		`<tr id="source-off" class="status-disabled">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	row := body[strings.Index(body, `id="source-ok"`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, `data-label="Items, 7 days">2</td>`) || !strings.Contains(row, `data-label="Items, 30 days">3</td>`) {
		t.Errorf("items in 7 and 30 days should be 2 and 3:\n%s", row)
	}
	// Worst first: failing before backing off before stale before waiting before ok before disabled.
	order := []string{"source-failing", "source-backoff", "source-stale", "source-new", "source-ok", "source-off"}
	last := -1
	for _, id := range order {
		i := strings.Index(body, `id="`+id+`"`)
		if i < last {
			t.Errorf("%s is out of order", id)
		}
		last = i
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	d := newsDesk(t)
	for _, path := range []string{"/", "/?kind=nope", "/sources", "/admin", "/admin/signin", "/feed.atom", "/sources.json", "/api/v1/sources", "/static/style.css", "/no-such-page"} {
		resp, _ := get(t, d.Srv.URL+path)
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
	// A 304 leaves them out: it updates the headers of the response the
	// client keeps, which has them; it still carries its validators.
	resp, _ := get(t, d.Srv.URL+"/feed.atom")
	req, _ := http.NewRequest("GET", d.Srv.URL+"/feed.atom", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	nm, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	nm.Body.Close()
	if nm.StatusCode != http.StatusNotModified || nm.Header.Get("ETag") == "" || nm.Header.Get("Cache-Control") == "" || nm.Header.Get("Vary") == "" {
		t.Errorf("conditional feed request: %d %v", nm.StatusCode, nm.Header)
	}
	if nm.Header.Get("Content-Security-Policy") != "" || nm.Header.Get("X-Frame-Options") != "" {
		t.Errorf("a 304 carries the security headers: %v", nm.Header)
	}
	// The stylesheet the pages link to is served, cacheable for ever.
	_, body := get(t, d.Srv.URL+"/")
	css := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindStringSubmatch(body)
	resp, sheet := get(t, d.Srv.URL+html.UnescapeString(css[1]))
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(sheet, ".story") {
		t.Errorf("stylesheet: %d %v", resp.StatusCode, resp.Header)
	}
}
