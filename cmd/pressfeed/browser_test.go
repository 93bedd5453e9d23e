package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"pressfeed"
	"pressfeed/config"
)

// The browser tests drive Debian's chromium through chromedp against the
// whole daemon (store, poller, scheduler, web server) started in-process on
// loopback, fed by the sample feed server.

// chromiumPath finds the browser, or returns "".
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// hostileRSS carries a title that is markup once its XML escaping is undone:
// a reader that pastes it into HTML runs the script and the handler.
const hostileRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Hostile</title><link>https://hostile.example/</link><description>x</description>
<item><title>&amp;lt;script&amp;gt;window.__pwned=1&amp;lt;/script&amp;gt;&amp;lt;img src=x onerror=&amp;quot;window.__pwned=2&amp;quot;&amp;gt; Hostile title</title>
<link>https://hostile.example/1</link><guid>hostile-1</guid><description>&lt;p&gt;Summary &lt;img src=x onerror="window.__pwned=3"&gt;text&lt;/p&gt;</description>
<pubDate>Wed, 25 Nov 2026 07:00:00 +0000</pubDate></item>
</channel></rss>`

// extraRSS is the feed the admin adds through the browser.
const extraRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Extra</title><link>https://extra.example/</link><description>x</description>
<item><title>Extra Force opens new station</title><link>https://extra.example/1</link><guid>extra-1</guid><pubDate>Thu, 26 Nov 2026 08:00:00 +0000</pubDate></item>
<item><title>Extra Force appeal after theft</title><link>https://extra.example/2</link><guid>extra-2</guid><pubDate>Thu, 26 Nov 2026 07:00:00 +0000</pubDate></item>
</channel></rss>`

// browserDaemon starts the daemon with the demo sources, a hostile source
// and one admin account.
func browserDaemon(t *testing.T) (*Daemon, *sampleServer) {
	t.Helper()
	samples := newSampleServer(t)
	samples.mu.Lock()
	samples.files["/hostile.rss"] = []byte(hostileRSS)
	samples.files["/extra.rss"] = []byte(extraRSS)
	samples.mu.Unlock()
	cfg := samples.config(t, filepath.Join(t.TempDir(), "browser.db"))
	cfg.Sources = append(cfg.Sources, pressfeed.Source{
		ID: "hostile", Name: `Hostile <img src=x onerror="window.__pwned=4"> Source`, Kind: pressfeed.KindOther,
		Area: "Elsewhere", URL: samples.URL + "/hostile.rss", Type: pressfeed.TypeFeed, Enabled: true,
	})
	cfg.Admins = []config.Admin{{Name: "editor", PasswordHash: testHash}}
	d := startDaemon(t, cfg)
	t.Cleanup(func() { d.Close(context.Background()) })
	waitPolled(t, d, len(cfg.Sources))
	return d, samples
}

// newBrowser starts headless chromium with the flags a machine without
// outside network needs, or skips (fails under PRESSFEED_REQUIRE_CLIENTS=1).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	requireClient(t, "chromium", "apt-get install chromium", path != "")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this first run
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs actions with a time limit.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value evaluates a JavaScript expression through DevTools (not the page,
// whose policy forbids script) and decodes it into T.
func value[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// submit clicks a button that navigates and returns the HTTP status of
// the page it leads to.
func submit(t *testing.T, ctx context.Context, sel string) int64 {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	return resp.Status
}

func location(t *testing.T, ctx context.Context) string {
	return value[string](t, ctx, `document.location.pathname + document.location.search`)
}

// signIn runs before (a navigation to the sign-in page, say), fills in
// and submits the sign-in form as the editor, and fails unless that lands
// on want.
func signIn(t *testing.T, ctx context.Context, want string, before ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step(t, ctx, "sign in", append(before,
		chromedp.SendKeys(chromedp.ID("name"), "editor"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	)...)
	if status := submit(t, ctx, `form button[type=submit]`); status != 200 || location(t, ctx) != want {
		t.Fatalf("sign-in: %d at %s", status, location(t, ctx))
	}
}

// checkFormErrors checks that a form sent back with errors lists each of
// wants and that the field with the given id kept the value typed in it.
func checkFormErrors(t *testing.T, ctx context.Context, wants []string, id, typed string) {
	t.Helper()
	errs := value[string](t, ctx, `document.querySelector("#form-errors").textContent`)
	for _, want := range wants {
		if !strings.Contains(errs, want) {
			t.Errorf("errors %q lack %q", errs, want)
		}
	}
	if got := value[string](t, ctx, `document.getElementById("`+id+`").value`); got != typed {
		t.Errorf("the value typed in #%s came back as %q", id, got)
	}
}

// browserTest starts t's own browser, daemon (with the daemon's sample
// feeds) and screenshots, and runs t in parallel with the other browser
// tests: browser and daemon mostly wait.
func browserTest(t *testing.T) (context.Context, *Daemon, *sampleServer, screenshots) {
	t.Helper()
	t.Parallel()
	ctx := newBrowser(t)
	d, samples := browserDaemon(t)
	return ctx, d, samples, newScreenshots(t)
}

// screenshots saves full-page PNGs to $PRESSFEED_SCREENSHOTS, or to the
// test's temporary directory, and logs where.
type screenshots struct {
	t   *testing.T
	dir string
}

func newScreenshots(t *testing.T) screenshots {
	dir := os.Getenv("PRESSFEED_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return screenshots{t, dir}
}

func (s screenshots) take(ctx context.Context, name string) {
	s.t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(s.dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("screenshot: %s", path)
}

// phone and desktop switch the viewport.
var (
	phone   = chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch)
	desktop = chromedp.EmulateViewport(1280, 900)
)

func TestBrowserNewsAndSources(t *testing.T) {
	ctx, d, _, shots := browserTest(t)
	stories := `document.querySelectorAll("article.story").length`
	titles := `Array.from(document.querySelectorAll("article.story h3")).map(e => e.textContent.trim())`

	step(t, ctx, "open the news page", desktop, chromedp.Navigate(d.URL()+"/"))
	all := value[int](t, ctx, stories)
	// The hostile source's item is a story of its own; the demo's
	// inspection release, published by three organisations, is one story.
	if all != sampleStories+1 {
		t.Errorf("%d stories on the page, want %d", all, sampleStories+1)
	}
	badges := value[[]string](t, ctx, `Array.from(document.querySelectorAll(".publishers .badge")).map(e => e.textContent)`)
	if len(badges) != sampleItems+1 {
		t.Errorf("%d publisher badges, want one per item: %d", len(badges), sampleItems+1)
	}
	shared := value[[]string](t, ctx, `Array.from(document.querySelectorAll("article.story")).filter(a => /outstanding/i.test(a.querySelector("h3").textContent)).map(a => Array.from(a.querySelectorAll(".publishers .badge")).map(b => b.textContent.trim()).join(" | "))`)
	if len(shared) != 1 || strings.Count(shared[0], "|") != 2 {
		t.Errorf("the inspection story should appear once with three publishers, got %q", shared)
	}
	if value[int](t, ctx, `document.querySelectorAll('link[rel=alternate][type="application/atom+xml"][href="/feed.atom"]').length`) != 1 {
		t.Error("no Atom autodiscovery link")
	}

	t.Run("a feed title carrying markup renders as text and runs nothing", func(t *testing.T) {
		got := value[[]string](t, ctx, titles)
		found := false
		for _, title := range got {
			if strings.HasPrefix(title, `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`) {
				found = true
			}
		}
		if !found {
			t.Errorf("the hostile title is not shown as text: %q", got)
		}
		if !value[bool](t, ctx, `typeof window.__pwned === "undefined"`) {
			t.Errorf("a script from a feed ran: window.__pwned = %v", value[any](t, ctx, `window.__pwned`))
		}
		if n := value[int](t, ctx, `document.scripts.length + document.querySelectorAll("main img").length`); n != 0 {
			t.Errorf("%d script or img elements on the page", n)
		}
		if !value[bool](t, ctx, `Array.from(document.querySelectorAll(".badge")).some(e => e.textContent.includes("<img src=x onerror="))`) {
			t.Error("the hostile source name is not shown as text")
		}
	})
	shots.take(ctx, "news-desktop")
	step(t, ctx, "phone viewport", phone, chromedp.Navigate(d.URL()+"/"))
	if overflow := value[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the news page scrolls sideways on a phone")
	}
	shots.take(ctx, "news-phone")
	step(t, ctx, "back to desktop", desktop, chromedp.Navigate(d.URL()+"/"))

	t.Run("a filter and a search narrow the stories, and the feed follows", func(t *testing.T) {
		step(t, ctx, "tick commissioners", chromedp.Click(chromedp.CSS(`input[name=kind][value=pcc]`)))
		if status := submit(t, ctx, `.filters button[type=submit]`); status != 200 {
			t.Fatalf("filter: %d", status)
		}
		if loc := location(t, ctx); !strings.Contains(loc, "kind=pcc") {
			t.Errorf("filter URL %s", loc)
		}
		pcc := value[int](t, ctx, stories)
		if pcc == 0 || pcc >= all {
			t.Errorf("kind=pcc shows %d of %d stories", pcc, all)
		}
		step(t, ctx, "type a search", chromedp.SendKeys(chromedp.ID("q"), "outstanding"))
		if status := submit(t, ctx, `.filters button[type=submit]`); status != 200 {
			t.Fatalf("search: %d", status)
		}
		got := value[[]string](t, ctx, titles)
		if len(got) == 0 || len(got) >= pcc {
			t.Errorf("kind=pcc&q=outstanding shows %q", got)
		}
		for _, title := range got {
			if !strings.Contains(strings.ToLower(title), "outstanding") {
				t.Errorf("%q does not match the search", title)
			}
		}
		atom := value[string](t, ctx, `document.querySelector(".subscribe a").getAttribute("href")`)
		if atom != "/feed.atom?kind=pcc&q=outstanding" {
			t.Errorf("subscribe link %q", atom)
		}
		if feed := fetchFeed(t, d.URL()+atom); len(feed.Items) != len(got) || feed.Items[0].Title != got[0] {
			t.Errorf("the view's feed has %d items, the page %d", len(feed.Items), len(got))
		}
		if checked := value[bool](t, ctx, `document.querySelector("input[name=kind][value=pcc]").checked`); !checked {
			t.Error("the form forgot its filter")
		}
	})

	step(t, ctx, "open /sources", chromedp.Navigate(d.URL()+"/sources"))
	if summary := value[string](t, ctx, `document.querySelector(".summary-line strong").textContent`); summary != "5 of 5 sources healthy." {
		t.Errorf("summary %q", summary)
	}
	shots.take(ctx, "sources-desktop")
	step(t, ctx, "phone viewport", phone, chromedp.Navigate(d.URL()+"/sources"))
	if overflow := value[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the sources page scrolls sideways on a phone")
	}
	shots.take(ctx, "sources-phone")
}

func TestBrowserAdminAddsAndDeletesASource(t *testing.T) {
	ctx, d, samples, shots := browserTest(t)

	t.Run("admin without a session leads to sign-in", func(t *testing.T) {
		step(t, ctx, "open /admin", chromedp.Navigate(d.URL()+"/admin"))
		if loc := location(t, ctx); loc != "/admin/signin?next=%2Fadmin" {
			t.Errorf("at %s, want the sign-in page", loc)
		}
	})
	signIn(t, ctx, "/admin")
	shots.take(ctx, "admin-sources")

	t.Run("invalid fields come back named", func(t *testing.T) {
		step(t, ctx, "open the form", chromedp.Navigate(d.URL()+"/admin/sources/new"),
			chromedp.SendKeys(chromedp.ID("f-url"), "ftp://extra.example/"))
		if status := submit(t, ctx, `button[value=preview]`); status != 422 {
			t.Errorf("empty form: %d, want 422", status)
		}
		checkFormErrors(t, ctx, []string{"id: is required", "name: is required", "url: \"ftp://extra.example/\" must start with http:// or https://"},
			"f-url", "ftp://extra.example/")
		shots.take(ctx, "admin-form-errors")
	})
	step(t, ctx, "fill in a new source",
		chromedp.Navigate(d.URL()+"/admin/sources/new"),
		chromedp.SendKeys(chromedp.ID("f-id"), "extra-force"),
		chromedp.SendKeys(chromedp.ID("f-name"), "Extra Force"),
		chromedp.SetValue(chromedp.ID("f-kind"), "force"),
		chromedp.SendKeys(chromedp.ID("f-area"), "Extrashire"),
		chromedp.SendKeys(chromedp.ID("f-url"), samples.URL+"/extra.rss"),
	)
	if status := submit(t, ctx, `button[value=preview]`); status != 200 {
		t.Fatalf("preview: %d", status)
	}
	preview := value[string](t, ctx, `document.querySelector("#preview").textContent`)
	if !strings.Contains(preview, "Extra Force opens new station") || !strings.Contains(preview, "gives 2 items") {
		t.Errorf("preview: %s", preview)
	}
	if _, err := d.DB.Source(context.Background(), "extra-force"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Error("the preview saved the source")
	}
	shots.take(ctx, "admin-preview")
	if status := submit(t, ctx, `#save`); status != 200 || location(t, ctx) != "/admin" {
		t.Fatalf("save: %d at %s", status, location(t, ctx))
	}
	if flash := value[string](t, ctx, `document.querySelector(".flash").textContent`); !strings.Contains(flash, "Saved Extra Force") {
		t.Errorf("flash %q", flash)
	}

	step(t, ctx, "see it on /sources", chromedp.Navigate(d.URL()+"/sources"))
	if !value[bool](t, ctx, `document.getElementById("source-extra-force") !== null`) {
		t.Fatal("the new source is not on /sources")
	}

	t.Run("a POST without the CSRF token is refused", func(t *testing.T) {
		step(t, ctx, "open the delete page", chromedp.Navigate(d.URL()+"/admin/sources/extra-force/delete"))
		value[bool](t, ctx, `(document.querySelector("form.delete input[name=csrf]").remove(), true)`)
		if status := submit(t, ctx, `form.delete button[type=submit]`); status != 403 {
			t.Errorf("delete without a token: %d, want 403", status)
		}
		if text := value[string](t, ctx, `document.querySelector("main").textContent`); !strings.Contains(text, "nothing was changed") {
			t.Errorf("refusal page: %s", text)
		}
		if _, err := d.DB.Source(context.Background(), "extra-force"); err != nil {
			t.Errorf("deleted anyway: %v", err)
		}
	})

	step(t, ctx, "open the delete page", chromedp.Navigate(d.URL()+"/admin/sources/extra-force/delete"))
	if status := submit(t, ctx, `form.delete button[type=submit]`); status != 200 || location(t, ctx) != "/admin" {
		t.Fatalf("delete: %d at %s", status, location(t, ctx))
	}
	step(t, ctx, "check /sources", chromedp.Navigate(d.URL()+"/sources"))
	if value[bool](t, ctx, `document.getElementById("source-extra-force") !== null`) {
		t.Error("the deleted source is still on /sources")
	}
	if _, err := d.DB.Source(context.Background(), "extra-force"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("still stored: %v", err)
	}
	step(t, ctx, "open the audit log", chromedp.Navigate(d.URL()+"/admin/audit"))
	rows := value[[]string](t, ctx, `Array.from(document.querySelectorAll("table.audit tbody tr")).map(r => r.cells[1].textContent.trim() + " " + r.cells[2].textContent.trim())`)
	if want := []string{"editor via web delete extra-force", "editor via web create extra-force"}; fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("audit rows %q, want %q", rows, want)
	}
	shots.take(ctx, "admin-audit")
}

// TestBrowserAlertsPage signs in and uses /admin/alerts: a bad
// subscription comes back with each field named, a good one is listed,
// its preview is the digest, and the page fits a phone.
func TestBrowserAlertsPage(t *testing.T) {
	ctx, d, samples, shots := browserTest(t)
	// A story of today from the hostile source, for the digest to carry.
	samples.mu.Lock()
	samples.files["/hostile.rss"] = []byte(strings.Replace(hostileRSS, "<item>", fmt.Sprintf(
		`<item><title>Fresh appeal</title><link>https://hostile.example/fresh</link><guid>fresh-1</guid><pubDate>%s</pubDate></item><item>`,
		time.Now().UTC().Format(time.RFC1123Z)), 1))
	samples.mu.Unlock()
	src, err := d.DB.Source(context.Background(), "hostile")
	if err != nil {
		t.Fatal(err)
	}
	d.poll(context.Background(), src)
	signIn(t, ctx, "/admin/alerts", chromedp.Navigate(d.URL()+"/admin/signin?next=%2Fadmin%2Falerts"))
	step(t, ctx, "fill in a bad subscription",
		chromedp.SendKeys(chromedp.ID("a-name"), "Morning Digest"),
		chromedp.SendKeys(chromedp.ID("a-to"), "office at pcc"),
		chromedp.SendKeys(chromedp.ID("a-filter"), "kind=army"),
	)
	if status := submit(t, ctx, `form.form button[type=submit]`); status != 422 {
		t.Fatalf("bad subscription: %d, want 422", status)
	}
	checkFormErrors(t, ctx, []string{"name:", "filter:", "to:"}, "a-filter", "kind=army")
	value[bool](t, ctx, `["a-name", "a-to", "a-filter"].forEach(id => document.getElementById(id).value = ""), true`)
	step(t, ctx, "fill in a digest",
		chromedp.SendKeys(chromedp.ID("a-name"), "morning"),
		chromedp.SendKeys(chromedp.ID("a-to"), "office@pcc.example"),
		chromedp.SetValue(chromedp.ID("a-cadence"), "digest"),
		chromedp.SetValue(chromedp.ID("a-days"), "weekdays"),
	)
	if status := submit(t, ctx, `form.form button[type=submit]`); status != 200 {
		t.Fatalf("add: %d", status)
	}
	row := value[string](t, ctx, `document.querySelector("table.alerts tbody tr").textContent`)
	if !strings.Contains(row, "digest 07:30 weekdays") || !strings.Contains(row, "mailto:office@pcc.example") || !strings.Contains(row, "none yet") {
		t.Errorf("row: %s", row)
	}
	step(t, ctx, "look at it on a phone", phone)
	if overflow := value[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the alerts page is wider than a phone")
	}
	shots.take(ctx, "admin-alerts-phone")
	step(t, ctx, "back to the desktop", desktop)
	if status := submit(t, ctx, `table.alerts a[href^="/admin/alerts/preview"]`); status != 200 {
		t.Fatalf("preview: %d", status)
	}
	heads := value[[]string](t, ctx, `Array.from(document.querySelectorAll("h2")).map(h => h.textContent)`)
	if fmt.Sprint(heads) != `[Hostile <img src=x onerror="window.__pwned=4"> Source]` {
		t.Errorf("the preview's organisations %q, want the hostile source's name as text", heads)
	}
	if n := value[int](t, ctx, `document.querySelectorAll("img").length`); n != 0 || !strings.Contains(value[string](t, ctx, `document.body.textContent`), "Fresh appeal") {
		t.Errorf("the preview: %d images; %s", n, value[string](t, ctx, `document.body.textContent`))
	}
	if !value[bool](t, ctx, `window.__pwned === undefined`) {
		t.Error("the hostile source's markup ran in the preview")
	}
	shots.take(ctx, "admin-alerts-preview")
}
