package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/index"
)

// parseArgs parses args and requires exactly want positional arguments. It
// returns the exit code to stop with, or -1 to carry on.
func parseArgs(fs *flag.FlagSet, args []string, want int, what string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != want {
		fmt.Fprintf(fs.Output(), "pressfeed %s: want %s\n", fs.Name(), what)
		fs.Usage()
		return exitUsage
	}
	return -1
}

// storeAndFile adds a -config flag, naming the store the verb will act
// on, to fs, parses args wanting one argument, the file described by what,
// and loads the settings. It returns them and the file, or an exit code of
// 0 or more to stop with.
func storeAndFile(fs *flag.FlagSet, act, what string, args []string, stderr io.Writer) (config.Config, string, int) {
	cfgPath := fs.String("config", "", "settings file (TOML); names the store to "+act)
	cfg, code := thenConfig(parseArgs(fs, args, 1, "one argument, "+what), cfgPath, stderr)
	return cfg, fs.Arg(0), code
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("backup", "backup [-config FILE] OUT", stderr)
	cfg, out, code := storeAndFile(fs, "back up", "the file to write", args, stderr)
	if code >= 0 {
		return code
	}
	start := time.Now()
	n, how, err := backupStore(ctx, cfg.DB, out)
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed backup: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "backed up %s to %s %s: %d bytes in %s, verified\n", cfg.DB, out, how, n, time.Since(start).Round(time.Millisecond))
	return exitOK
}

// backupStore copies the store at dbPath to out. With no daemon running it
// reads the file itself; when a daemon holds the file (bbolt's lock keeps
// every other process out, even readers) it asks that daemon over HTTP,
// using the control file the daemon left beside the store. It says which
// way it went.
func backupStore(ctx context.Context, dbPath, out string) (int64, string, error) {
	db, err := index.Open(dbPath, index.Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	if err == nil {
		defer db.Close()
		n, err := db.BackupToFile(ctx, out)
		return n, "directly (no daemon running)", err
	}
	if !errors.Is(err, pressfeed.ErrStoreLocked) {
		return 0, "", err
	}
	c, cerr := readControl(controlPath(dbPath))
	if cerr != nil {
		return 0, "", fmt.Errorf("%s is held by a running daemon, but its control file cannot be read (%v); run backup as the daemon's user", dbPath, cerr)
	}
	n, err := downloadBackup(ctx, c, out)
	return n, "from the running daemon (pid " + fmt.Sprint(c.PID) + ")", err
}

// downloadBackup fetches GET /admin/backup from the daemon described by c
// and saves it, verified, to out.
func downloadBackup(ctx context.Context, c control, out string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"/admin/backup", nil)
	if err != nil {
		return 0, fmt.Errorf("ask the daemon for a backup: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("ask the daemon at %s for a backup (is it still running?): %w", c.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, fmt.Errorf("the daemon at %s answered %s: %s", c.URL, resp.Status, msg)
	}
	return index.SaveBackup(ctx, resp.Body, resp.ContentLength, out)
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("restore", "restore [-config FILE] BACKUP", stderr)
	cfg, backup, code := storeAndFile(fs, "replace", "the backup file", args, stderr)
	if code >= 0 {
		return code
	}
	if err := index.Restore(ctx, backup, cfg.DB); err != nil {
		return offlineError(stderr, "restore", cfg.DB, err)
	}
	fmt.Fprintf(stdout, "restored %s from %s; the replaced store is kept as %s.before-restore\n", cfg.DB, backup, cfg.DB)
	return exitOK
}

func runCompact(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("compact", "compact [-config FILE]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); names the store to compact")
	cfg, code := flagsAndConfig(fs, cfgPath, args, stderr)
	if code >= 0 {
		return code
	}
	before, after, err := index.Compact(ctx, cfg.DB)
	if err != nil {
		return offlineError(stderr, "compact", cfg.DB, err)
	}
	fmt.Fprintf(stdout, "compacted %s: %d bytes before, %d after\n", cfg.DB, before, after)
	return exitOK
}

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("verify", "verify [-config FILE] [FILE]", stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); names the store to check when FILE is not given")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "pressfeed verify: want at most one file\n")
		return exitUsage
	}
	path := fs.Arg(0)
	if path == "" {
		cfg, ok := loadConfig(*cfgPath, stderr)
		if !ok {
			return exitUsage
		}
		path = cfg.DB
	}
	if err := index.VerifyFile(ctx, path); err != nil {
		return offlineError(stderr, "verify", path, err)
	}
	fmt.Fprintf(stdout, "%s is sound\n", path)
	return exitOK
}

// offlineError explains a failed offline operation, saying plainly when a
// running daemon is in the way.
func offlineError(stderr io.Writer, verb, path string, err error) int {
	if errors.Is(err, pressfeed.ErrStoreLocked) {
		fmt.Fprintf(stderr, "pressfeed %s: %s is held by a running pressfeed daemon; %s works only on a stopped store: stop the daemon (systemctl stop pressfeed), run this again, then start it\n", verb, path, verb)
		return exitFailure
	}
	fmt.Fprintf(stderr, "pressfeed %s: %v\n", verb, err)
	return exitFailure
}
