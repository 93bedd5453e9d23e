package auth

import (
	"sync"
	"time"
)

// Session is one signed-in admin. Its CSRF token goes into every form the
// admin is shown and must come back with every change.
type Session struct {
	ID      string
	Name    string
	CSRF    string
	Expires time.Time
}

// Sessions keeps sessions in memory: a restart signs everyone out, which
// costs an admin one sign-in and keeps session secrets out of the store. It
// is safe for concurrent use.
type Sessions struct {
	ttl time.Duration
	now func() time.Time

	mu     sync.Mutex
	byID   map[string]*entry
	lastGC time.Time
}

type entry struct {
	Session
	flash string
}

// NewSessions returns an empty session table whose sessions last ttl from
// sign-in, measured with now.
func NewSessions(ttl time.Duration, now func() time.Time) *Sessions {
	return &Sessions{ttl: ttl, now: now, byID: make(map[string]*entry)}
}

// Create starts a session for the account name.
func (s *Sessions) Create(name string) Session {
	now := s.now()
	sess := Session{ID: randomString(32), Name: name, CSRF: randomString(32), Expires: now.Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gc(now)
	s.byID[sess.ID] = &entry{Session: sess}
	return sess
}

// Get returns the live session with id.
func (s *Sessions) Get(id string) (Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[id]
	if !ok {
		return Session{}, false
	}
	if !s.now().Before(e.Expires) {
		delete(s.byID, id)
		return Session{}, false
	}
	return e.Session, true
}

// Delete ends the session with id, if there is one.
func (s *Sessions) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// SetFlash keeps a message to show on the session's next page.
func (s *Sessions) SetFlash(id, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byID[id]; ok {
		e.flash = msg
	}
}

// TakeFlash returns the session's message and forgets it.
func (s *Sessions) TakeFlash(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[id]
	if !ok {
		return ""
	}
	msg := e.flash
	e.flash = ""
	return msg
}

// gc drops expired sessions at most once a minute; s.mu must be held.
func (s *Sessions) gc(now time.Time) {
	if now.Sub(s.lastGC) < time.Minute {
		return
	}
	s.lastGC = now
	for id, e := range s.byID {
		if !now.Before(e.Expires) {
			delete(s.byID, id)
		}
	}
}
