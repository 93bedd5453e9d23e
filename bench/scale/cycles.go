package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mmcdole/gofeed"
)

// cycleResult is one cycle's median cost for pressfeed and for the floor.
type cycleResult struct {
	name        string
	ours, floor usage
	storeBytes  int64
	items       string // what the cycle stored, from the poll summary
	warmUp      bool   // run to warm the daemon up: no floor, no target
}

// cycles runs the cold, 304 and 10 %-changed cycles.
func (b *bench) cycles(ctx context.Context) ([]cycleResult, error) {
	steps := []struct {
		name    string
		prepare func() []string // readies one run; returns the floor's validators
	}{
		{"cold (empty store)", func() []string {
			for _, ext := range []string{"", ".control"} {
				os.Remove(b.db + ext)
			}
			b.stored = 0
			return nil
		}},
		{"every source 304", b.feeds.etags},
		// Every tenth source has step new items; the floor holds the
		// validators from before the change, as pressfeed does.
		{"10 % of sources changed", func() []string {
			before := b.feeds.etags()
			b.feeds.bump(10, 1)
			return before
		}},
	}
	var out []cycleResult
	for _, st := range steps {
		c, err := b.cycle(ctx, st.name, st.prepare)
		if err != nil {
			return nil, err
		}
		c.show()
		out = append(out, c)
	}
	return out, nil
}

// cycle runs one kind of cycle o.runs times, alternating pressfeed and the
// floor so that noise hits both alike, and keeps the medians.
func (b *bench) cycle(ctx context.Context, name string, prepare func() []string) (cycleResult, error) {
	var ours, floor []usage
	var summary string
	for r := 0; r < b.o.runs; r++ {
		etags := prepare()
		progress("%s, run %d/%d", name, r+1, b.o.runs)
		u, s, n, err := b.poll(ctx, b.settings)
		if err != nil {
			return cycleResult{}, err
		}
		b.stored += n
		ours, summary = append(ours, u), s
		f, err := b.floor(ctx, etags)
		if err != nil {
			return cycleResult{}, err
		}
		floor = append(floor, f)
	}
	return cycleResult{name: name, ours: median(ours), floor: median(floor), storeBytes: size(b.db), items: summary}, nil
}

// show prints the cycle's result as soon as it is known.
func (c cycleResult) show() {
	progress("  %s: wall %s / floor %s, CPU %.2f / %.2f s, RSS %d (anon %d) / %d MB, store %s",
		c.name, secs(c.ours.wall), secs(c.floor.wall), c.ours.cpu.Seconds(), c.floor.cpu.Seconds(),
		c.ours.rssKB/1024, c.ours.anonKB/1024, c.floor.rssKB/1024, mb(c.storeBytes))
}

// poll runs `pressfeed poll` once and returns its cost, a summary of its
// per-source lines and how many items it stored.
func (b *bench) poll(ctx context.Context, settings string) (usage, string, int, error) {
	cmd := exec.CommandContext(ctx, b.bin, "poll", "-config", settings)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	u, err := measure(cmd)
	if err != nil {
		return u, "", 0, fmt.Errorf("pressfeed poll: %v\n%s", err, stderr.String())
	}
	summary, n := countPoll(stdout.String())
	return u, summary, n, nil
}

// summarize counts outcomes and new items in `pressfeed poll` output.
func summarize(out string) string {
	s, _ := countPoll(out)
	return s
}

// countPoll describes `pressfeed poll` output and returns its new items.
func countPoll(out string) (string, int) {
	outcomes := map[string]int{}
	newItems := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		outcomes[f[1]]++
		for i, w := range f {
			if strings.HasPrefix(w, "new") && i > 0 {
				n, _ := strconv.Atoi(f[i-1])
				newItems += n
			}
		}
	}
	var keys []string
	for k := range outcomes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", outcomes[k], k))
	}
	return fmt.Sprintf("%s; %d new items", strings.Join(parts, ", "), newItems), newItems
}

// floor runs this program in floor mode as a child: fetch every URL (with
// the given ETags as validators) and parse each 200 with gofeed.
func (b *bench) floor(ctx context.Context, etags []string) (usage, error) {
	cmd, stderr, err := b.floorCmd(ctx, etags, "-floor")
	if err != nil {
		return usage{}, err
	}
	u, err := measure(cmd)
	if err != nil {
		return u, fmt.Errorf("floor: %v\n%s", err, stderr.String())
	}
	return u, nil
}

// floorCmd writes the floor child's list of URLs and their validators and
// returns the child in mode ("-floor" or "-floor-warm"), its stderr
// collected.
func (b *bench) floorCmd(ctx context.Context, etags []string, mode string) (*exec.Cmd, *bytes.Buffer, error) {
	list := b.dir + "/floor.txt"
	var buf strings.Builder
	for i, u := range b.urls {
		etag := ""
		if etags != nil {
			etag = etags[i]
		}
		fmt.Fprintf(&buf, "%s\t%s\n", u, etag)
	}
	if err := os.WriteFile(list, []byte(buf.String()), 0o644); err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, b.self, mode, list, strconv.Itoa(b.o.concurrency))
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	return cmd, stderr, nil
}

// floorMain is the floor child: a plain http.Client, gofeed, nothing else.
// Warm, it runs the cycle twice on one client, closing its connections
// between, and prints the second's wall and CPU time in nanoseconds: a
// running daemon's floor.
func floorMain(args []string, warm bool) int {
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	conc, _ := strconv.Atoi(args[1])
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	client := &http.Client{Timeout: time.Minute}
	if warm {
		if err := floorCycle(client, lines, conc); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		client.CloseIdleConnections()
	}
	start, cpu := time.Now(), processCPU()
	if err := floorCycle(client, lines, conc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if warm {
		fmt.Println(int64(time.Since(start)), int64(processCPU()-cpu))
	}
	return 0
}

// floorCycle fetches and parses every line's URL, conc at once.
func floorCycle(client *http.Client, lines []string, conc int) error {
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []string
	for _, line := range lines {
		url, etag, _ := strings.Cut(line, "\t")
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fetchParse(client, url, etag); err != nil {
				mu.Lock()
				failed = append(failed, err.Error())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		return fmt.Errorf("%d failed, first: %s", len(failed), failed[0])
	}
	return nil
}

func fetchParse(client *http.Client, url, etag string) error {
	req, _ := http.NewRequest("GET", url, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	_, err = gofeed.NewParser().Parse(bytes.NewReader(body))
	return err
}

// measure runs cmd to completion and returns its wall time, CPU time and
// peak RSS. The peak is read from /proc (VmHWM, the high-water mark of the
// child's own address space) while it runs: rusage's maxrss would count the
// pages of this process, which holds every feed, as the child's, because
// the child starts as a copy of it.
func measure(cmd *exec.Cmd) (usage, error) {
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return usage{}, err
	}
	var peak, anon atomic.Int64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if kb := peakRSS(cmd.Process.Pid); kb > peak.Load() {
				peak.Store(kb)
			}
			if kb := anonRSS(cmd.Process.Pid); kb > anon.Load() {
				anon.Store(kb)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-sampled
	u := usage{wall: time.Since(start), rssKB: peak.Load(), anonKB: anon.Load()}
	if cmd.ProcessState != nil {
		u.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return u, err
}

// median takes the median of each measure separately.
func median(us []usage) usage {
	pick := func(get func(usage) int64) int64 {
		v := make([]int64, len(us))
		for i, u := range us {
			v[i] = get(u)
		}
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		return v[len(v)/2]
	}
	return usage{
		wall:   time.Duration(pick(func(u usage) int64 { return int64(u.wall) })),
		cpu:    time.Duration(pick(func(u usage) int64 { return int64(u.cpu) })),
		rssKB:  pick(func(u usage) int64 { return u.rssKB }),
		anonKB: pick(func(u usage) int64 { return u.anonKB }),
	}
}

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
