// Command pressfeed polls the north-west's police and PCC news, stores each
// item once and serves one merged regional feed.
//
//	pressfeed serve   [-config FILE] [-addr ADDR]   run the daemon
//	pressfeed poll    [-config FILE]                poll every source once
//	pressfeed sources [VERB] [flags]                list, add, edit, rm, enable, disable, import, export
//	pressfeed alerts  [VERB] [flags]                list, add, rm, test subscriptions
//	pressfeed check   SOURCE-ID | URL [flags]       preview what a poll would store
//	pressfeed admin   VERB ...                      hash-password; token create, list, revoke
//	pressfeed backup  [-config FILE] OUT            write a verified copy of the store
//	pressfeed restore [-config FILE] BACKUP         replace the stopped store with a backup
//	pressfeed compact [-config FILE]                rewrite the stopped store smaller
//	pressfeed verify  [-config FILE] [FILE]         check a store or backup for damage
//	pressfeed demo    [-addr ADDR]                  run against bundled sample feeds
//	pressfeed version                               print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"pressfeed"
	"pressfeed/config"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the store or the network failed
	exitUsage   = 2 // bad arguments or settings; nothing was touched
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tuneGC()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "run the daemon: poll on schedule and serve the merged feed", runServe},
		{"poll", "poll every enabled source once and print a line per source", runPoll},
		{"sources", "list the sources; add, edit, rm, enable, disable, import or export them", runSources},
		{"alerts", "list, add, rm or test subscriptions: saved filters sent by email or webhook", runAlerts},
		{"check", "fetch one source once and print what a poll would store", runCheck},
		{"admin", "hash an admin password; make, list and revoke API tokens", runAdmin},
		{"backup", "write a verified copy of the store, also while the daemon runs", runBackup},
		{"restore", "replace the (stopped) store with a backup", runRestore},
		{"compact", "rewrite the (stopped) store into a smaller file", runCompact},
		{"verify", "check a store or backup file for damage", runVerify},
		{"demo", "run the daemon against bundled sample feeds on loopback", runDemo},
		{"version", "print the version", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pressfeed COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'pressfeed COMMAND -h' for a command's flags.")
}

// run dispatches args to a subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "pressfeed: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// newFlags returns a flag set for a subcommand that prints its usage to
// stderr and reports errors instead of exiting.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: pressfeed %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and returns the exit code to stop with, or -1 to
// carry on.
func parseFlags(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "pressfeed %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage
	}
	return -1
}

// loadConfig reads the settings, printing any problem to stderr.
func loadConfig(path string, stderr io.Writer) (config.Config, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return config.Config{}, false
	}
	return cfg, true
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// storeError explains a store that will not open, pointing at the running
// daemon when another process holds it.
func storeError(stderr io.Writer, path string, err error) int {
	if errors.Is(err, pressfeed.ErrStoreLocked) {
		fmt.Fprintf(stderr, "pressfeed: %s is in use by another process, probably a running daemon; stop it, or use its HTTP API\n", path)
		return exitFailure
	}
	fmt.Fprintf(stderr, "pressfeed: %v\n", err)
	return exitFailure
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("version", "version", stderr)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	fmt.Fprintln(stdout, "pressfeed", pressfeed.Version)
	return exitOK
}
