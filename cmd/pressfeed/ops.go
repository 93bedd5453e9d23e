package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"pressfeed/fetch"
	"pressfeed/metrics"
	"pressfeed/web"
)

// opsState is the daemon's operational side: metrics, the local admin
// token and its control file, and the settings that SIGHUP can change.
type opsState struct {
	token     string
	control   string       // path of the control file; empty until Start writes it
	retention atomic.Int64 // nanoseconds; 0 keeps items for ever
}

// newToken returns a fresh random admin token.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics if the OS has no entropy)
	return hex.EncodeToString(b)
}

// webOps returns the hooks the web server uses for metrics, readiness and
// backups.
func (d *Daemon) webOps() web.Ops {
	return web.Ops{
		Observe:    d.Metrics.ObserveRequest,
		Ready:      d.ready,
		Metrics:    d.Metrics.Handler(),
		Backup:     d.backup,
		LocalToken: d.ops.token,
	}
}

// observePoll forwards one poll's result to the metrics.
func (d *Daemon) observePoll(r fetch.Result) {
	d.Metrics.ObservePoll(metrics.Poll{
		Source:   r.SourceID,
		Outcome:  r.Outcome,
		New:      r.New,
		Updated:  r.Updated,
		Bytes:    r.Bytes,
		Duration: r.Duration,
	})
}

// storeStats reads the store's gauges for a scrape.
func (d *Daemon) storeStats(ctx context.Context) (metrics.StoreStats, error) {
	st, err := d.DB.Stats(ctx)
	if err != nil {
		return metrics.StoreStats{}, err
	}
	sources, err := d.DB.Sources(ctx)
	if err != nil {
		return metrics.StoreStats{}, err
	}
	states, err := d.DB.States(ctx)
	if err != nil {
		return metrics.StoreStats{}, err
	}
	out := metrics.StoreStats{SizeBytes: st.SizeBytes, Items: st.Items, Stories: st.Stories, Tombstones: st.Tombstones}
	for _, src := range sources {
		s := states[src.ID]
		out.Sources = append(out.Sources, metrics.SourceStats{
			ID: src.ID, Enabled: src.Enabled, LastSuccess: s.LastSuccess, ConsecutiveFailures: s.ConsecutiveFailures,
		})
	}
	return out, nil
}

// ready reports whether the daemon is doing its job: the scheduler runs and
// the store answers.
func (d *Daemon) ready(ctx context.Context) error {
	if !d.Scheduler.Running() {
		return errors.New("scheduler is not running")
	}
	return d.DB.Ping(ctx)
}

// backup copies the store to an unlinked temporary file for /admin/backup.
func (d *Daemon) backup(ctx context.Context) (web.BackupFile, error) {
	taken := time.Now()
	f, n, err := d.DB.BackupToTemp(ctx, "")
	if err != nil {
		return web.BackupFile{}, err
	}
	d.Logger.Info("backup copy made", "bytes", n, "duration", time.Since(taken).Round(time.Millisecond))
	return web.BackupFile{Reader: f, Size: n, Taken: taken, Close: f.Close}, nil
}

// control is what the control file beside the store says: how a local tool
// reaches the daemon that holds the store, and the token it must show.
type control struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// controlPath is where the daemon holding the store at dbPath leaves its
// control file.
func controlPath(dbPath string) string { return dbPath + ".control" }

// writeControl writes the control file, readable only by the store's
// owner: whoever can read it could read the store itself anyway.
func (d *Daemon) writeControl() error {
	c := control{URL: loopbackURL(d.listener.Addr()), Token: d.ops.token, PID: os.Getpid()}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	path := controlPath(d.Config.DB)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write control file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write control file: %w", err)
	}
	d.ops.control = path
	return nil
}

// removeControl removes the control file if it is still ours.
func (d *Daemon) removeControl() {
	if d.ops.control == "" {
		return
	}
	if c, err := readControl(d.ops.control); err == nil && c.Token == d.ops.token {
		os.Remove(d.ops.control)
	}
	d.ops.control = ""
}

func readControl(path string) (control, error) {
	var c control
	data, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("control file %s: %w", path, err)
	}
	return c, nil
}

// loopbackURL is the URL a local tool uses to reach a listener: a wildcard
// address (0.0.0.0, ::) is reached through loopback.
func loopbackURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}
