package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"pressfeed"
)

// PollFunc polls one source. It handles and logs its own errors: the
// scheduler only decides when it runs.
type PollFunc func(ctx context.Context, src pressfeed.Source)

// Options tune a Scheduler. Zero values take the defaults noted.
type Options struct {
	DefaultSchedule string       // for sources with none; "@every 10m"
	Concurrency     int          // polls at once across all sources; 4
	Logger          *slog.Logger // slog.Default()
}

// Scheduler runs a PollFunc for each enabled source on the source's schedule.
// Sources can be added, replaced and removed while it runs.
type Scheduler struct {
	poll        PollFunc
	logger      *slog.Logger
	defaultSpec string
	sem         chan struct{}
	cron        *cron.Cron

	mu      sync.Mutex
	entries map[string]entry
	jobs    []*job // jobs.go
	running map[string]bool
	started bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type entry struct {
	id  cron.EntryID
	src pressfeed.Source
}

// New returns a stopped Scheduler that will call poll.
func New(poll PollFunc, opts Options) *Scheduler {
	if opts.DefaultSchedule == "" {
		opts.DefaultSchedule = "@every 10m"
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Scheduler{
		poll:        poll,
		logger:      opts.Logger,
		defaultSpec: opts.DefaultSchedule,
		sem:         make(chan struct{}, opts.Concurrency),
		entries:     make(map[string]entry),
		running:     make(map[string]bool),
	}
	s.cron = cron.New(
		cron.WithLocation(time.UTC),
		cron.WithParser(cronParser{}),
		cron.WithChain(cron.Recover(cronLogger{opts.Logger})),
	)
	return s
}

// Start begins scheduling. Polls run under a context derived from ctx.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.started = true
	s.cron.Start()
	for _, e := range s.entries {
		s.goPoll(e.src)
	}
	for _, j := range s.jobs {
		s.goJob(j)
	}
}

// Running reports whether the scheduler has started and not stopped.
func (s *Scheduler) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// Stop stops scheduling new polls and waits for running ones to finish. When
// ctx ends first, running polls are cancelled and Stop waits for them to
// return. It is safe to call more than once.
func (s *Scheduler) Stop(ctx context.Context) {
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		return
	}
	s.started = false
	s.mu.Unlock()
	<-s.cron.Stop().Done()

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.logger.Warn("shutdown deadline reached, cancelling running polls")
		s.cancel()
		<-done
	}
	s.cancel()
}

// Sync makes the scheduled set equal to the enabled sources in list. A source
// that is new or whose definition changed is polled at once (cron's @every
// would otherwise wait a whole interval); unchanged ones keep their timing.
func (s *Scheduler) Sync(list []pressfeed.Source) error {
	want := make(map[string]pressfeed.Source, len(list))
	for _, src := range list {
		if src.Enabled {
			want[src.ID] = src
		}
	}
	s.mu.Lock()
	var ids []string
	for id := range s.entries {
		if _, ok := want[id]; !ok {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.Remove(id)
	}
	var errs []error
	for _, src := range list {
		if src.Enabled {
			if err := s.Put(src); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("schedule sources: %v", errs)
	}
	return nil
}

// Put schedules src, replacing any earlier definition with the same ID, and
// polls it at once if it is new or changed. A disabled source is removed.
func (s *Scheduler) Put(src pressfeed.Source) error {
	if !src.Enabled {
		s.Remove(src.ID)
		return nil
	}
	spec := src.Schedule
	if spec == "" {
		spec = s.defaultSpec
	}
	sched, err := Parse(spec)
	if err != nil {
		return fmt.Errorf("source %s: %w", src.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.entries[src.ID]; ok {
		if reflect.DeepEqual(old.src, src) {
			return nil
		}
		s.cron.Remove(old.id)
	}
	id := s.cron.Schedule(sched, cron.FuncJob(func() { s.runByID(src.ID) }))
	s.entries[src.ID] = entry{id: id, src: src}
	if s.started {
		s.goPoll(src)
	}
	return nil
}

// Remove stops scheduling the source with id. A poll already running is left
// to finish.
func (s *Scheduler) Remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[id]; ok {
		s.cron.Remove(e.id)
		delete(s.entries, id)
	}
}

// PollNow starts a poll of the scheduled source id at once, outside its
// schedule. It reports false if the source is not scheduled or the scheduler
// is not running.
func (s *Scheduler) PollNow(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || !s.started {
		return false
	}
	s.goPoll(e.src)
	return true
}

// NextRun returns when the source id is next due, or the zero time.
func (s *Scheduler) NextRun(id string) time.Time {
	s.mu.Lock()
	e, ok := s.entries[id]
	s.mu.Unlock()
	if !ok {
		return time.Time{}
	}
	return s.cron.Entry(e.id).Next
}

// goPoll runs src in its own goroutine; s.mu must be held.
func (s *Scheduler) goPoll(src pressfeed.Source) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run(src)
	}()
}

func (s *Scheduler) runByID(id string) {
	s.mu.Lock()
	e, ok := s.entries[id]
	ok = ok && s.started
	if ok {
		s.wg.Add(1)
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	defer s.wg.Done()
	s.run(e.src)
}

// run polls src unless a poll of it is already running, waiting for a
// concurrency slot first.
func (s *Scheduler) run(src pressfeed.Source) {
	s.mu.Lock()
	if s.running[src.ID] {
		s.mu.Unlock()
		s.logger.Debug("poll skipped, previous still running", "source", src.ID)
		return
	}
	s.running[src.ID] = true
	ctx := s.ctx
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, src.ID)
		s.mu.Unlock()
	}()

	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-s.sem }()
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("poll panicked", "source", src.ID, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	s.poll(ctx, src)
}

// RunOnce polls every enabled source in list once, at most concurrency at a
// time, and returns when all have finished or ctx ends.
func RunOnce(ctx context.Context, list []pressfeed.Source, concurrency int, poll PollFunc) {
	if concurrency <= 0 {
		concurrency = 4
	}
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for _, src := range list {
		if !src.Enabled {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			poll(ctx, src)
		}()
	}
	wg.Wait()
}

// cronParser adapts Parse to cron's ScheduleParser so every spec, however it
// reaches cron, gets the same checks and panic recovery.
type cronParser struct{}

func (cronParser) Parse(spec string) (cron.Schedule, error) { return Parse(spec) }

// cronLogger adapts slog to cron's logger for its panic recovery.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug(msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error(msg, append(kv, "error", err)...)
}
