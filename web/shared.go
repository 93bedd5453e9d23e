package web

import (
	"sync/atomic"
	"time"

	"pressfeed"
	"pressfeed/auth"
)

// desk is what the pages, the admin side and the API share: the Options
// they read, with defaults applied, and the session and sign-in state.
type desk struct {
	admin     AdminStore
	scheduler Scheduler
	previewer Previewer
	accounts  atomic.Pointer[auth.Accounts] // swapped by SetAccounts
	sessions  *auth.Sessions
	limiter   *auth.Limiter
	london    *time.Location
	pages     *pages
	stale     time.Duration
}

// Sign-in attempts: five at once per client address, then one every twelve
// seconds (five a minute).
const (
	signinBurst = 5
	signinEvery = 12 * time.Second
)

func (s *Server) initDesk() {
	o := s.opts
	if o.StaleAfter <= 0 {
		o.StaleAfter = 7 * 24 * time.Hour
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	london := pressfeed.London()
	s.desk = desk{
		admin:     o.Admin,
		scheduler: o.Scheduler,
		previewer: o.Previewer,
		limiter:   auth.NewLimiter(signinEvery, signinBurst, o.Now),
		london:    london,
		stale:     o.StaleAfter,
	}
	s.desk.accounts.Store(auth.NewAccounts(o.Accounts))
	var store auth.SessionStore = auth.NewMemorySessions() // no store: nobody can sign in anyway
	if o.Admin != nil {
		store = o.Admin
	}
	s.desk.sessions = auth.NewSessions(o.SessionTTL, o.Now, store, s.desk.accounts.Load)
	s.desk.pages = newPages(s)
}
