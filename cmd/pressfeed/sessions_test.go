package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// admin is a browser signed in to a running daemon: a cookie jar that does
// not follow redirects.
type admin struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newAdmin(t *testing.T, base string) *admin {
	jar, _ := cookiejar.New(nil)
	return &admin{t: t, base: base, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var formCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn tries name and password and returns the answer's status: 303 on
// success.
func (a *admin) signIn(name, password string) int {
	a.t.Helper()
	resp, err := a.c.Get(a.base + "/admin/signin")
	if err != nil {
		a.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := formCSRF.FindSubmatch(body)
	if m == nil {
		a.t.Fatalf("no sign-in form:\n%s", body)
	}
	resp, err = a.c.PostForm(a.base+"/admin/signin", url.Values{"csrf": {string(m[1])}, "name": {name}, "password": {password}})
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// home returns the status of GET /admin: 200 when signed in, 303 to the
// sign-in page when not.
func (a *admin) home() int {
	a.t.Helper()
	resp, err := a.c.Get(a.base + "/admin")
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// rebase points a at a restarted daemon's address, keeping its cookies.
func (a *admin) rebase(base string) {
	old, _ := url.Parse(a.base)
	next, _ := url.Parse(base)
	a.c.Jar.SetCookies(next, a.c.Jar.Cookies(&url.URL{Scheme: "http", Host: old.Host, Path: "/admin"}))
	a.base = base
}

func cheapHash(t *testing.T, password string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// TestBinarySessionsSurviveRestartsAndFollowReloads signs two admins in to
// the real daemon, restarts it on the same store (their cookies still
// work: sessions live in the store, hashed), then reloads the settings
// with SIGHUP: a password change ends that account's sessions and the new
// password signs in; a removed account's session ends and it can no longer
// sign in, while the other account carries on.
func TestBinarySessionsSurviveRestartsAndFollowReloads(t *testing.T) {
	samples := newSampleServer(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "bin.db")
	annHash, bobHash := cheapHash(t, "ann's first password"), cheapHash(t, "bob's only password")
	annHash2 := cheapHash(t, "ann's second password")
	write := func(admins ...[2]string) string {
		var b strings.Builder
		for _, a := range admins {
			fmt.Fprintf(&b, "[[admin]]\nname = %q\npassword_hash = %q\n", a[0], a[1])
		}
		return writeSettings(t, dir, samples, b.String())
	}
	settings := write([2]string{"ann", annHash}, [2]string{"bob", bobHash})

	s := startServe(t, settings, db)
	ann, bob := newAdmin(t, s.url), newAdmin(t, s.url)
	if ann.signIn("ann", "ann's first password") != http.StatusSeeOther || bob.signIn("bob", "bob's only password") != http.StatusSeeOther {
		t.Fatalf("sign-in failed:\n%s", s.stderr.String())
	}
	s.stop(t)
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []*admin{ann, bob} {
		u, _ := url.Parse(a.base + "/admin")
		for _, c := range a.c.Jar.Cookies(u) {
			if strings.Contains(string(raw), c.Value) {
				t.Errorf("the store holds cookie %s's value itself", c.Name)
			}
		}
	}

	s = startServe(t, settings, db)
	ann.rebase(s.url)
	bob.rebase(s.url)
	if ann.home() != http.StatusOK || bob.home() != http.StatusOK {
		t.Fatalf("a restart signed the admins out:\n%s", s.stderr.String())
	}

	// Ann's password changes: her session ends, the new password works.
	write([2]string{"ann", annHash2}, [2]string{"bob", bobHash})
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitLog(t, `msg="admin accounts reloaded"`, 1)
	if !strings.Contains(s.stderr.String(), "password_changed=[ann]") {
		t.Errorf("the reload does not say whose password changed:\n%s", s.stderr.String())
	}
	if ann.home() != http.StatusSeeOther || bob.home() != http.StatusOK {
		t.Errorf("after ann's password change: ann %d (want 303), bob %d (want 200)", ann.home(), bob.home())
	}
	if ann.signIn("ann", "ann's first password") != http.StatusUnauthorized || ann.signIn("ann", "ann's second password") != http.StatusSeeOther {
		t.Error("the old password still signs in, or the new one does not")
	}

	// Bob is removed: his session ends and he cannot sign in.
	write([2]string{"ann", annHash2})
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitLog(t, `msg="admin accounts reloaded"`, 2)
	if !strings.Contains(s.stderr.String(), "removed=[bob]") || strings.Contains(s.stderr.String(), "$2a$") {
		t.Errorf("the reload does not name the removed account, or logs a hash:\n%s", s.stderr.String())
	}
	if bob.home() != http.StatusSeeOther || bob.signIn("bob", "bob's only password") != http.StatusUnauthorized {
		t.Error("a removed account is still signed in or can sign in")
	}
	if ann.home() != http.StatusOK {
		t.Error("ann's new session ended with bob's removal")
	}
	s.stop(t)
}
