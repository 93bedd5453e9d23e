package main

import (
	"context"
	"time"
)

// retentionSchedule is when retention runs, besides once at start: daily, at
// a quiet hour (UTC).
const retentionSchedule = "17 3 * * *"

// addJobs schedules the daemon's housekeeping.
func (d *Daemon) addJobs() error {
	return d.Scheduler.AddJob("retention", retentionSchedule, d.runRetention)
}

// runRetention removes items first seen longer ago than the retention
// period, keeping their identities as tombstones.
func (d *Daemon) runRetention(ctx context.Context) {
	keep := time.Duration(d.ops.retention.Load())
	if keep <= 0 {
		return
	}
	start := time.Now()
	cutoff := d.Now().Add(-keep)
	n, err := d.DB.Prune(ctx, cutoff)
	if n > 0 {
		d.Metrics.ObservePruned(n)
	}
	if err != nil {
		d.Logger.Error("retention", "cutoff", cutoff, "pruned", n, "error", err)
		return
	}
	d.Logger.Info("retention", "cutoff", cutoff.Format(time.RFC3339), "pruned", n, "duration", time.Since(start).Round(time.Millisecond))
}
