package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"pressfeed"
	"pressfeed/auth"
	"pressfeed/config"
	"pressfeed/index"
)

const adminUsage = `usage: pressfeed admin VERB [flags]

verbs:
  hash-password [-name NAME]            read a password (twice on a terminal, else one line
                                        of standard input) and print its bcrypt hash for
                                        password_hash; with -name, a whole [[admin]] table
  token create [-config FILE] NAME      make an API token; it is printed once, stored hashed
  token list   [-config FILE]           list API tokens
  token revoke [-config FILE] NAME      revoke an API token
`

func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stderr, adminUsage)
		return exitOK
	case "hash-password":
		return runHashPassword(args[1:], stdout, stderr)
	case "token":
		return runToken(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "pressfeed admin: unknown verb %q\n\n%s", args[0], adminUsage)
	return exitUsage
}

func runHashPassword(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("admin hash-password", "admin hash-password [-name NAME]", stderr)
	name := fs.String("name", "", "print a whole [[admin]] table for this account name")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	password, err := readPassword(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed admin hash-password: %v\n", err)
		return exitUsage
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		fmt.Fprintf(stderr, "pressfeed admin hash-password: %v\n", err)
		return exitUsage
	}
	if *name != "" {
		fmt.Fprintf(stdout, "[[admin]]\nname = %q\npassword_hash = %q\n", *name, hash)
		return exitOK
	}
	fmt.Fprintln(stdout, hash)
	return exitOK
}

// readPassword asks twice without echo on a terminal; from a pipe it reads
// one line, so scripts can use it.
func readPassword(stderr io.Writer) (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(stderr, "New password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(stderr, "Again: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(first) != string(second) {
		return "", errors.New("the two passwords differ")
	}
	return string(first), nil
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return exitUsage
	}
	verb := args[0]
	if verb != "create" && verb != "list" && verb != "revoke" {
		fmt.Fprintf(stderr, "pressfeed admin token: unknown verb %q\n\n%s", verb, adminUsage)
		return exitUsage
	}
	synopsis := "admin token " + verb + " [-config FILE]"
	if verb != "list" {
		synopsis += " NAME"
	}
	fs := newFlags("admin token "+verb, synopsis, stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); names the store")
	name, code := parseFlagsWithArg(fs, args[1:], verb != "list")
	if code >= 0 {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return exitUsage
	}
	db, err := openStore(cfg)
	if err != nil {
		return storeBusy(stderr, cfg, err, "make and revoke tokens on its admin page instead: "+daemonURL(cfg)+"/admin/tokens")
	}
	defer db.Close()
	switch verb {
	case "create":
		err = createToken(ctx, db, name, stdout, stderr)
	case "list":
		err = listTokens(ctx, db, stdout)
	case "revoke":
		err = db.RevokeToken(ctx, name, cliActor())
		if err == nil {
			fmt.Fprintf(stdout, "revoked %s\n", name)
		}
	}
	return tokenExit(stderr, verb, name, err)
}

// createToken makes an API token called name, printing it to stdout (and
// how to use it to stderr): it is shown this once.
func createToken(ctx context.Context, db *index.DB, name string, stdout, stderr io.Writer) error {
	token, hash := auth.NewToken()
	if err := db.CreateToken(ctx, pressfeed.APIToken{Name: name, Hash: hash, CreatedBy: cliActor()}); err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	fmt.Fprintf(stderr, "API token %q made; it is shown once. Send it as: Authorization: Bearer TOKEN\n", name)
	return nil
}

// listTokens prints a table of the API tokens to stdout.
func listTokens(ctx context.Context, db *index.DB, stdout io.Writer) error {
	list, err := db.Tokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCREATED\tBY\tLAST USED (TO THE HOUR)")
	for _, t := range list {
		used := "never"
		if !t.LastUsed.IsZero() {
			used = t.LastUsed.Format("2006-01-02 15:04 MST")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Created.Format("2006-01-02 15:04 MST"), t.CreatedBy, used)
	}
	return tw.Flush()
}

// tokenExit reports the error of `admin token VERB NAME`, if any, and
// returns the exit code: a name taken (create) or unknown (revoke) is a
// usage error.
func tokenExit(stderr io.Writer, verb, name string, err error) int {
	switch {
	case err == nil:
		return exitOK
	case verb == "create" && errors.Is(err, pressfeed.ErrExists):
		fmt.Fprintf(stderr, "pressfeed admin token create: a token called %q exists; revoke it first or choose another name\n", name)
		return exitUsage
	case verb == "revoke" && errors.Is(err, pressfeed.ErrNotFound):
		fmt.Fprintf(stderr, "pressfeed admin token revoke: there is no token %q\n", name)
		return exitUsage
	}
	fmt.Fprintf(stderr, "pressfeed: %v\n", err)
	return exitFailure
}

// parseFlagsWithArg parses flags around one positional argument (before or
// after it) and returns the argument, or the exit code to stop with.
func parseFlagsWithArg(fs *flag.FlagSet, args []string, want bool) (string, int) {
	if err := fs.Parse(args); err != nil {
		return "", flagExit(err)
	}
	rest := fs.Args()
	var arg string
	if want && len(rest) > 0 {
		arg, rest = rest[0], rest[1:]
		if err := fs.Parse(rest); err != nil {
			return "", flagExit(err)
		}
		rest = fs.Args()
	}
	switch {
	case want && arg == "":
		fmt.Fprintf(fs.Output(), "pressfeed %s: missing argument\n", fs.Name())
		return "", exitUsage
	case len(rest) > 0:
		fmt.Fprintf(fs.Output(), "pressfeed %s: unexpected argument %q\n", fs.Name(), rest[0])
		return "", exitUsage
	}
	return arg, -1
}

func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// cliActor is who a command-line change is recorded as: the local user.
func cliActor() pressfeed.Actor {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return pressfeed.Actor{Name: name, Via: "cli"}
}

// daemonURL is where the daemon for cfg would answer.
func daemonURL(cfg config.Config) string {
	if cfg.BaseURL != "" {
		return strings.TrimRight(cfg.BaseURL, "/")
	}
	return "http://" + cfg.Listen
}

// storeBusy explains a store that will not open. When a running daemon
// holds it, the message says so and what to use instead.
func storeBusy(stderr io.Writer, cfg config.Config, err error, instead string) int {
	if errors.Is(err, pressfeed.ErrStoreLocked) {
		fmt.Fprintf(stderr, "pressfeed: the store %s is held by a running daemon, so this command cannot change it.\n", cfg.DB)
		fmt.Fprintf(stderr, "Stop the daemon, or %s\n", instead)
		return exitFailure
	}
	fmt.Fprintf(stderr, "pressfeed: %v\n", err)
	return exitFailure
}
