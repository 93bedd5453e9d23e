package schedule

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"github.com/robfig/cron/v3"
)

// AddJob runs fn on spec (the same dialect as sources) while the scheduler
// runs, and once at Start, for housekeeping such as retention. A run that
// would overlap the previous one is skipped. fn gets the scheduler's
// context, so Stop waits for a running job and cancels it at the deadline,
// as it does polls. Jobs take no concurrency slot: they are not polls.
func (s *Scheduler) AddJob(name, spec string, fn func(ctx context.Context)) error {
	sched, err := Parse(spec)
	if err != nil {
		return fmt.Errorf("job %s: %w", name, err)
	}
	j := &job{name: name, fn: fn}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cron.Schedule(sched, cron.FuncJob(func() { s.runJob(j) }))
	s.jobs = append(s.jobs, j)
	if s.started {
		s.goJob(j)
	}
	return nil
}

type job struct {
	name    string
	fn      func(ctx context.Context)
	running atomic.Bool
}

// goJob runs j in its own goroutine; s.mu must be held.
func (s *Scheduler) goJob(j *job) {
	s.wg.Add(1)
	ctx := s.ctx
	go func() {
		defer s.wg.Done()
		s.execJob(j, ctx)
	}()
}

func (s *Scheduler) runJob(j *job) {
	s.mu.Lock()
	ok := s.started
	if ok {
		s.wg.Add(1)
	}
	ctx := s.ctx
	s.mu.Unlock()
	if !ok {
		return
	}
	defer s.wg.Done()
	s.execJob(j, ctx)
}

func (s *Scheduler) execJob(j *job, ctx context.Context) {
	if !j.running.CompareAndSwap(false, true) {
		s.logger.Debug("job skipped, previous still running", "job", j.name)
		return
	}
	defer j.running.Store(false)
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("job panicked", "job", j.name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	j.fn(ctx)
}
