package fetch_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/unicode"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/internal/faults"
)

// hostileCase is one server, good or misbehaving, and what polling it must
// leave in the result, the state and the store.
type hostileCase struct {
	name    string
	path    string // appended to the server's URL; "/feed" when empty
	handler http.HandlerFunc
	check   func(t *testing.T, res fetch.Result, st pressfeed.SourceState, stored []string)
}

// wantError checks a failed poll's category and sentence, and that nothing
// was stored.
func wantError(cat pressfeed.ErrorCategory, text string) func(*testing.T, fetch.Result, pressfeed.SourceState, []string) {
	return func(t *testing.T, res fetch.Result, st pressfeed.SourceState, stored []string) {
		t.Helper()
		if res.Outcome != fetch.OutcomeError || category(res.Err) != cat {
			t.Fatalf("outcome %s, category %q, error %v; want error of category %q", res.Outcome, category(res.Err), res.Err, cat)
		}
		if !strings.Contains(res.Err.Error(), text) {
			t.Errorf("error %q does not say %q", res.Err, text)
		}
		if st.ErrorCategory != cat || st.LastError != res.Err.Error() || st.ConsecutiveFailures != 1 {
			t.Errorf("state does not record the failure: %+v", st)
		}
		if st.NextAttempt.IsZero() || st.NextReason == "" {
			t.Errorf("state does not say when and why the next attempt is: %+v", st)
		}
		if len(stored) != 0 {
			t.Errorf("a failed poll stored %v", stored)
		}
	}
}

// wantTitles checks a successful poll stored exactly these titles.
func wantTitles(want ...string) func(*testing.T, fetch.Result, pressfeed.SourceState, []string) {
	return func(t *testing.T, res fetch.Result, st pressfeed.SourceState, stored []string) {
		t.Helper()
		if res.Outcome != fetch.OutcomeOK {
			t.Fatalf("outcome %s, error %v; want ok", res.Outcome, res.Err)
		}
		if strings.Join(sorted(stored), "|") != strings.Join(sorted(want), "|") {
			t.Errorf("stored %q, want %q", stored, want)
		}
	}
}

func feedHandler(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}
}

// redirectChain redirects /r/N to /r/N+1 and serves a feed at /r/last.
func redirectChain(last int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/r/%d", &n)
		if n >= last {
			w.Write(rssWith("At the end of the chain"))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/r/%d", n+1), http.StatusFound)
	}
}

func utf16LE(t testing.TB, s string) []byte {
	out, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostileServersInOneCycle polls good and misbehaving servers in one
// concurrent cycle, as the scheduler would: each hostile server ends in its
// own recorded failure, and the good ones are ingested regardless.
func TestHostileServersInOneCycle(t *testing.T) {
	clock := newClock()
	now := clock.Now()

	// A server that must never be asked anything: XXE targets point here.
	var xxeHits atomic.Int32
	catcher := serve(t, func(w http.ResponseWriter, r *http.Request) { xxeHits.Add(1) })
	secret := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secret, []byte("TOP-SECRET-42"), 0o600)
	var hugeSent atomic.Int64

	laughs := `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">` +
		`<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">` +
		`<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">` +
		`<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>` +
		`<rss version="2.0"><channel><title>T</title><item><title>&lol9;</title><guid>laughs</guid></item></channel></rss>`
	xxe := func(system string) []byte {
		return []byte(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "` + system + `">]>` +
			`<rss version="2.0"><channel><title>T</title><item><title>before &x; after</title><guid>xxe</guid></item></channel></rss>`)
	}
	externalDTD := []byte(`<?xml version="1.0"?><!DOCTYPE rss SYSTEM "` + catcher.URL + `/dtd">` + string(rssWith("External DTD ignored"))[len(`<?xml version="1.0" encoding="UTF-8"?>`):])
	latin1Body := []byte("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>T</title><item><title>Caf\xe9 opens</title><guid>c</guid></item></channel></rss>")
	// Undeclared latin-1 would also be caught by the windows-1252 fallback;
	// Cyrillic shows the header is what decides.
	cp1251Body := []byte("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>T</title><item><title>\xcf\xf0\xe8\xe2\xe5\xf2</title><guid>c</guid></item></channel></rss>")
	latin1Prolog := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\"><channel><title>T</title><item><title>Caf\xe9 declared</title><guid>c</guid></item></channel></rss>")
	lateRoot := []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- " + strings.Repeat("padding ", 800) + "-->\n" +
		string(rssWith("Root after 6 KB"))[len(`<?xml version="1.0" encoding="UTF-8"?>`):])
	utf16Doc := utf16LE(t, strings.Replace(string(rssWith("Café in UTF-16")), `encoding="UTF-8"`, `encoding="UTF-16"`, 1))
	bomJSON := fixture(t, "feed.json")
	if !bytes.HasPrefix(bomJSON, []byte("\xEF\xBB\xBF")) {
		t.Fatal("testdata/feed.json should start with a UTF-8 byte order mark")
	}
	truncated := rssWith("Whole item", "Cut item")
	truncated = truncated[:len(truncated)-40]

	cases := []hostileCase{
		{name: "good-1", handler: feedHandler("application/rss+xml", rssWith("Good news one"))},
		{name: "hang", handler: faults.Hang, check: wantError(pressfeed.CatTimeout, "gave no complete response within 2s")},
		{name: "slow-drip", handler: faults.Drip(20 * time.Millisecond), check: wantError(pressfeed.CatTimeout, "was still sending the response after 2s")},
		{name: "huge-2gb", handler: faults.HugeBody(2<<30, &hugeSent), check: wantError(pressfeed.CatTooLarge, "larger than the 10 MiB limit")},
		{name: "huge-declared", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "2147483648")
			w.Write(make([]byte, 64<<10))
		}, check: wantError(pressfeed.CatTooLarge, "larger than the 10 MiB limit")},
		{name: "gzip-bomb", handler: faults.GzipBomb(1024), check: wantError(pressfeed.CatTooLarge, "larger than the 10 MiB limit, counted after decompression")},
		{name: "cut-off-transfer", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10000")
			w.Write(rssWith("Never complete")[:100])
		}, check: wantError(pressfeed.CatConnect, "closed the connection before the response was complete")},
		{name: "redirect-loop", path: "/a", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, map[string]string{"/a": "/b", "/b": "/a"}[r.URL.Path], http.StatusFound)
		}, check: wantError(pressfeed.CatRedirects, "redirect loop: http://127.0.0.1")},
		{name: "redirects-6", path: "/r/0", handler: redirectChain(6), check: wantError(pressfeed.CatRedirects, "more than 5 redirects")},
		{name: "redirects-5", path: "/r/0", handler: redirectChain(5), check: wantTitles("At the end of the chain")},
		{name: "status-429", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		}, check: func(t *testing.T, res fetch.Result, st pressfeed.SourceState, stored []string) {
			wantError(pressfeed.CatBlocked, "answered 429 Too Many Requests: the site limits how often we ask")(t, res, st, stored)
			if want := now.Add(120 * time.Second); !st.NextAttempt.Equal(want) || !strings.Contains(st.NextReason, "asked us to wait 2m0s") {
				t.Errorf("next attempt %v (%s), want %v", st.NextAttempt, st.NextReason, want)
			}
		}},
		{name: "status-503-date", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", now.Add(time.Hour).Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		}, check: func(t *testing.T, res fetch.Result, st pressfeed.SourceState, stored []string) {
			wantError(pressfeed.CatHTTPStatus, "answered 503 Service Unavailable")(t, res, st, stored)
			if want := now.Add(time.Hour); !st.NextAttempt.Equal(want) {
				t.Errorf("next attempt %v, want %v", st.NextAttempt, want)
			}
		}},
		{name: "status-500", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, check: func(t *testing.T, res fetch.Result, st pressfeed.SourceState, stored []string) {
			wantError(pressfeed.CatHTTPStatus, "answered 500 Internal Server Error")(t, res, st, stored)
			if want := now.Add(10 * time.Minute); !st.NextAttempt.Equal(want) {
				t.Errorf("next attempt %v, want one interval later, %v", st.NextAttempt, want)
			}
		}},
		{name: "status-410", handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusGone)
		}, check: func(t *testing.T, res fetch.Result, st pressfeed.SourceState, stored []string) {
			wantError(pressfeed.CatHTTPStatus, "answered 410 Gone: the feed is gone")(t, res, st, stored)
			if !st.Gone || !st.NextAttempt.Equal(now.Add(6*time.Hour)) {
				t.Errorf("410 should mark the source gone and retry at the longest backoff: %+v", st)
			}
		}},
		{name: "status-403-challenge", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			w.Write(fixture(t, "challenge.html"))
		}, check: wantError(pressfeed.CatBlocked, `answered 403 Forbidden titled "Just a moment...": the site refuses this machine (blocked, not broken)`)},
		{name: "challenge-page", handler: feedHandler("text/html; charset=utf-8", fixture(t, "challenge.html")),
			check: wantError(pressfeed.CatBlocked, `answered with a bot-challenge page (HTTP 200) titled "Just a moment...": the site refuses this machine`)},
		{name: "html-page", handler: feedHandler("text/html; charset=utf-8", fixture(t, "html/cards.html")),
			check: wantError(pressfeed.CatNotAFeed, `got an HTML page, not a feed (Content-Type "text/html; charset=utf-8", titled`)},
		{name: "truncated", handler: feedHandler("application/rss+xml", truncated), check: wantError(pressfeed.CatParse, "the feed is broken")},
		{name: "billion-laughs", handler: feedHandler("application/rss+xml", []byte(laughs)), check: wantTitles("&lol9;")},
		{name: "xxe-file", handler: feedHandler("application/rss+xml", xxe("file://"+secret)), check: wantTitles("before &x; after")},
		{name: "xxe-loopback", handler: feedHandler("application/rss+xml", xxe(catcher.URL+"/xxe")), check: wantTitles("before &x; after")},
		{name: "external-dtd", handler: feedHandler("application/rss+xml", externalDTD), check: wantTitles("External DTD ignored")},
		{name: "latin1-header-only", handler: feedHandler("application/rss+xml; charset=ISO-8859-1", latin1Body), check: wantTitles("Café opens")},
		{name: "cp1251-header-only", handler: feedHandler("application/rss+xml; charset=windows-1251", cp1251Body), check: wantTitles("Привет")},
		{name: "latin1-prolog-header-lies", handler: feedHandler("application/rss+xml; charset=utf-8", latin1Prolog), check: wantTitles("Café declared")},
		{name: "utf8-bom", handler: feedHandler("application/rss+xml", append([]byte("\xEF\xBB\xBF"), rssWith("Café with a BOM")...)), check: wantTitles("Café with a BOM")},
		{name: "utf16-bom", handler: feedHandler("application/rss+xml", utf16Doc), check: wantTitles("Café in UTF-16")},
		{name: "json-bom", handler: feedHandler("application/feed+json", bomJSON), check: wantTitles("Gang jailed", "No date on this one")},
		{name: "late-root", handler: feedHandler("application/rss+xml", lateRoot), check: wantTitles("Root after 6 KB")},
		{name: "good-2", handler: feedHandler("application/atom+xml", fixture(t, "atom.xml")), check: wantTitles("Commissioner welcomes inspection report")},
		{name: "good-3", handler: feedHandler("application/feed+json", fixture(t, "feed.json")), check: wantTitles("Gang jailed", "No date on this one")},
	}
	cases[0].check = wantTitles("Good news one")

	db := openDB(t)
	opts := testOptions()
	opts.Now = clock.Now
	opts.Timeout = 2 * time.Second
	opts.Rand = func() float64 { return 0 }
	opts.Interval = func(pressfeed.Source) time.Duration { return 10 * time.Minute }
	p := fetch.NewPoller(db, opts)

	results := make([]fetch.Result, len(cases))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8) // the scheduler's concurrency, generously
	for i, c := range cases {
		path := c.path
		if path == "" {
			path = "/feed"
		}
		srv := serve(t, c.handler)
		src := source(c.name, srv.URL+path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = p.Poll(context.Background(), src)
		}()
	}
	wg.Wait()

	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := db.State(context.Background(), c.name)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, results[i], st, titles(t, db, c.name))
		})
	}
	t.Run("external entities were never fetched", func(t *testing.T) {
		if n := xxeHits.Load(); n != 0 {
			t.Errorf("the XXE target got %d requests", n)
		}
	})
	t.Run("the huge body was not read to the end", func(t *testing.T) {
		// The client stops after 10 MiB; kernel buffers let the server get
		// somewhat further, nowhere near 2 GiB.
		if n := hugeSent.Load(); n > 256<<20 {
			t.Errorf("the server sent %d MiB before the client hung up", n>>20)
		}
		t.Logf("the 2 GiB server sent %d MiB before the client hung up", hugeSent.Load()>>20)
	})
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestHugeBodiesKeepMemoryBounded polls the 2 GiB and gzip-bomb servers one
// at a time and measures the heap while each runs: it must stay within a
// small multiple of the 10 MiB body cap.
func TestHugeBodiesKeepMemoryBounded(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"2 GiB body", faults.HugeBody(2<<30, nil)},
		{"gzip bomb (1 GiB decompressed)", faults.GzipBomb(1024)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, tc.handler)
			p := fetch.NewPoller(openDB(t), testOptions())
			peak, allocated := measureHeap(func() {
				res := p.Poll(context.Background(), source("huge", srv.URL+"/feed"))
				if category(res.Err) != pressfeed.CatTooLarge {
					t.Errorf("outcome %s %v, want too_large", res.Outcome, res.Err)
				}
			})
			t.Logf("%s: peak heap growth %.1f MiB, allocated %.1f MiB during the poll", tc.name, float64(peak)/(1<<20), float64(allocated)/(1<<20))
			if peak > 24<<20 {
				t.Errorf("heap grew by %d MiB, want under 24 MiB for a 10 MiB cap", peak>>20)
			}
		})
	}
}

// measureHeap runs f and returns the largest growth of live heap objects
// seen while it ran, sampled every millisecond, and the bytes allocated.
func measureHeap(f func()) (peak, allocated uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	base, allocBase := sample[0].Value.Uint64(), sample[1].Value.Uint64()
	var max atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > max.Load() {
				max.Store(v - base)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	<-stopped
	metrics.Read(sample)
	return max.Load(), sample[1].Value.Uint64() - allocBase
}
