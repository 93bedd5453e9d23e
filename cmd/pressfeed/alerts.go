package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"pressfeed"
	"pressfeed/alert"
	"pressfeed/config"
	"pressfeed/fetch"
	"pressfeed/index"
)

// alertSchedule is how often the daemon makes and sends alerts besides
// after each poll that stored something: each minute, so a digest goes
// within a minute of its time and a retry within a minute of its turn.
const alertSchedule = "* * * * *"

// newAlerts builds the alert runner the daemon runs and `alerts test` uses:
// mail through the [alerts] server when one is set, webhooks through the
// fetcher's guarded client.
func newAlerts(cfg config.Config, db *index.DB, logger *slog.Logger) *alert.Runner {
	opts := alert.Options{
		From:       cfg.Alerts.From,
		Client:     fetch.NewClient(fetch.ClientOptions{AllowPrivateNetworks: cfg.AllowPrivateNetworks}),
		BaseURL:    cfg.BaseURL,
		StaleAfter: time.Duration(cfg.StaleDays) * 24 * time.Hour,
		Logger:     logger,
	}
	if !cfg.AllowPrivateNetworks {
		opts.CheckTarget = fetch.CheckPublic
	}
	if a := cfg.Alerts; a.SMTPHost != "" {
		opts.Mailer = alert.SMTP{
			Host:     a.SMTPHost,
			Port:     a.SMTPPort,
			TLS:      strings.ToLower(a.SMTPTLS),
			Username: a.SMTPUsername,
			Password: a.Password(),
			From:     a.FromAddress(),
		}
	}
	return alert.New(db, opts)
}

// alertsVerbs are the verbs of `pressfeed alerts`.
func alertsVerbs() []command {
	return []command{
		{"list", "list the subscriptions and their latest deliveries (the default)", runAlertsList},
		{"add", "add a subscription: -name NAME -to mailto:ADDR|URL [-filter QUERY] [-cadence immediate|digest] [-at HH:MM] [-days daily|weekdays] [-window 48h]", runAlertsAdd},
		{"rm", "delete subscription NAME (its delivery history stays)", runAlertsRemove},
		{"test", "send subscription NAME's current digest now (the last day's stories, none claimed)", runAlertsTest},
	}
}

func runAlerts(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runVerbs(ctx, "alerts", alertsVerbs(), args, stdout, stderr)
}

// alertsInstead is what to do while the daemon holds the store.
func alertsInstead(cfg config.Config) string {
	return "use the daemon's API: " + daemonURL(cfg) + "/api/v1/subscriptions, or its page " + daemonURL(cfg) + "/admin/alerts"
}

// alertsStore parses a verb's flags (and its one argument, with withArg),
// loads the settings and opens the store; a code of 0 or more means stop
// with it, and otherwise the caller closes db.
func alertsStore(ctx context.Context, fs *flag.FlagSet, cfgPath *string, args []string, withArg bool, stderr io.Writer) (string, config.Config, *index.DB, int) {
	var (
		arg  string
		cfg  config.Config
		code int
	)
	if withArg {
		arg, cfg, code = argAndConfig(fs, cfgPath, args, stderr)
	} else if code = parseFlags(fs, args); code < 0 {
		var ok bool
		if cfg, ok = loadConfig(*cfgPath, stderr); !ok {
			code = exitUsage
		}
	}
	if code >= 0 {
		return "", cfg, nil, code
	}
	db, code := openSourceStore(ctx, cfg, stderr, alertsInstead(cfg))
	return arg, cfg, db, code
}

func runAlertsList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("alerts list", "alerts [list] [-config FILE]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults when empty")
	_, cfg, db, code := alertsStore(ctx, fs, cfgPath, args, false, stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	subs, err := db.Subscriptions(ctx)
	if err != nil {
		return storeError(stderr, cfg.DB, err)
	}
	deliveries, err := db.Deliveries(ctx)
	if err != nil {
		return storeError(stderr, cfg.DB, err)
	}
	latest := pressfeed.LatestDeliveries(deliveries)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCADENCE\tTO\tFILTER\tLAST DELIVERY")
	for _, s := range subs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.When(), s.To, orAll(s.Filter), latest[s.Name].Summary())
	}
	tw.Flush()
	return exitOK
}

func orAll(filter string) string {
	if filter == "" {
		return "(everything)"
	}
	return filter
}

func runAlertsAdd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("alerts add", "alerts add -name NAME -to mailto:ADDRESS|URL [-filter QUERY] [-cadence immediate|digest] [-at HH:MM] [-days daily|weekdays] [-window DURATION] [-config FILE]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults when empty")
	var sub pressfeed.Subscription
	fs.StringVar(&sub.Name, "name", "", "the subscription's name: lower-case letters, digits and hyphens")
	fs.StringVar(&sub.To, "to", "", "mailto:ADDRESS for email, or an http(s) URL for a webhook")
	fs.StringVar(&sub.Filter, "filter", "", "a feed URL's query, as /feed.atom takes it: kind=force&q=murder (everything when empty)")
	cadence := fs.String("cadence", string(pressfeed.CadenceImmediate), "immediate (new stories within a minute) or digest (once a day at -at)")
	fs.StringVar(&sub.At, "at", "", "the digest's time in London, HH:MM (07:30 when -cadence digest and empty)")
	fs.StringVar(&sub.Days, "days", "", "daily or weekdays (daily when -cadence digest and empty)")
	fs.StringVar(&sub.Window, "window", "", "only stories published within this long before each delivery, e.g. 48h (any age when empty)")
	_, cfg, db, code := alertsStore(ctx, fs, cfgPath, args, false, stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	sub.Cadence = pressfeed.Cadence(*cadence)
	sub, err := newAlerts(cfg, db, newLogger(stderr)).Prepare(ctx, sub)
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed alerts add: %v\n", err)
		return exitUsage
	}
	if err := db.AddSubscription(ctx, cliActor(), sub); err != nil {
		if errors.Is(err, pressfeed.ErrExists) {
			fmt.Fprintf(stderr, "pressfeed alerts add: name: a subscription called %q exists; rm it first or choose another name\n", sub.Name)
			return exitUsage
		}
		return storeError(stderr, cfg.DB, err)
	}
	fmt.Fprintf(stdout, "subscription %s: %s to %s\n", sub.Name, sub.When(), sub.To)
	if sub.Email() == "" {
		fmt.Fprintf(stdout, "webhook secret (X-Pressfeed-Signature is sha256=HMAC-SHA256 of the body with it): %s\n", sub.Secret)
	}
	return exitOK
}

func runAlertsRemove(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("alerts rm", "alerts rm [-config FILE] NAME", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults when empty")
	name, cfg, db, code := alertsStore(ctx, fs, cfgPath, args, true, stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	if err := db.DeleteSubscription(ctx, cliActor(), name); err != nil {
		if missing(stderr, "rm", name, err) {
			return exitUsage
		}
		return storeError(stderr, cfg.DB, err)
	}
	fmt.Fprintf(stdout, "deleted subscription %s\n", name)
	return exitOK
}

func runAlertsTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("alerts test", "alerts test [-config FILE] NAME", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults when empty")
	name, cfg, db, code := alertsStore(ctx, fs, cfgPath, args, true, stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	n, err := newAlerts(cfg, db, newLogger(stderr)).Test(ctx, name)
	if err != nil {
		if missing(stderr, "test", name, err) {
			return exitUsage
		}
		fmt.Fprintf(stderr, "pressfeed alerts test: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "sent %s a test digest of %d stories\n", name, n)
	return exitOK
}

// missing says so when err is that no subscription is called name.
func missing(stderr io.Writer, verb, name string, err error) bool {
	if !errors.Is(err, pressfeed.ErrNotFound) {
		return false
	}
	fmt.Fprintf(stderr, "pressfeed alerts %s: no subscription is called %q\n", verb, name)
	return true
}
