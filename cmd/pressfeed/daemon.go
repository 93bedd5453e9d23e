package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"pressfeed"
	"pressfeed/alert"
	"pressfeed/config"
	"pressfeed/fetch"
	"pressfeed/index"
	"pressfeed/metrics"
	"pressfeed/schedule"
	"pressfeed/web"
	"pressfeed/websub"
)

// Daemon is the whole running system: store, poller, scheduler and web
// server, wired from one Config. Tests start it in-process on :0.
type Daemon struct {
	Config    config.Config
	Logger    *slog.Logger
	DB        *index.DB
	Poller    *fetch.Poller
	Scheduler *schedule.Scheduler
	Server    *web.Server
	// Publisher tells the configured WebSub hubs when the merged feed
	// changes; nil without hubs.
	Publisher *websub.Publisher
	// Alerts makes and sends subscriptions' deliveries: its loop is
	// nudged by each poll that stored something and each minute.
	Alerts  *alert.Runner
	Metrics *metrics.Metrics
	// LogLevel, when set, is the level SIGHUP's reload changes (ops.go).
	LogLevel *slog.LevelVar
	// Now is the clock retention reads; time.Now.
	Now func() time.Time

	ops  opsState
	http *http.Server
	// The alert loop: stopAlerts ends it between runs, cancelAlerts cuts a
	// run short, alertsDone closes when it has returned.
	stopAlerts   chan struct{}
	cancelAlerts context.CancelFunc
	alertsDone   chan struct{}
	stopPub      context.CancelFunc
	pubDone      chan struct{}
	listener     net.Listener
	served       chan error
}

// openStore opens the store named by cfg for writing, with the checks every
// source definition must pass on its way in (config.CheckSource). Every verb
// that changes the store opens it here.
func openStore(cfg config.Config) (*index.DB, error) {
	return index.Open(cfg.DB, index.Options{ValidateSource: config.CheckSource})
}

// openPolling opens the store named by cfg, seeds it with cfg's sources
// (or the embedded defaults) if it holds none, and builds the poller that
// stores into it: all that `poll` needs, and the daemon's first step.
func openPolling(cfg config.Config, logger *slog.Logger) (*index.DB, *fetch.Poller, error) {
	db, err := openStore(cfg)
	if err != nil {
		return nil, nil, err
	}
	seeded, err := db.SeedSources(context.Background(), cfg.SeedSources())
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if seeded {
		logger.Info("store seeded with sources", "db", cfg.DB, "sources", len(cfg.SeedSources()), "from_settings", len(cfg.Sources) > 0)
	}
	return db, newPoller(cfg, db, logger), nil
}

// OpenDaemon builds every part once, in dependency order: the store and
// poller (openPolling), the metrics, the scheduler and its jobs (retention
// and alerts), the web server over all of them, and the WebSub publisher watching
// the web server's feeds. Nothing runs until Start.
func OpenDaemon(cfg config.Config, logger *slog.Logger) (*Daemon, error) {
	db, poller, err := openPolling(cfg, logger)
	if err != nil {
		return nil, err
	}
	d := &Daemon{Config: cfg, Logger: logger, DB: db, Poller: poller, Now: time.Now}
	d.ops.token = newToken()
	d.ops.retention.Store(int64(cfg.RetentionPeriod()))
	d.Metrics = metrics.New(d.storeStats, logger)
	d.Scheduler = schedule.New(d.poll, schedule.Options{
		DefaultSchedule: cfg.DefaultSchedule,
		Concurrency:     cfg.Concurrency,
		Logger:          logger,
	})
	d.Alerts = newAlerts(cfg, db, logger)
	for _, job := range []struct {
		name, spec string
		fn         func(context.Context)
	}{
		{"retention", retentionSchedule, d.runRetention},
		{"alert history", retentionSchedule, d.pruneDeliveries},
		{"alerts", alertSchedule, func(context.Context) { d.Alerts.Nudge() }},
	} {
		if err := d.Scheduler.AddJob(job.name, job.spec, job.fn); err != nil {
			db.Close()
			return nil, err
		}
	}
	d.Server = web.NewServer(db, d.webOptions())
	if topics := d.Server.Topics(); len(topics) > 0 {
		d.Publisher = websub.New(cfg.Hubs, topics, d.Server.TopicVersion, websub.Options{
			Logger:    logger,
			UserAgent: cfg.UserAgent,
		})
	}
	return d, nil
}

// webOptions hands the web server the parts behind the pages, the admin
// side, the API and the operations endpoints: the store, the scheduler, the
// poller's preview, the admin accounts from the settings and the hooks of
// ops.go.
func (d *Daemon) webOptions() web.Options {
	return web.Options{
		BaseURL:        d.Config.BaseURL,
		Logger:         d.Logger,
		MaxAge:         d.Config.CacheMaxAge,
		Hubs:           d.Config.Hubs,
		Version:        pressfeed.Version,
		Admin:          d.DB,
		Scheduler:      d.Scheduler,
		Previewer:      previewer{d.Poller},
		Pins:           fetch.PinChoices(),
		Accounts:       accountsOf(d.Config),
		Alerts:         d.Alerts,
		StaleAfter:     time.Duration(d.Config.StaleDays) * 24 * time.Hour,
		SessionTTL:     time.Duration(d.Config.SessionHours) * time.Hour,
		TrustedProxies: d.Config.Proxies(),
		Ops:            d.webOps(),
	}
}

// poll polls src and, when it stored something new, nudges the alerts, so
// an immediate subscription hears at once of the poll's stories.
func (d *Daemon) poll(ctx context.Context, src pressfeed.Source) {
	res := d.Poller.Poll(ctx, src)
	d.observePoll(res)
	if res.New > 0 {
		d.Alerts.Nudge()
	}
}

// Start listens on the configured address, schedules every enabled source
// (each is polled at once) and serves HTTP in the background.
func (d *Daemon) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", d.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", d.Config.Listen, err)
	}
	d.listener = ln
	sources, err := d.DB.Sources(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	if err := d.Scheduler.Sync(sources); err != nil {
		// A stored source with a bad schedule is skipped, not fatal: the
		// others still run, and the log names the source.
		d.Logger.Error("some sources could not be scheduled", "error", err)
	}
	if err := d.Alerts.Recover(ctx); err != nil {
		d.Logger.Error("alert deliveries cut off by the last stop were not checked", "error", err)
	}
	actx, cancel := context.WithCancel(ctx)
	d.stopAlerts, d.cancelAlerts, d.alertsDone = make(chan struct{}), cancel, make(chan struct{})
	go func() { d.Alerts.Loop(actx, d.stopAlerts); close(d.alertsDone) }()
	d.Scheduler.Start(ctx)
	d.http = &http.Server{
		Handler:           d.Server,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(d.Logger.Handler(), slog.LevelWarn),
	}
	d.served = make(chan error, 1)
	go func() { d.served <- d.http.Serve(ln) }()
	if err := d.writeControl(); err != nil {
		// Only local tools (pressfeed backup) need it; the daemon runs on.
		d.Logger.Error("local tools cannot reach this daemon", "error", err)
	}
	if d.Publisher != nil {
		// The publisher watches the merged feed's ETag, so it needs no hook
		// in the poller and costs a cache lookup per check.
		pctx, cancel := context.WithCancel(ctx)
		d.stopPub, d.pubDone = cancel, make(chan struct{})
		go func() { d.Publisher.Run(pctx); close(d.pubDone) }()
	}
	d.Logger.Info("serving", "addr", d.URL(), "db", d.Config.DB, "sources", len(sources))
	return nil
}

// URL returns the base URL the daemon is listening on.
func (d *Daemon) URL() string {
	if d.listener == nil {
		return ""
	}
	return "http://" + d.listener.Addr().String()
}

// Close stops serving and scheduling, waits for running polls until ctx
// ends (then cancels them), and closes the store.
func (d *Daemon) Close(ctx context.Context) error {
	var errs []error
	if d.http != nil {
		if err := d.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop http: %w", err))
		}
		if err := <-d.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("serve: %w", err))
		}
	}
	if d.stopPub != nil {
		d.stopPub()
		<-d.pubDone
	}
	d.Scheduler.Stop(ctx)
	d.stopAlertLoop(ctx)
	d.removeControl()
	if err := d.DB.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	return errors.Join(errs...)
}

// stopAlertLoop lets a run of the alert loop finish until ctx ends, then
// cuts it short, and waits for the loop to return.
func (d *Daemon) stopAlertLoop(ctx context.Context) {
	if d.stopAlerts == nil {
		return // never started
	}
	close(d.stopAlerts)
	select {
	case <-d.alertsDone:
	case <-ctx.Done():
		d.cancelAlerts()
		<-d.alertsDone
	}
	d.cancelAlerts()
}

// retentionSchedule is when retention runs, besides once at start: daily, at
// a quiet hour (UTC).
const retentionSchedule = "17 3 * * *"

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

// deliveryHistory is how long finished alert deliveries stay on
// /admin/alerts and in the API.
const deliveryHistory = 30 * 24 * time.Hour

// pruneDeliveries drops finished alert deliveries older than
// deliveryHistory, daily with retention.
func (d *Daemon) pruneDeliveries(ctx context.Context) {
	n, err := d.DB.PruneDeliveries(ctx, d.Now().Add(-deliveryHistory))
	if err != nil {
		d.Logger.Error("alert history not pruned", "error", err)
		return
	}
	if n > 0 {
		d.Logger.Info("alert history pruned", "deliveries", n)
	}
}
