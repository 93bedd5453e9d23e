package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// runVerbs dispatches `pressfeed GROUP VERB` to one of verbs. With no verb,
// or flags first, it runs the first verb (the group's list).
func runVerbs(ctx context.Context, group string, verbs []command, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			verbsUsage(stderr, group, verbs)
			return exitOK
		}
		return verbs[0].run(ctx, args, stdout, stderr)
	}
	for _, v := range verbs {
		if v.name == args[0] {
			return v.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "pressfeed %s: unknown verb %q\n\n", group, args[0])
	verbsUsage(stderr, group, verbs)
	return exitUsage
}

func verbsUsage(w io.Writer, group string, verbs []command) {
	fmt.Fprintf(w, "usage: pressfeed %s [VERB] [flags]\n", group)
	fmt.Fprintln(w, "\nverbs:")
	for _, v := range verbs {
		fmt.Fprintf(w, "  %-8s %s\n", v.name, v.summary)
	}
	fmt.Fprintf(w, "\nRun 'pressfeed %s VERB -h' for a verb's flags.\n", group)
}
