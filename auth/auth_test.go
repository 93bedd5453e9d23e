package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"pressfeed/auth"
)

func TestHashPasswordAndVerify(t *testing.T) {
	if _, err := auth.HashPassword("short"); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Errorf("short password: %v", err)
	}
	if _, err := auth.HashPassword(strings.Repeat("x", 73)); err == nil || !strings.Contains(err.Error(), "72") {
		t.Errorf("long password: %v", err)
	}
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$2a$12$") || auth.CheckHash(hash) != nil {
		t.Errorf("hash %q: want bcrypt at cost 12", hash)
	}
	accounts := auth.NewAccounts([]auth.Account{{Name: "admin", PasswordHash: hash}})
	if err := accounts.Verify("admin", "correct horse battery"); err != nil {
		t.Errorf("right password: %v", err)
	}
	for _, tt := range []struct{ name, password string }{{"admin", "wrong horse battery"}, {"editor", "correct horse battery"}, {"", ""}} {
		if err := accounts.Verify(tt.name, tt.password); !errors.Is(err, auth.ErrWrongCredentials) {
			t.Errorf("Verify(%q, %q) = %v, want ErrWrongCredentials", tt.name, tt.password, err)
		}
	}
}

func TestCheckHash(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "is required"},
		{"hunter2", "is not a bcrypt hash"},
		{"$2a$12$tooshort", "is not a valid bcrypt hash"},
	} {
		if err := auth.CheckHash(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckHash(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestTokens(t *testing.T) {
	a, ha := auth.NewToken()
	b, hb := auth.NewToken()
	if a == b || ha == hb || !strings.HasPrefix(a, auth.TokenPrefix) || len(a) < 40 {
		t.Errorf("tokens %q %q", a, b)
	}
	if auth.HashToken(a) != ha || strings.Contains(ha, a) {
		t.Error("hash does not match or contains the token")
	}
	if !auth.Equal(a, a) || auth.Equal(a, b) || auth.Equal("", "") {
		t.Error("Equal")
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestSessionsExpire(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	accounts := auth.NewAccounts([]auth.Account{{Name: "admin", PasswordHash: "$2a$12$first"}})
	s := auth.NewSessions(time.Hour, c.now, auth.NewMemorySessions(), func() *auth.Accounts { return accounts })
	a, _ := s.Create(ctx, "admin")
	b, _ := s.Create(ctx, "admin")
	if a.ID == b.ID || a.CSRF == b.CSRF || a.CSRF == a.ID {
		t.Error("sessions share secrets")
	}
	if got, ok, _ := s.Get(ctx, a.ID); !ok || got.Name != "admin" || got.CSRF != a.CSRF {
		t.Error("live session not found, or with another CSRF token")
	}
	s.SetFlash(a.ID, "Saved.")
	if s.TakeFlash(a.ID) != "Saved." || s.TakeFlash(a.ID) != "" {
		t.Error("flash is not shown exactly once")
	}
	s.Delete(ctx, b.ID)
	if _, ok, _ := s.Get(ctx, b.ID); ok {
		t.Error("deleted session found")
	}
	c.t = c.t.Add(time.Hour)
	if _, ok, _ := s.Get(ctx, a.ID); ok {
		t.Error("expired session found")
	}
}

// TestSessionsEndWithTheirAccount checks that a session ends when its
// account's password changes or the account is removed, and that others
// carry on.
func TestSessionsEndWithTheirAccount(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	accounts := auth.NewAccounts([]auth.Account{{Name: "ann", PasswordHash: "$2a$12$one"}, {Name: "bob", PasswordHash: "$2a$12$two"}})
	s := auth.NewSessions(time.Hour, c.now, auth.NewMemorySessions(), func() *auth.Accounts { return accounts })
	ann, _ := s.Create(ctx, "ann")
	bob, _ := s.Create(ctx, "bob")
	next := auth.NewAccounts([]auth.Account{{Name: "ann", PasswordHash: "$2a$12$changed"}, {Name: "bob", PasswordHash: "$2a$12$two"}, {Name: "cy", PasswordHash: "$2a$12$3"}})
	if added, removed, changed := accounts.Diff(next); fmt.Sprint(added, removed, changed) != "[cy] [] [ann]" {
		t.Errorf("diff: added %v removed %v changed %v", added, removed, changed)
	}
	accounts = next
	if _, ok, _ := s.Get(ctx, ann.ID); ok {
		t.Error("a session outlived its account's password change")
	}
	if _, ok, _ := s.Get(ctx, bob.ID); !ok {
		t.Error("another account's session ended")
	}
	accounts = auth.NewAccounts([]auth.Account{{Name: "ann", PasswordHash: "$2a$12$changed"}})
	if _, ok, _ := s.Get(ctx, bob.ID); ok {
		t.Error("a session outlived its account's removal")
	}
}

func TestLimiter(t *testing.T) {
	c := &clock{time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	l := auth.NewLimiter(10*time.Second, 3, c.now)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("192.0.2.1"); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	ok, wait := l.Allow("192.0.2.1")
	if ok || wait <= 0 || wait > 10*time.Second {
		t.Errorf("fourth attempt: %v, wait %v", ok, wait)
	}
	if ok, _ := l.Allow("192.0.2.2"); !ok {
		t.Error("another address was refused")
	}
	c.t = c.t.Add(10 * time.Second)
	if ok, _ := l.Allow("192.0.2.1"); !ok {
		t.Error("no attempt back after the interval")
	}
	if ok, _ := l.Allow("192.0.2.1"); ok {
		t.Error("more than one attempt back after one interval")
	}
}

func TestLimiterBoundsAllAddresses(t *testing.T) {
	c := &clock{time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	l := auth.NewLimiter(10*time.Second, 1, c.now)
	allowed := 0
	for i := 0; i < 50; i++ {
		if ok, _ := l.Allow(string(rune('a' + i))); ok {
			allowed++
		}
	}
	if allowed != 10 {
		t.Errorf("%d of 50 addresses allowed at once, want the global burst of 10", allowed)
	}
}
