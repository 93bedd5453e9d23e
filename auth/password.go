// Package auth holds what signing in needs and nothing of HTTP: bcrypt
// password hashes for admin accounts, API tokens stored as hashes,
// sessions (kept through a SessionStore) with their CSRF tokens, and a rate limiter for sign-in
// attempts. It is the only package that imports golang.org/x/crypto/bcrypt
// and golang.org/x/time/rate.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Cost is the bcrypt cost of new password hashes: about a quarter of a
// second per sign-in on a small server, which is slow enough for an
// attacker who steals the settings file and fast enough for a person.
const Cost = 12

// MinPasswordLength is the fewest characters HashPassword accepts.
const MinPasswordLength = 12

// ErrWrongCredentials is returned by Verify for an unknown name or a wrong
// password; it does not say which.
var ErrWrongCredentials = errors.New("wrong name or password")

// HashPassword returns a bcrypt hash of password for an [[admin]] table. It
// returns an error when the password is shorter than MinPasswordLength
// characters or longer than bcrypt's 72 bytes.
func HashPassword(password string) (string, error) {
	if n := utf8.RuneCountInString(password); n < MinPasswordLength {
		return "", fmt.Errorf("password is %d characters; use at least %d", n, MinPasswordLength)
	}
	if len(password) > 72 {
		return "", fmt.Errorf("password is %d bytes; bcrypt reads at most 72", len(password))
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), Cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckHash reports why s is not a bcrypt hash Verify can use, or nil.
func CheckHash(s string) error {
	if s == "" {
		return errors.New("is required (pressfeed admin hash-password prints one)")
	}
	if !strings.HasPrefix(s, "$2") {
		return errors.New("is not a bcrypt hash (it should start with $2a$, $2b$ or $2y$; pressfeed admin hash-password prints one)")
	}
	if _, err := bcrypt.Cost([]byte(s)); err != nil {
		return fmt.Errorf("is not a valid bcrypt hash: %v", err)
	}
	return nil
}

// Account is one admin who may sign in.
type Account struct {
	Name         string
	PasswordHash string
}

// Accounts checks names and passwords against the configured accounts. It
// is safe for concurrent use.
type Accounts struct {
	hashes map[string][]byte

	dummyOnce sync.Once
	dummy     []byte
}

// NewAccounts returns the accounts in list. Hashes are not checked here;
// the settings are validated with CheckHash when they are read.
func NewAccounts(list []Account) *Accounts {
	a := &Accounts{hashes: make(map[string][]byte, len(list))}
	for _, acc := range list {
		a.hashes[acc.Name] = []byte(acc.PasswordHash)
	}
	return a
}

// fingerprint identifies the password account name has now, for sessions
// to notice a change; "" for no such account.
func (a *Accounts) fingerprint(name string) string {
	hash, ok := a.hashes[name]
	if !ok {
		return ""
	}
	sum := sha256.Sum256(append([]byte("pressfeed account\x00"), hash...))
	return hex.EncodeToString(sum[:16])
}

// Diff lists the accounts in next that a lacks (added), those of a that
// next lacks (removed), and those in both whose password hash differs
// (changed), each sorted.
func (a *Accounts) Diff(next *Accounts) (added, removed, changed []string) {
	for name, h := range next.hashes {
		old, ok := a.hashes[name]
		switch {
		case !ok:
			added = append(added, name)
		case string(old) != string(h):
			changed = append(changed, name)
		}
	}
	for name := range a.hashes {
		if _, ok := next.hashes[name]; !ok {
			removed = append(removed, name)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	slices.Sort(changed)
	return added, removed, changed
}

// Len returns the number of accounts; zero means nobody can sign in.
func (a *Accounts) Len() int { return len(a.hashes) }

// Verify returns nil when password is the password of the account called
// name, and ErrWrongCredentials otherwise. An unknown name costs as much
// time as a known one, so timing does not tell which names exist.
func (a *Accounts) Verify(name, password string) error {
	hash, ok := a.hashes[name]
	if !ok {
		a.dummyOnce.Do(func() {
			a.dummy, _ = bcrypt.GenerateFromPassword([]byte(randomString(16)), Cost)
		})
		hash = a.dummy
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !ok {
		return ErrWrongCredentials
	}
	return nil
}

// TokenPrefix starts every API token, so one found in a log or a paste is
// recognisable.
const TokenPrefix = "pft_"

// NewToken returns a new API token and the hash to store for it.
func NewToken() (token, hash string) {
	token = TokenPrefix + randomString(32)
	return token, HashToken(token)
}

// HashToken returns the stored form of token: hex SHA-256. Tokens carry 256
// random bits, so a fast hash is enough and lets the store look them up.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool {
	return len(a) > 0 && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// randomString returns n random bytes, base64url-encoded. crypto/rand.Read
// does not fail on the platforms Go supports.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewSecret returns a random string for a form's CSRF cookie and field.
func NewSecret() string { return randomString(32) }
