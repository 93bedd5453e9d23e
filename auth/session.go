package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"pressfeed"
)

// Session is one signed-in admin. Its CSRF token goes into every form the
// admin is shown and must come back with every change.
type Session struct {
	ID      string
	Name    string
	CSRF    string
	Expires time.Time
}

// SessionStore keeps sessions, so they outlive a restart. Get reports
// false for a hash it does not hold. Implementations are safe for
// concurrent use.
type SessionStore interface {
	PutSession(ctx context.Context, s pressfeed.AdminSession) error
	GetSession(ctx context.Context, hash string) (pressfeed.AdminSession, bool, error)
	DeleteSession(ctx context.Context, hash string) error
	// PruneSessions deletes the sessions expired at now.
	PruneSessions(ctx context.Context, now time.Time) (int, error)
}

// Sessions signs admins in and out over a SessionStore. A session ends at
// its expiry, at sign-out, and as soon as its account is removed from the
// settings or its password changes. Flash messages (shown once, on the
// next page) stay in memory: a restart loses at most one of them. It is
// safe for concurrent use.
type Sessions struct {
	ttl      time.Duration
	now      func() time.Time
	store    SessionStore
	accounts func() *Accounts // the accounts in force now

	mu      sync.Mutex
	flashes map[string]string // session hash → message
	lastGC  time.Time
}

// NewSessions returns sessions lasting ttl from sign-in, measured with
// now, kept in store and checked against the accounts accounts returns.
func NewSessions(ttl time.Duration, now func() time.Time, store SessionStore, accounts func() *Accounts) *Sessions {
	return &Sessions{ttl: ttl, now: now, store: store, accounts: accounts, flashes: make(map[string]string)}
}

// hashID is the stored form of a session id.
func hashID(id string) string {
	sum := sha256.Sum256([]byte("pressfeed session\x00" + id))
	return hex.EncodeToString(sum[:])
}

// csrfFor derives a session's CSRF token from its id, so nothing about it
// need be stored and it is as secret as the id.
func csrfFor(id string) string {
	sum := sha256.Sum256([]byte("pressfeed csrf\x00" + id))
	return hex.EncodeToString(sum[:])
}

// Create starts a session for the account name.
func (s *Sessions) Create(ctx context.Context, name string) (Session, error) {
	now := s.now()
	id := randomString(32)
	sess := Session{ID: id, Name: name, CSRF: csrfFor(id), Expires: now.Add(s.ttl)}
	err := s.store.PutSession(ctx, pressfeed.AdminSession{Hash: hashID(id), Name: name, Created: now, Expires: sess.Expires,
		Account: s.accounts().fingerprint(name)})
	if err != nil {
		return Session{}, err
	}
	s.gc(ctx, now)
	return sess, nil
}

// Get returns the live session with id: one that has not expired, whose
// account exists and has the password it had at sign-in.
func (s *Sessions) Get(ctx context.Context, id string) (Session, bool, error) {
	if id == "" {
		return Session{}, false, nil
	}
	st, ok, err := s.store.GetSession(ctx, hashID(id))
	if err != nil || !ok {
		return Session{}, false, err
	}
	if !s.now().Before(st.Expires) || st.Account == "" || st.Account != s.accounts().fingerprint(st.Name) {
		return Session{}, false, s.store.DeleteSession(ctx, hashID(id))
	}
	return Session{ID: id, Name: st.Name, CSRF: csrfFor(id), Expires: st.Expires}, true, nil
}

// Delete ends the session with id, if there is one.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	delete(s.flashes, hashID(id))
	s.mu.Unlock()
	return s.store.DeleteSession(ctx, hashID(id))
}

// SetFlash keeps a message to show on the session's next page.
func (s *Sessions) SetFlash(id, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flashes[hashID(id)] = msg
}

// TakeFlash returns the session's message and forgets it.
func (s *Sessions) TakeFlash(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := hashID(id)
	msg := s.flashes[h]
	delete(s.flashes, h)
	return msg
}

// gc drops expired sessions at most once a minute, and flashes nobody
// took (their sessions may be gone).
func (s *Sessions) gc(ctx context.Context, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.lastGC) >= time.Minute
	if due {
		s.lastGC = now
		if len(s.flashes) > 1024 {
			clear(s.flashes)
		}
	}
	s.mu.Unlock()
	if due {
		s.store.PruneSessions(ctx, now) // best effort: Get refuses expired ones anyway
	}
}

// MemorySessions is a SessionStore in memory, for servers without a store
// (a restart signs everyone out) and for tests.
type MemorySessions struct {
	mu sync.Mutex
	m  map[string]pressfeed.AdminSession
}

// NewMemorySessions returns an empty MemorySessions.
func NewMemorySessions() *MemorySessions {
	return &MemorySessions{m: make(map[string]pressfeed.AdminSession)}
}

// PutSession implements SessionStore.
func (m *MemorySessions) PutSession(_ context.Context, s pressfeed.AdminSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[s.Hash] = s
	return nil
}

// GetSession implements SessionStore.
func (m *MemorySessions) GetSession(_ context.Context, hash string) (pressfeed.AdminSession, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[hash]
	return s, ok, nil
}

// DeleteSession implements SessionStore.
func (m *MemorySessions) DeleteSession(_ context.Context, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, hash)
	return nil
}

// PruneSessions implements SessionStore.
func (m *MemorySessions) PruneSessions(_ context.Context, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for h, s := range m.m {
		if !now.Before(s.Expires) {
			delete(m.m, h)
			n++
		}
	}
	return n, nil
}
