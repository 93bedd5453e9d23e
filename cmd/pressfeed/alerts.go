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

// alertsStore adds the -config flag to a verb's flags, parses them (and
// its one argument, with withArg), loads the settings and opens the store;
// a code of 0 or more means stop with it, and otherwise the caller closes
// db.
func alertsStore(ctx context.Context, fs *flag.FlagSet, args []string, withArg bool, stderr io.Writer) (string, config.Config, *index.DB, int) {
	cfgPath := fs.String("config", "", "settings file (TOML); the defaults when empty")
	var (
		arg  string
		cfg  config.Config
		code int
	)
	if withArg {
		arg, cfg, code = argAndConfig(fs, cfgPath, args, stderr)
	} else {
		cfg, code = flagsAndConfig(fs, cfgPath, args, stderr)
	}
	if code >= 0 {
		return "", cfg, nil, code
	}
	db, code := openSourceStore(ctx, cfg, stderr, alertsInstead(cfg))
	return arg, cfg, db, code
}

func runAlertsList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("alerts list", "alerts [list] [-config FILE]", stderr)
	_, cfg, db, code := alertsStore(ctx, fs, args, false, stderr)
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
	var sub pressfeed.Subscription
	fs.StringVar(&sub.Name, "name", "", "the subscription's name: lower-case letters, digits and hyphens")
	fs.StringVar(&sub.To, "to", "", "mailto:ADDRESS for email, or an http(s) URL for a webhook")
	fs.StringVar(&sub.Filter, "filter", "", "a feed URL's query, as /feed.atom takes it: kind=force&q=murder (everything when empty)")
	cadence := fs.String("cadence", string(pressfeed.CadenceImmediate), "immediate (new stories within a minute) or digest (once a day at -at)")
	fs.StringVar(&sub.At, "at", "", "the digest's time in London, HH:MM (07:30 when -cadence digest and empty)")
	fs.StringVar(&sub.Days, "days", "", "daily or weekdays (daily when -cadence digest and empty)")
	fs.StringVar(&sub.Window, "window", "", "only stories published within this long before each delivery, e.g. 48h (any age when empty)")
	_, cfg, db, code := alertsStore(ctx, fs, args, false, stderr)
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
	return onSubscription(ctx, "rm", args, stderr, func(_ config.Config, db *index.DB, name string) error {
		if err := db.DeleteSubscription(ctx, cliActor(), name); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted subscription %s\n", name)
		return nil
	})
}

func runAlertsTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return onSubscription(ctx, "test", args, stderr, func(cfg config.Config, db *index.DB, name string) error {
		n, err := newAlerts(cfg, db, newLogger(stderr)).Test(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sent %s a test digest of %d stories\n", name, n)
		return nil
	})
}

// onSubscription parses the flags of `alerts VERB NAME`, opens the store
// and runs do on the subscription NAME. It explains a name no subscription
// has, a usage error, and do's other errors, failures.
func onSubscription(ctx context.Context, verb string, args []string, stderr io.Writer, do func(cfg config.Config, db *index.DB, name string) error) int {
	fs := newFlags("alerts "+verb, "alerts "+verb+" [-config FILE] NAME", stderr)
	name, cfg, db, code := alertsStore(ctx, fs, args, true, stderr)
	if db == nil {
		return code
	}
	defer db.Close()
	err := do(cfg, db, name)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, pressfeed.ErrNotFound):
		fmt.Fprintf(stderr, "pressfeed alerts %s: no subscription is called %q\n", verb, name)
		return exitUsage
	}
	fmt.Fprintf(stderr, "pressfeed alerts %s: %v\n", verb, err)
	return exitFailure
}
