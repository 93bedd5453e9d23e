package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"pressfeed"
	"pressfeed/fetch"
	"pressfeed/schedule"
)

func runPoll(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("poll", "poll [-config FILE] [-force]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults and the embedded source list when empty")
	force := fs.Bool("force", false, "also poll sources that are backing off after failures")
	cfg, code := flagsAndConfig(fs, cfgPath, args, stderr)
	if code >= 0 {
		return code
	}
	db, poller, err := openPolling(cfg, newLogger(io.Discard))
	if err != nil {
		return storeError(stderr, cfg.DB, err)
	}
	defer db.Close()
	sources, err := db.Sources(ctx)
	if err != nil {
		return storeError(stderr, cfg.DB, err)
	}
	var (
		mu      sync.Mutex
		results []fetch.Result
	)
	poll := poller.Poll
	if *force {
		poll = poller.PollAnyway
	}
	schedule.RunOnce(ctx, sources, cfg.Concurrency, func(ctx context.Context, src pressfeed.Source) {
		r := poll(ctx, src)
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	})
	sort.Slice(results, func(i, j int) bool { return results[i].SourceID < results[j].SourceID })
	for _, r := range results {
		fmt.Fprintln(stdout, summaryLine(r))
	}
	return exitOK
}

// summaryLine describes one poll for a person reading a terminal.
func summaryLine(r fetch.Result) string {
	head := fmt.Sprintf("%-28s %-12s", r.SourceID, r.Outcome)
	if way := r.State.Resolution; way.Strategy != "" {
		head += " via " + pressfeed.StrategyLabel(way.Strategy) + ":"
	}
	switch r.Outcome {
	case fetch.OutcomeError:
		return head + " " + errorText(r.Err) + stateNotes(r.State)
	case fetch.OutcomeCancelled:
		return head + " stopped before it finished; nothing recorded, polled again next time"
	case fetch.OutcomeOK:
		line := head + fmt.Sprintf(" %d items: %d new, %d updated", r.Items, r.New, r.Updated)
		if r.Dropped > 0 {
			line += fmt.Sprintf(", %d dropped by rules", r.Dropped)
		}
		return line + fmt.Sprintf(" (%s)", r.Duration.Round(time.Millisecond)) + stateNotes(r.State)
	}
	return head + stateNotes(r.State)
}
