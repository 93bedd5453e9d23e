package main

import (
	"cmp"
	"log/slog"
	"time"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/fetch"
	"pressfeed/schedule"
)

// newPoller is the one way the command makes a fetcher: serve, poll, check
// and the admin preview all read sources through it, so a check is what a
// poll would do. sink may be nil for a poller that stores nothing.
func newPoller(cfg config.Config, sink fetch.Sink, logger *slog.Logger) *fetch.Poller {
	return fetch.NewPoller(sink, fetchOptions(cfg, logger))
}

// fetchOptions turns the settings into the Poller's options. Backoff starts
// from each source's own interval, which only the schedule package can
// read, so the command hands fetch a function rather than fetch importing
// the cron dialect.
func fetchOptions(cfg config.Config, logger *slog.Logger) fetch.Options {
	return fetch.Options{
		UserAgent:            cfg.UserAgent,
		AllowPrivateNetworks: cfg.AllowPrivateNetworks,
		Logger:               logger,
		Timeout:              cfg.Fetch.Timeout,
		StallTimeout:         cfg.Fetch.StallTimeout,
		HostSpacing:          cfg.Fetch.HostSpacing,
		MaxBackoff:           cfg.Fetch.MaxBackoff,
		MaxBodyBytes:         cfg.Fetch.MaxBodyBytes,
		Limits:               fetch.Limits{MaxItems: cfg.Fetch.MaxItems},
		Interval: func(src pressfeed.Source) time.Duration {
			return schedule.Interval(cmp.Or(src.Schedule, cfg.DefaultSchedule))
		},
	}
}
