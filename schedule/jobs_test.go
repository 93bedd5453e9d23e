package schedule_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/schedule"
)

func TestJobRunsAtStartAndStopCancelsIt(t *testing.T) {
	s := schedule.New(func(context.Context, pressfeed.Source) {}, schedule.Options{})
	var runs atomic.Int32
	started := make(chan struct{}, 1)
	var cause atomic.Value
	err := s.AddJob("housekeeping", "@daily", func(ctx context.Context) {
		runs.Add(1)
		started <- struct{}{}
		<-ctx.Done() // a long job that only stops when told
		cause.Store(ctx.Err())
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("job did not run at start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s.Stop(ctx) // returns only once the job has returned
	if got := runs.Load(); got != 1 {
		t.Errorf("job ran %d times, want 1", got)
	}
	if err, _ := cause.Load().(error); !errors.Is(err, context.Canceled) {
		t.Errorf("job's context ended with %v, want cancelled at the deadline", err)
	}
}

func TestJobAddedWhileRunningRunsAtOnce(t *testing.T) {
	s := schedule.New(func(context.Context, pressfeed.Source) {}, schedule.Options{})
	s.Start(context.Background())
	defer s.Stop(context.Background())
	var runs atomic.Int32
	if err := s.AddJob("late", "@hourly", func(context.Context) { runs.Add(1) }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the job's first run", func() bool { return runs.Load() == 1 })
}

func TestJobWithBadSpec(t *testing.T) {
	s := schedule.New(func(context.Context, pressfeed.Source) {}, schedule.Options{})
	err := s.AddJob("retention", "every day please", func(context.Context) {})
	if err == nil || err.Error() == "" {
		t.Fatal("a bad spec was accepted")
	}
	if got := err.Error(); got[:len("job retention:")] != "job retention:" {
		t.Errorf("error %q does not name the job", got)
	}
}
