// Command seed fills a fresh pressfeed store with deterministic sample
// sources and items for the serving benchmark (bench/serve/run). Every
// source is disabled, so the daemon serving the store polls nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"pressfeed"
	"pressfeed/index"
)

func main() {
	dbPath := flag.String("db", "", "store file to create (must not exist)")
	items := flag.Int("items", 600, "items to store, spread over the sources")
	flag.Parse()
	if *dbPath == "" {
		fmt.Fprintln(os.Stderr, "usage: seed -db FILE [-items N]")
		os.Exit(2)
	}
	if _, err := os.Stat(*dbPath); err == nil {
		fmt.Fprintf(os.Stderr, "seed: %s exists\n", *dbPath)
		os.Exit(2)
	}
	if err := seed(*dbPath, *items); err != nil {
		fmt.Fprintf(os.Stderr, "seed: %v\n", err)
		os.Exit(1)
	}
}

func seed(path string, n int) error {
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db, err := index.Open(path, index.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	kinds := []pressfeed.Kind{pressfeed.KindForce, pressfeed.KindForce, pressfeed.KindPCC, pressfeed.KindROCU}
	var sources []pressfeed.Source
	for i := 0; i < 8; i++ {
		sources = append(sources, pressfeed.Source{
			ID: fmt.Sprintf("bench-%d", i), Name: fmt.Sprintf("Benchmark Organisation %d", i),
			Kind: kinds[i%len(kinds)], Area: fmt.Sprintf("Area %d", i%4),
			URL: fmt.Sprintf("https://bench-%d.invalid/feed", i), Type: pressfeed.TypeFeed,
		})
	}
	if _, err := db.SeedSources(ctx, sources); err != nil {
		return err
	}
	for s, src := range sources {
		var batch []pressfeed.Item
		for i := s; i < n; i += len(sources) {
			batch = append(batch, pressfeed.Item{
				GUID:      fmt.Sprintf("item-%d", i),
				Title:     fmt.Sprintf("Press release %d: officers appeal for witnesses after incident in %s", i, src.Area),
				Link:      fmt.Sprintf("https://bench-%d.invalid/news/%d", s, i),
				Summary:   fmt.Sprintf("<p>Officers are appealing for information after an incident on %s. Anyone with information should call 101 quoting log %d.</p>", src.Area, i),
				Content:   fmt.Sprintf("<p>Officers are appealing for information after an incident on %s.</p><p>Anyone with information should call 101 quoting log %d, or contact Crimestoppers anonymously.</p>", src.Area, i),
				Published: t0.Add(-time.Duration(i) * 17 * time.Minute),
			})
		}
		if _, err := db.Ingest(ctx, src.ID, batch, pressfeed.SourceState{}); err != nil {
			return err
		}
	}
	return nil
}
