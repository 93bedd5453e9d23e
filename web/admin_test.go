package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"pressfeed"
)

func TestAdminLockedWithoutAccounts(t *testing.T) {
	d := newDesk(t, deskOptions{noAccounts: true})
	b := d.browser()
	for _, path := range []string{"/admin", "/admin/signin", "/admin/sources/new", "/admin/audit"} {
		resp := b.get(path)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "pressfeed admin hash-password") || !strings.Contains(resp.Body, "[[admin]]") {
			t.Errorf("GET %s: %d, want 403 saying how to configure an admin:\n%s", path, resp.StatusCode, resp.Body)
		}
	}
	resp := b.post("/admin/signin", url.Values{"name": {adminName}, "password": {adminPassword}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /admin/signin with no accounts: %d, want 403", resp.StatusCode)
	}
	if c := resp.Header.Get("Set-Cookie"); strings.Contains(c, "pressfeed_session") {
		t.Errorf("a session cookie was set: %s", c)
	}
}

func TestAdminWithoutSessionLeadsToSignIn(t *testing.T) {
	d := newDesk(t, deskOptions{})
	b := d.browser()
	resp := b.get("/admin/audit?source=x")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/signin?next=%2Fadmin%2Faudit%3Fsource%3Dx" {
		t.Fatalf("GET /admin/audit: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A change without a session is refused, and nothing is stored.
	resp = b.post("/admin/sources/new", sourceForm("x", pressfeed.Source{ID: "new-one", Name: "N", Kind: "force", URL: d.Feeds.URL + "/press.rss", Type: "feed"}, "save", ""))
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without a session: %d, want 401", resp.StatusCode)
	}
	if _, err := d.DB.Source(context.Background(), "new-one"); !errors.Is(err, pressfeed.ErrNotFound) {
		t.Errorf("source stored without a session: %v", err)
	}
	// After sign-in the browser goes where it was going.
	form := b.get("/admin/signin?next=%2Fadmin%2Faudit")
	resp = b.post("/admin/signin", url.Values{"csrf": {field(t, csrfRE, form.Body)}, "name": {adminName}, "password": {adminPassword}, "next": {"/admin/audit"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/audit" {
		t.Errorf("sign-in with next: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSignIn(t *testing.T) {
	d := newDesk(t, deskOptions{})

	t.Run("wrong password is 401 and logged without it", func(t *testing.T) {
		b := d.browser()
		form := b.get("/admin/signin")
		resp := b.post("/admin/signin", url.Values{"csrf": {field(t, csrfRE, form.Body)}, "name": {adminName}, "password": {"not-the-password-xyzzy"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Body, "Wrong name or password") {
			t.Errorf("%d, want 401 saying so", resp.StatusCode)
		}
		if !strings.Contains(d.Logs.String(), "sign-in failed") || strings.Contains(d.Logs.String(), "xyzzy") {
			t.Errorf("log should record the failure without the password:\n%s", d.Logs.String())
		}
	})
	t.Run("unknown name is 401", func(t *testing.T) {
		b := d.browser()
		form := b.get("/admin/signin")
		resp := b.post("/admin/signin", url.Values{"csrf": {field(t, csrfRE, form.Body)}, "name": {"nobody"}, "password": {adminPassword}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%d, want 401", resp.StatusCode)
		}
	})
	t.Run("missing CSRF token is 403", func(t *testing.T) {
		b := d.browser()
		b.get("/admin/signin")
		resp := b.post("/admin/signin", url.Values{"name": {adminName}, "password": {adminPassword}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%d, want 403", resp.StatusCode)
		}
	})
	t.Run("session cookie flags", func(t *testing.T) {
		b := d.browser()
		form := b.get("/admin/signin")
		resp := b.post("/admin/signin", url.Values{"csrf": {field(t, csrfRE, form.Body)}, "name": {adminName}, "password": {adminPassword}})
		var cookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "pressfeed_session" {
				cookie = c
			}
		}
		if cookie == nil {
			t.Fatal("no session cookie")
		}
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/admin" || cookie.Secure {
			t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/admin, not Secure over plain HTTP", cookie)
		}
	})
	t.Run("sign-out ends the session", func(t *testing.T) {
		b := d.browser()
		csrf := b.signIn()
		if resp := b.post("/admin/signout", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", resp.StatusCode)
		}
		if resp := b.get("/admin"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("after sign-out /admin: %d, want a redirect to sign-in", resp.StatusCode)
		}
	})
}

func TestSessionCookieSecureBehindHTTPS(t *testing.T) {
	d := newDesk(t, deskOptions{baseURL: "https://news.example"})
	b := d.browser()
	form := b.get("/admin/signin")
	resp := b.post("/admin/signin", url.Values{"csrf": {field(t, csrfRE, form.Body)}, "name": {adminName}, "password": {adminPassword}})
	for _, c := range resp.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s is not Secure under an https base URL", c.Name)
		}
	}
}

// TestSignInLimitBehindATrustedProxy: behind a proxy listed in
// TrustedProxies, attempts count against the client X-Forwarded-For names
// (the rightmost address that is not a trusted proxy), so one client's
// failures do not lock out another; without the setting the header is
// ignored, so a client cannot dodge the limit by inventing addresses.
func TestSignInLimitBehindATrustedProxy(t *testing.T) {
	attempt := func(b *browser, forwarded string) response {
		form := b.get("/admin/signin")
		req, _ := http.NewRequest("POST", b.base+"/admin/signin", strings.NewReader(url.Values{
			"csrf": {field(t, csrfRE, form.Body)}, "name": {adminName}, "password": {"wrong"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", forwarded)
		return b.do(req)
	}
	exhaust := func(d *desk, forwarded string) {
		b := d.browser()
		for i := 0; i < 5; i++ {
			if resp := attempt(b, forwarded); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("attempt %d from %s: %d, want 401", i+1, forwarded, resp.StatusCode)
			}
		}
		if resp := attempt(b, forwarded); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("sixth attempt from %s: %d, want 429", forwarded, resp.StatusCode)
		}
	}

	d := newDesk(t, deskOptions{proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}})
	// The client claims 192.0.2.99; the trusted 10.1.1.1 hop says it came from 203.0.113.5.
	exhaust(d, "192.0.2.99, 203.0.113.5, 10.1.1.1")
	if !strings.Contains(d.Logs.String(), "remote=203.0.113.5") {
		t.Errorf("the refusal does not name the forwarded client:\n%s", d.Logs.String())
	}
	if resp := attempt(d.browser(), "203.0.113.6"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("another client behind the proxy: %d, want 401 (not limited)", resp.StatusCode)
	}
	if resp := attempt(d.browser(), "198.51.100.1, 203.0.113.5"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the limited client prepending an address: %d, want 429", resp.StatusCode)
	}

	d = newDesk(t, deskOptions{})
	exhaust(d, "203.0.113.5")
	if resp := attempt(d.browser(), "203.0.113.6"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("X-Forwarded-For from an untrusted peer was believed: %d, want 429", resp.StatusCode)
	}
}

func TestSignInIsRateLimited(t *testing.T) {
	d := newDesk(t, deskOptions{})
	b := d.browser()
	var last response
	for i := 0; i < 6; i++ {
		form := b.get("/admin/signin")
		last = b.post("/admin/signin", url.Values{"csrf": {field(t, csrfRE, form.Body)}, "name": {adminName}, "password": {"wrong password " + string(rune('a'+i))}})
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: %d Retry-After %q, want 429 with Retry-After", last.StatusCode, last.Header.Get("Retry-After"))
	}
	// Even the right password waits its turn...
	form := b.get("/admin/signin")
	if resp := b.post("/admin/signin", url.Values{"csrf": {field(t, csrfRE, form.Body)}, "name": {adminName}, "password": {adminPassword}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while limited: %d, want 429", resp.StatusCode)
	}
	// ...and gets in once the server's clock has moved on.
	d.clock.Advance(signinWait)
	b.signIn()
}

// signinWait is how long one more sign-in attempt takes to come back.
const signinWait = 13e9

func TestCSRFIsRequiredForChanges(t *testing.T) {
	d := newDesk(t, deskOptions{sources: []pressfeed.Source{{ID: "force-a", Name: "Force A", Kind: "force", URL: "https://a.example/feed", Type: "feed", Enabled: true}}})
	old := d.browser()
	staleToken := old.signIn()
	b := d.browser()
	csrf := b.signIn()
	if csrf == staleToken {
		t.Fatal("two sessions share a CSRF token")
	}
	tests := []struct {
		name  string
		token string
	}{
		{"missing", ""},
		{"another session's", staleToken},
		{"made up", "AAAA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{}
			if tt.token != "" {
				form.Set("csrf", tt.token)
			}
			for _, path := range []string{"/admin/sources/force-a/disable", "/admin/sources/force-a/delete"} {
				resp := b.post(path, form)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "nothing was changed") {
					t.Errorf("POST %s: %d, want 403 saying nothing changed", path, resp.StatusCode)
				}
			}
			src, err := d.DB.Source(context.Background(), "force-a")
			if err != nil || !src.Enabled {
				t.Errorf("source changed anyway: %+v %v", src, err)
			}
		})
	}
	if !strings.Contains(d.Logs.String(), "csrf token missing") || !strings.Contains(d.Logs.String(), "csrf token stale") {
		t.Errorf("refusals not logged:\n%s", d.Logs.String())
	}
	if strings.Contains(d.Logs.String(), staleToken) {
		t.Error("a CSRF token reached the log")
	}
}
