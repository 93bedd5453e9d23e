package fetch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"pressfeed"
	"pressfeed/fetch"
)

// corpusDir finds the shared public feed corpus: PRESSFEED_CORPUS, else
// ../shared/corpus beside the module. It skips the test when there is none.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PRESSFEED_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "INDEX.txt")); err != nil {
		t.Skipf("no feed corpus at %s (set PRESSFEED_CORPUS to run this test): %v", dir, err)
	}
	return dir
}

// corpusHeaders reads the HTTP headers MANIFEST.json says each file must
// be served with ("needs-http-header: Content-type: text/xml").
func corpusHeaders(t *testing.T, dir string) map[string]http.Header {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest []struct {
		File  string   `json:"file"`
		Flags []string `json:"flags"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatalf("MANIFEST.json: %v", err)
	}
	out := map[string]http.Header{}
	for _, m := range manifest {
		for _, f := range m.Flags {
			h, ok := strings.CutPrefix(f, "needs-http-header: ")
			if !ok {
				continue
			}
			name, value, _ := strings.Cut(h, ":")
			if out[m.File] == nil {
				out[m.File] = http.Header{}
			}
			out[m.File].Set(strings.TrimSpace(name), strings.TrimSpace(value))
		}
	}
	return out
}

// corpusExpect are outcomes checked beyond "parsed or rejected with a
// message": encodings that must come out right, attacks that must not
// work, caps that must be noted.
var corpusExpect = map[string]func(t *testing.T, res fetch.Result, stored []pressfeed.Item){
	"encoding/mf__encoding_utf8.xml":                   wantCorpusTitle("Café"),
	"encoding/mf__encoding_utf8-incorrect-prolog.xml":  wantCorpusTitle("Café"),
	"encoding/mf__encoding_invalid-prolog.xml":         wantCorpusTitle("Café"),
	"encoding/fp__encoding_demoronize-1.xml":           wantCorpusTitle("don’t"),
	"encoding/fp__encoding_demoronize-2.xml":           wantCorpusTitle("don’t"),
	"synthetic/billion-laughs.rss":                     wantNoTitleContaining("lollol"),
	"synthetic/xxe-file.rss":                           wantNoTitleContaining("root:"),
	"synthetic/xxe-http.rss":                           wantNoTitleContaining("xxe-content"),
	"synthetic/many-items.rss":                         wantWarning(500, "kept the first 500"),
	"synthetic/many-items.json":                        wantWarning(500, "kept the first 500"),
	"synthetic/huge-description.rss":                   wantWarning(1, "summary cut to 64 KiB"),
	"synthetic/long-line.atom":                         wantWarning(1, "title cut to 1 KiB"),
	"synthetic/truncated.json":                         wantCategory(pressfeed.CatParse),
	"synthetic/deep-nesting.json":                      wantCategory(pressfeed.CatParse),
	"illformed/gf__parser_universal_unknown_feed.xml":  wantCategory(pressfeed.CatNotAFeed),
	"illformed/fp__illformed_rss_empty_document.xml":   wantCategory(pressfeed.CatNotAFeed),
	"realworld/fj__TechCrunch.xml":                     wantOK(),
	"realworld/mf__parser_large_atom.xml":              wantOK(),
	"encoding/fp__encoding_bozo_http_text_plain.xml":   wantOK(),
	"encoding/mf__parser_encoding_WINDOWS-1251.xml":    wantOK(),
	"encoding/fp__encoding_utf-16le-bom.xml":           wantOK(),
	"encoding/fp__encoding_utf-32be.xml":               wantOK(),
	"illformed/gf__parser_universal_rss_feed_bom.xml":  wantOK(),
	"illformed/fp__illformed_rss_incomplete_cdata.xml": wantCategory(pressfeed.CatParse),
}

func wantOK() func(*testing.T, fetch.Result, []pressfeed.Item) {
	return func(t *testing.T, res fetch.Result, _ []pressfeed.Item) {
		if res.Outcome != fetch.OutcomeOK {
			t.Errorf("outcome %s %v, want ok", res.Outcome, res.Err)
		}
	}
}

func wantCategory(cat pressfeed.ErrorCategory) func(*testing.T, fetch.Result, []pressfeed.Item) {
	return func(t *testing.T, res fetch.Result, _ []pressfeed.Item) {
		if category(res.Err) != cat {
			t.Errorf("outcome %s %v, want category %s", res.Outcome, res.Err, cat)
		}
	}
}

func wantCorpusTitle(title string) func(*testing.T, fetch.Result, []pressfeed.Item) {
	return func(t *testing.T, res fetch.Result, stored []pressfeed.Item) {
		if len(stored) != 1 || stored[0].Title != title {
			var got []string
			for _, it := range stored {
				got = append(got, it.Title)
			}
			t.Errorf("outcome %s %v, titles %q, want [%q]", res.Outcome, res.Err, got, title)
		}
	}
}

func wantNoTitleContaining(s string) func(*testing.T, fetch.Result, []pressfeed.Item) {
	return func(t *testing.T, res fetch.Result, stored []pressfeed.Item) {
		for _, it := range stored {
			if strings.Contains(it.Title+it.Summary+it.Content, s) {
				t.Errorf("an item contains %q: %q", s, it.Title)
			}
		}
	}
}

func wantWarning(items int, warning string) func(*testing.T, fetch.Result, []pressfeed.Item) {
	return func(t *testing.T, res fetch.Result, stored []pressfeed.Item) {
		if res.Outcome != fetch.OutcomeOK || len(stored) != items {
			t.Errorf("outcome %s %v with %d items stored, want ok with %d", res.Outcome, res.Err, len(stored), items)
		}
		if !strings.Contains(strings.Join(res.State.Warnings, "; "), warning) {
			t.Errorf("warnings %q, want %q", res.State.Warnings, warning)
		}
	}
}

// knownCategories are the categories a corpus file may fail with: the
// document's own faults, never the network's.
var knownCategories = map[pressfeed.ErrorCategory]bool{pressfeed.CatNotAFeed: true, pressfeed.CatParse: true}

// TestPublicCorpus serves every file of the shared corpus over HTTP, with
// its header where the manifest asks for one, and polls it: each is parsed
// or rejected with a category and a sentence, none panics, none takes more
// than a generous 2 s, and nothing stored is invalid UTF-8 or unsanitized.
//
// The 2 s guard is on the process's CPU time where the platform reports it:
// on a shared machine, wall time also counts everyone else's work. Wall time
// is logged for the slowest files. Under the race detector the guard is
// ten times longer.
func TestPublicCorpus(t *testing.T) {
	dir := corpusDir(t)
	headers := corpusHeaders(t, dir)
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "LICENSES" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.Contains(rel, "/") { // INDEX.txt and MANIFEST.json sit at the top
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		rel := strings.TrimPrefix(r.URL.Path, "/")
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		// A neutral type, so the server's sniffing adds no charset of its own.
		w.Header().Set("Content-Type", map[string]string{".json": "application/json"}[path.Ext(rel)])
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/xml")
		}
		for name, values := range headers[rel] {
			w.Header()[name] = values
		}
		w.Write(data)
	})

	db := openDB(t)
	p := newPoller(db)
	outcomes := map[string]int{}
	type timing struct {
		rel          string
		elapsed, cpu time.Duration
	}
	var timings []timing
	for i, rel := range files {
		id := fmt.Sprintf("corpus-%d", i)
		cpuBefore, haveCPU := cpuTime()
		res, elapsed, panicked := pollRecovering(p, source(id, srv.URL+"/"+rel))
		cpuAfter, _ := cpuTime()
		spent := elapsed
		if haveCPU {
			spent = cpuAfter - cpuBefore
		}
		if panicked != nil {
			t.Errorf("%s: panic: %v", rel, panicked)
			continue
		}
		key := res.Outcome
		if res.Err != nil {
			key += "/" + string(category(res.Err))
			if !knownCategories[category(res.Err)] || strings.TrimSpace(res.Err.Error()) == "" {
				t.Errorf("%s: rejected as %q with %q", rel, category(res.Err), res.Err)
			}
		}
		outcomes[key]++
		if res.Err != nil {
			t.Logf("rejected %s: %s: %v", rel, category(res.Err), res.Err)
		}
		timings = append(timings, timing{rel, elapsed, spent})
		if spent > 2*time.Second*slowdown {
			t.Errorf("%s: took %v, more than %v (wall %v)", rel, spent, 2*time.Second*slowdown, elapsed)
		}
		stored := fetch.StoredItems(t, db, id)
		for _, it := range stored {
			for field, s := range map[string]string{"title": it.Title, "summary": it.Summary, "content": it.Content, "link": it.Link} {
				if !utf8.ValidString(s) {
					t.Errorf("%s: item %s has an invalid UTF-8 %s", rel, it.GUID, field)
				}
			}
			if strings.Contains(strings.ToLower(it.Summary+it.Content), "<script") {
				t.Errorf("%s: item %s kept a script", rel, it.GUID)
			}
		}
		if check, ok := corpusExpect[rel]; ok {
			t.Run(rel, func(t *testing.T) { check(t, res, stored) })
			delete(corpusExpect, rel)
		}
	}
	for rel := range corpusExpect {
		t.Errorf("expected outcome for %s, which is not in the corpus", rel)
	}
	var summary []string
	for k, n := range outcomes {
		summary = append(summary, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(summary)
	t.Logf("%d corpus files: %s", len(files), strings.Join(summary, ", "))
	sort.Slice(timings, func(i, j int) bool { return timings[i].cpu > timings[j].cpu })
	for _, tm := range timings[:min(5, len(timings))] {
		t.Logf("slowest: %-50s cpu %v, wall %v", tm.rel, tm.cpu.Round(time.Millisecond), tm.elapsed.Round(time.Millisecond))
	}
}

// pollRecovering polls src, timing it and turning a panic into a value.
func pollRecovering(p *fetch.Poller, src pressfeed.Source) (res fetch.Result, elapsed time.Duration, panicked any) {
	start := time.Now()
	defer func() {
		elapsed = time.Since(start)
		panicked = recover()
	}()
	return p.Poll(context.Background(), src), 0, nil
}
