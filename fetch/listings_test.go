package fetch_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/fetch"
)

// listingCase is one page of testdata/listings: a news listing in the
// shape of a platform seen on public-sector sites, and what a person
// reading it would list.
type listingCase struct {
	Family   string            `json:"family"`
	URL      string            `json:"url"`               // the path the page is served at
	Status   int               `json:"status,omitempty"`  // its HTTP status; 200 when zero
	Headers  map[string]string `json:"headers,omitempty"` // extra response headers
	Error    string            `json:"error,omitempty"`   // the failure category expected instead of items
	Articles map[string]string `json:"articles,omitempty"`
	Items    []struct {
		Title string `json:"title"`
		Link  string `json:"link"`
		Date  string `json:"date"` // YYYY-MM-DD in London; empty when the page gives none
	} `json:"items"`
}

// listingScore is how automatic extraction did on one page.
type listingScore struct {
	name, family        string
	expected, found     int // items a person lists; items we stored
	right, dated, dates int // right link and title; expected items with a date; of those, right date
	spurious            int // stored items a person would not list
	err, wantErr        string
}

// TestListingCorpus measures automatic listing extraction, with nothing
// but the page's URL, on every page of testdata/listings: it serves the
// page (and any article pages) from a real HTTP server, polls an auto
// source pinned to automatic extraction into a real store, and compares
// what was stored with what a person reads on the page. Pages that cannot
// work (a script-built shell, a bot challenge) must fail with the category
// that says why. It logs a table per page; PRESSFEED_CORPUS_REPORT=FILE
// writes the table to FILE too (it is the table in BENCHMARKS.md).
func TestListingCorpus(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "listings", "*", "want.json"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no listing corpus: %v", err)
	}
	var scores []listingScore
	for _, want := range dirs {
		dir := filepath.Dir(want)
		scores = append(scores, scoreListing(t, dir))
	}
	sort.Slice(scores, func(i, j int) bool { return scores[i].name < scores[j].name })

	var total listingScore
	for _, s := range scores {
		total.expected += s.expected
		total.found += s.found
		total.right += s.right
		total.dated += s.dated
		total.dates += s.dates
		total.spurious += s.spurious
		if s.err != s.wantErr {
			t.Errorf("%s: failure category %q, want %q", s.name, s.err, s.wantErr)
		}
	}
	report := listingReport(scores, total)
	t.Log("\n" + report)
	if path := os.Getenv("PRESSFEED_CORPUS_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Error(err)
		}
	}
	if got := ratio(total.right, total.expected); got < 0.95 {
		t.Errorf("right link and title for %.1f %% of items, want at least 95 %%", 100*got)
	}
	if got := ratio(total.dates, total.dated); got < 0.90 {
		t.Errorf("right date for %.1f %% of dated items, want at least 90 %%", 100*got)
	}
	if total.spurious != 0 {
		t.Errorf("%d items a person would not list (navigation, most-read, pagination…)", total.spurious)
	}
}

// scoreListing serves and polls one corpus page and scores what was
// stored.
func scoreListing(t *testing.T, dir string) listingScore {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "want.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c listingCase
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	files := map[string]string{c.URL: "page.html"}
	for path, file := range c.Articles {
		files[path] = file
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file, ok := files[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		body, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for k, v := range c.Headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "text/html") // the page's own <meta> says the charset
		if file == "page.html" && c.Status != 0 {
			w.WriteHeader(c.Status)
		}
		w.Write(body)
	}))
	defer srv.Close()

	db := openDB(t)
	opts := testOptions()
	opts.FollowDelay = time.Millisecond
	p := fetch.NewPoller(db, opts)
	src := autoSource(filepath.Base(dir), srv.URL+c.URL)
	src.Pin = pressfeed.StrategyAuto
	res := p.PollAnyway(t.Context(), src)

	s := listingScore{name: filepath.Base(dir), family: c.Family, expected: len(c.Items), wantErr: c.Error}
	var fe *fetch.Error
	if errors.As(res.Err, &fe) {
		s.err = string(fe.Category)
		t.Logf("%s: %v", filepath.Base(dir), res.Err)
	} else if res.Err != nil {
		s.err = res.Err.Error()
	}
	page, err := db.Stories(t.Context(), pressfeed.Query{Sources: []string{src.ID}, Ungrouped: true, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]pressfeed.Item{}
	for _, st := range page.Stories {
		it := st.Primary()
		got[it.Link] = it
	}
	s.found = len(got)
	for _, w := range c.Items {
		if w.Date != "" {
			s.dated++
		}
		it, ok := got[srv.URL+w.Link]
		if !ok {
			t.Logf("%s: missing %s", s.name, w.Link)
			continue
		}
		delete(got, srv.URL+w.Link)
		if title := squash(html.UnescapeString(it.Title)); title == w.Title {
			s.right++
		} else {
			t.Logf("%s: %s titled %q, want %q", s.name, w.Link, title, w.Title)
		}
		if w.Date == "" {
			continue
		}
		if d := it.Published.In(pressfeed.London()).Format(time.DateOnly); d == w.Date {
			s.dates++
		} else {
			t.Logf("%s: %s dated %s, want %s", s.name, w.Link, d, w.Date)
		}
	}
	for link := range got {
		t.Logf("%s: spurious %s", s.name, link)
	}
	s.spurious = len(got)
	return s
}

// listingReport is the markdown table of scores.
func listingReport(scores []listingScore, total listingScore) string {
	var b strings.Builder
	b.WriteString("| page | family | listed | right link + title | right date | spurious | failure |\n|---|---|---|---|---|---|---|\n")
	row := func(s listingScore) {
		fail := s.err
		if fail == "" {
			fail = "–"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d/%d | %d | %s |\n", s.name, s.family, s.expected, s.right, s.dates, s.dated, s.spurious, fail)
	}
	for _, s := range scores {
		row(s)
	}
	fmt.Fprintf(&b, "| **all** | %d pages | %d | %d (%.1f %%) | %d/%d (%.1f %%) | %d | |\n", len(scores), total.expected,
		total.right, 100*ratio(total.right, total.expected), total.dates, total.dated, 100*ratio(total.dates, total.dated), total.spurious)
	return b.String()
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// squash collapses runs of white space to one space and trims the ends.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }
