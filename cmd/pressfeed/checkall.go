package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"text/tabwriter"
	"time"

	"pressfeed"
	"pressfeed/config"
	"pressfeed/fetch"
	"pressfeed/schedule"
)

// regionRow is one source's line of `pressfeed check -all`.
type regionRow struct {
	Source   string                  `json:"source"`
	Enabled  bool                    `json:"enabled"`
	Type     string                  `json:"type"`
	Strategy string                  `json:"strategy,omitempty"`
	URL      string                  `json:"url,omitempty"`
	Items    int                     `json:"items"`
	Newest   time.Time               `json:"newest,omitzero"`
	Error    string                  `json:"error,omitempty"`
	Category pressfeed.ErrorCategory `json:"category,omitempty"`
	Warnings []string                `json:"warnings,omitempty"`
	Attempts []pressfeed.Attempt     `json:"attempts,omitempty"`
}

// checkAll checks every known source, disabled ones too, as many at once
// as the settings' concurrency allows (one request at a time per host
// still), and prints one table, or with asJSON one JSON array. It exits 1
// when any source would fail.
func checkAll(ctx context.Context, cfg config.Config, p *fetch.Poller, asJSON bool, stdout, stderr io.Writer) int {
	list, from := knownSources(ctx, cfg)
	enabled := make(map[string]bool, len(list))
	all := make([]pressfeed.Source, len(list))
	for i, src := range list {
		enabled[src.ID] = src.Enabled
		src.Enabled = true // RunOnce polls enabled sources; a check looks at all of them
		all[i] = src
	}
	var (
		mu   sync.Mutex
		rows []regionRow
	)
	schedule.RunOnce(ctx, all, cfg.Concurrency, func(ctx context.Context, src pressfeed.Source) {
		row := checkRow(ctx, p, src)
		row.Enabled = enabled[src.ID]
		mu.Lock()
		rows = append(rows, row)
		mu.Unlock()
	})
	sort.Slice(rows, func(i, j int) bool { return rows[i].Source < rows[j].Source })
	failed := 0
	for _, r := range rows {
		if r.Error != "" {
			failed++
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rows)
	} else {
		printRegion(stdout, rows, from)
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "pressfeed check: %d of %d sources would fail\n", failed, len(rows))
		return exitFailure
	}
	return exitOK
}

// checkRow checks one source for the table.
func checkRow(ctx context.Context, p *fetch.Poller, src pressfeed.Source) regionRow {
	row := regionRow{Source: src.ID, Type: string(src.Type)}
	if err := config.ValidateSource(src); err != nil {
		row.Error, row.Category = err.Error(), pressfeed.CatSettings
		return row
	}
	rep, err := p.Check(ctx, src)
	row.Strategy, row.Attempts, row.Warnings, row.Items = rep.Strategy, rep.Attempts, rep.Warnings, len(rep.Items)
	row.URL = rep.URL
	for _, it := range rep.Items {
		if it.Published.After(row.Newest) {
			row.Newest = it.Published
		}
	}
	if err != nil {
		row.Error = err.Error()
		if fe, ok := err.(*fetch.Error); ok {
			row.Category = fe.Category
		}
	}
	return row
}

// printRegion writes the table for a person.
func printRegion(w io.Writer, rows []regionRow, from string) {
	fmt.Fprintf(w, "%d sources from %s\n\n", len(rows), from)
	london := pressfeed.London()
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSTRATEGY\tITEMS\tNEWEST\tPROBLEMS")
	for _, r := range rows {
		way := r.Strategy
		switch {
		case way != "":
			way = pressfeed.StrategyLabel(way)
		case r.Type != string(pressfeed.TypeAuto):
			way = r.Type
		default:
			way = "none found"
		}
		newest := "-"
		if !r.Newest.IsZero() {
			newest = r.Newest.In(london).Format("02 Jan 2006 15:04")
		}
		problems := "none"
		switch {
		case r.Error != "":
			problems = string(r.Category) + ": " + shorten(r.Error, 140)
		case len(r.Warnings) > 0:
			problems = shorten(r.Warnings[0], 140)
			if len(r.Warnings) > 1 {
				problems += fmt.Sprintf(" (+%d more)", len(r.Warnings)-1)
			}
		}
		if !r.Enabled {
			problems = "disabled; " + problems
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.Source, printable(way), r.Items, newest, printable(problems))
	}
	tw.Flush()
	fmt.Fprintln(w, "\n`pressfeed check ID` shows what each strategy of one source found; -json gives all of it.")
}

// shorten cuts s to n characters, ending in "…" when cut.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
