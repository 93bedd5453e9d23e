package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// daemon is a running `pressfeed serve` on the bench's store.
type daemon struct {
	cmd     *exec.Cmd
	url     string        // its base URL, from the control file
	startup time.Duration // until its start-up cycle had logged every source

	mu    sync.Mutex
	polls int       // poll lines logged so far
	last  time.Time // when the last one was read
	done  chan struct{}
}

// startDaemon starts `pressfeed serve` with the given settings (naming the
// store db and its sources) and waits for its start-up cycle (every source
// polled once), so what is measured next is a quiet daemon.
func (b *bench) startDaemon(ctx context.Context, settings, db string, sources int) (*daemon, error) {
	cmd := exec.CommandContext(ctx, b.bin, "serve", "-config", settings, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	go d.read(stderr)
	if err := d.waitPolls(sources, 5*time.Minute); err != nil {
		d.stop()
		return nil, fmt.Errorf("start-up cycle: %w", err)
	}
	d.startup = time.Since(start)
	var ctl struct{ URL string }
	data, err := os.ReadFile(db + ".control")
	if err == nil {
		err = json.Unmarshal(data, &ctl)
	}
	if err != nil {
		d.stop()
		return nil, fmt.Errorf("read the daemon's control file: %w", err)
	}
	d.url = ctl.URL
	return d, nil
}

// read counts the poll lines of the daemon's log as they come.
func (d *daemon) read(stderr io.Reader) {
	defer close(d.done)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, "msg=poll ") || strings.Contains(line, `msg="poll failed"`) {
			d.mu.Lock()
			d.polls++
			d.last = time.Now()
			d.mu.Unlock()
		}
	}
}

// waitPolls waits until n poll lines have been logged in all, and returns
// when the last of them was.
func (d *daemon) waitPolls(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		d.mu.Lock()
		polls := d.polls
		d.mu.Unlock()
		if polls >= n {
			return nil
		}
		select {
		case <-d.done:
			return fmt.Errorf("pressfeed serve stopped after %d poll lines", polls)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d poll lines after %s", polls, n, timeout)
		}
	}
}

// lastPoll returns the number of poll lines so far and when the last was
// logged.
func (d *daemon) lastPoll() (int, time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.polls, d.last
}

// cpu returns the daemon's CPU time so far (user + system, every thread,
// to the clock tick).
func (d *daemon) cpu() time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(d.cmd.Process.Pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// stateFlush is how long after a poll its buffered source state is
// committed at the latest (index/statebuf.go: within a second), with a
// margin.
const stateFlush = 1500 * time.Millisecond

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux this runs on.
const clockTicks = 100

func (d *daemon) stop() {
	d.cmd.Process.Signal(os.Interrupt)
	d.cmd.Wait()
}

// daemonCycles runs the 304 and 10 %-changed cycles the way a running
// daemon meets them: `pressfeed serve` on the store the cold cycle left,
// every source scheduled at the same minutes, so that the scheduler starts
// each cycle with all of its polls. A cycle costs the daemon's CPU from
// just before that minute to the commit of the states its polls left, and
// its wall time runs from the minute to the last poll's log line. The floor is warm too: one
// process fetches and parses every feed twice and reports the second time.
// Neither reuses a connection from the cycle before: feed servers close
// idle ones long before a source's next poll.
func (b *bench) daemonCycles(ctx context.Context) ([]cycleResult, error) {
	steps := []struct {
		name    string
		prepare func() []string
		warmUp  bool // run once, its floor not run, its cost reported but not a target's
	}{
		// A daemon's first ingest after start builds the story postings
		// (index/postings.go) and reads the story index's pages for the
		// first time; a running daemon has paid that long before a cycle,
		// as the warm floor has warmed up.
		{"10 % of sources changed, the daemon's first ingest (warm-up)", func() []string {
			b.feeds.bump(10, 1)
			return nil
		}, true},
		{"every source 304, running daemon", b.feeds.etags, false},
		{"10 % of sources changed, running daemon", func() []string {
			before := b.feeds.etags()
			b.feeds.bump(10, 1)
			return before
		}, false},
	}
	// The cycles' minutes: the first far enough off for the start-up cycle.
	cycles := 1 + (len(steps)-1)*b.o.runs
	first := time.Now().Truncate(time.Minute).Add(2 * time.Minute)
	var minutes []string
	for i := range cycles {
		minutes = append(minutes, strconv.Itoa(first.Add(time.Duration(i)*time.Minute).Minute()))
	}
	// The store keeps its sources (settings seed only an empty one), so
	// their schedules are changed as an admin would, and changed back
	// after.
	if err := b.importSources(ctx, strings.Join(minutes, ",")+" * * * *"); err != nil {
		return nil, err
	}
	defer b.importSources(ctx, hourly)
	progress("starting pressfeed serve for the running-daemon cycles (at %s UTC and each minute after)", first.UTC().Format("15:04"))
	d, err := b.startDaemon(ctx, b.settings, b.db, len(b.urls))
	if err != nil {
		return nil, err
	}
	defer d.stop()
	if time.Now().After(first.Add(-5 * time.Second)) {
		return nil, fmt.Errorf("the start-up cycle took %s, past the first scheduled minute", secs(d.startup))
	}
	var out []cycleResult
	at := first
	for _, st := range steps {
		var ours, floor []usage
		runs := b.o.runs
		if st.warmUp {
			runs = 1
		}
		for r := 0; r < runs; r++ {
			etags := st.prepare()
			progress("%s, run %d/%d, at %s", st.name, r+1, runs, at.UTC().Format("15:04"))
			polls, _ := d.lastPoll()
			time.Sleep(time.Until(at) - time.Second)
			b.feeds.closeIdle()
			cpu := d.cpu()
			if err := d.waitPolls(polls+len(b.urls), time.Until(at)+time.Minute); err != nil {
				return nil, fmt.Errorf("%s: %w", st.name, err)
			}
			_, last := d.lastPoll()
			time.Sleep(stateFlush) // the commit of the buffered source states
			pid := d.cmd.Process.Pid
			ours = append(ours, usage{wall: last.Sub(at), cpu: d.cpu() - cpu, rssKB: peakRSS(pid), anonKB: anonRSS(pid)})
			at = at.Add(time.Minute)
			if st.warmUp {
				continue
			}
			f, err := b.warmFloor(ctx, etags)
			if err != nil {
				return nil, err
			}
			floor = append(floor, f)
		}
		c := cycleResult{name: st.name, ours: median(ours), storeBytes: size(b.db), items: "every source polled by the scheduler", warmUp: st.warmUp}
		if !st.warmUp {
			c.floor = median(floor)
		}
		c.show()
		out = append(out, c)
	}
	return out, nil
}

// importSources gives every stored source the schedule, through
// `pressfeed sources import`.
func (b *bench) importSources(ctx context.Context, schedule string) error {
	list := b.dir + "/sources.toml"
	if err := os.WriteFile(list, []byte(sourceTables(b.urls, schedule)), 0o644); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, b.bin, "sources", "import", "-config", b.settings, list).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pressfeed sources import: %v\n%s", err, out)
	}
	return nil
}

// warmFloor runs the floor child in its warm mode and reads what the
// second of its two cycles cost.
func (b *bench) warmFloor(ctx context.Context, etags []string) (usage, error) {
	cmd, stderr, err := b.floorCmd(ctx, etags, "-floor-warm")
	if err != nil {
		return usage{}, err
	}
	out, err := cmd.Output()
	if err != nil {
		return usage{}, fmt.Errorf("warm floor: %v\n%s", err, stderr.String())
	}
	var wall, cpu int64
	if _, err := fmt.Sscan(string(out), &wall, &cpu); err != nil {
		return usage{}, fmt.Errorf("warm floor printed %q: %v", out, err)
	}
	return usage{wall: time.Duration(wall), cpu: time.Duration(cpu)}, nil
}

// processCPU is this process's CPU time so far, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
