package schedule_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/schedule"
)

func src(id string) pressfeed.Source {
	return pressfeed.Source{ID: id, Name: id, Kind: pressfeed.KindForce, URL: "https://x.example/", Type: pressfeed.TypeFeed, Enabled: true, Schedule: "@every 1h"}
}

// waitFor fails the test if cond is not true within a generous deadline;
// the deadline only catches hangs, it asserts nothing about speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEverySourcePolledAtStartWithBoundedConcurrency(t *testing.T) {
	var (
		mu       sync.Mutex
		polled   = map[string]int{}
		running  atomic.Int32
		maxSeen  atomic.Int32
		release  = make(chan struct{})
		started  = make(chan string, 20)
		disabled = src("off")
	)
	disabled.Enabled = false
	s := schedule.New(func(ctx context.Context, src pressfeed.Source) {
		n := running.Add(1)
		for {
			m := maxSeen.Load()
			if n <= m || maxSeen.CompareAndSwap(m, n) {
				break
			}
		}
		started <- src.ID
		<-release
		running.Add(-1)
		mu.Lock()
		polled[src.ID]++
		mu.Unlock()
	}, schedule.Options{Concurrency: 2})
	var list []pressfeed.Source
	for i := 0; i < 6; i++ {
		list = append(list, src(fmt.Sprintf("s%d", i)))
	}
	list = append(list, disabled)
	if err := s.Sync(list); err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	<-started
	<-started
	close(release)
	waitFor(t, "six polls", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(polled) == 6
	})
	s.Stop(context.Background())
	if maxSeen.Load() > 2 {
		t.Errorf("%d polls ran at once, want at most 2", maxSeen.Load())
	}
	if polled["off"] != 0 {
		t.Error("disabled source was polled")
	}
}

func TestNoOverlappingRunsOfOneSource(t *testing.T) {
	var calls, running, maxRunning atomic.Int32
	block := make(chan struct{})
	s := schedule.New(func(ctx context.Context, src pressfeed.Source) {
		calls.Add(1)
		if n := running.Add(1); n > maxRunning.Load() {
			maxRunning.Store(n)
		}
		<-block
		running.Add(-1)
	}, schedule.Options{Concurrency: 4})
	s.Sync([]pressfeed.Source{src("a")})
	s.Start(context.Background())
	waitFor(t, "first poll", func() bool { return calls.Load() == 1 })
	for i := 0; i < 5; i++ {
		s.PollNow("a")
	}
	close(block)
	s.Stop(context.Background())
	if got := maxRunning.Load(); got != 1 {
		t.Errorf("%d polls of one source ran at once, want 1", got)
	}
}

func TestPutChangedSourcePollsAgainAndRemoveStops(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	s := schedule.New(func(ctx context.Context, src pressfeed.Source) {
		mu.Lock()
		seen = append(seen, src.URL)
		mu.Unlock()
	}, schedule.Options{})
	a := src("a")
	s.Sync([]pressfeed.Source{a})
	s.Start(context.Background())
	defer s.Stop(context.Background())
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
	waitFor(t, "first poll", func() bool { return count() == 1 })

	if err := s.Put(a); err != nil { // unchanged: no extra poll
		t.Fatal(err)
	}
	a.URL = "https://moved.example/"
	if err := s.Put(a); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "poll after change", func() bool { return count() == 2 })
	if next := s.NextRun("a"); next.IsZero() {
		t.Error("no next run for a scheduled source")
	}
	s.Remove("a")
	if s.PollNow("a") {
		t.Error("PollNow of a removed source reported true")
	}
	if !s.NextRun("a").IsZero() {
		t.Error("removed source still has a next run")
	}
	bad := src("b")
	bad.Schedule = "TZ=0"
	if err := s.Put(bad); err == nil {
		t.Error("Put accepted a bad schedule")
	}
	mu.Lock()
	defer mu.Unlock()
	if seen[1] != "https://moved.example/" {
		t.Errorf("second poll used %q", seen[1])
	}
}

func TestPanickingPollDoesNotStopOthers(t *testing.T) {
	var ok atomic.Int32
	s := schedule.New(func(ctx context.Context, src pressfeed.Source) {
		if src.ID == "bad" {
			panic("boom")
		}
		ok.Add(1)
	}, schedule.Options{Concurrency: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.Sync([]pressfeed.Source{src("bad"), src("good1"), src("good2")})
	s.Start(context.Background())
	waitFor(t, "good polls", func() bool { return ok.Load() == 2 })
	s.Stop(context.Background())
}

func TestStopCancelsPollsAtDeadline(t *testing.T) {
	s := schedule.New(func(ctx context.Context, src pressfeed.Source) {
		<-ctx.Done()
	}, schedule.Options{})
	s.Sync([]pressfeed.Source{src("slow")})
	s.Start(context.Background())
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s.Stop(ctx) // returns only because the poll saw its context cancelled
	if s.Running() {
		t.Error("still running after Stop")
	}
}

func TestRunOnce(t *testing.T) {
	var n atomic.Int32
	off := src("off")
	off.Enabled = false
	schedule.RunOnce(context.Background(), []pressfeed.Source{src("a"), src("b"), off}, 1, func(ctx context.Context, src pressfeed.Source) { n.Add(1) })
	if n.Load() != 2 {
		t.Errorf("RunOnce polled %d sources, want 2", n.Load())
	}
}

// TestRunOnceBoundsConcurrency: never more than concurrency polls at once,
// every source polled once; a cancelled context stops handing out sources
// and RunOnce still waits for the polls in flight.
func TestRunOnceBoundsConcurrency(t *testing.T) {
	var list []pressfeed.Source
	for i := range 40 {
		list = append(list, src(fmt.Sprint("s", i)))
	}
	var inFlight, most atomic.Int32
	var mu sync.Mutex
	seen := map[string]int{}
	schedule.RunOnce(context.Background(), list, 3, func(ctx context.Context, s pressfeed.Source) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Millisecond)
		mu.Lock()
		seen[s.ID]++
		mu.Unlock()
	})
	if most.Load() > 3 {
		t.Errorf("%d polls at once, want at most 3", most.Load())
	}
	for _, s := range list {
		if seen[s.ID] != 1 {
			t.Errorf("%s polled %d times", s.ID, seen[s.ID])
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	var polled, running atomic.Int32
	schedule.RunOnce(ctx, list, 2, func(ctx context.Context, s pressfeed.Source) {
		running.Add(1)
		if polled.Add(1) == 4 {
			cancel()
		}
		time.Sleep(time.Millisecond)
		running.Add(-1)
	})
	if got := polled.Load(); got >= int32(len(list)) || got < 4 {
		t.Errorf("after cancelling at the 4th poll, %d of %d polled", got, len(list))
	}
	if running.Load() != 0 {
		t.Error("RunOnce returned with polls still running")
	}
}
