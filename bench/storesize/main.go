// Command storesize reports where a pressfeed store's bytes go: for each
// bucket, its keys, the bytes of its keys and values, and the leaf and
// branch pages bbolt allocated for it, each per stored item; then the same
// for a compacted copy (what `pressfeed compact` would leave). It reads the
// store without changing it (the copy is made in a temporary directory).
//
//	go run ./bench/storesize -db STORE.db
//
// bench/scale -keep leaves a store to measure.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"

	bolt "go.etcd.io/bbolt"

	"pressfeed/index"
)

func main() {
	path := flag.String("db", "", "the store to measure (not changed)")
	flag.Parse()
	if *path == "" {
		log.Fatal("storesize: -db is required")
	}
	if err := report(os.Stdout, *path, "as written"); err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "storesize")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	copyPath := filepath.Join(dir, "copy.db")
	if err := copyFile(*path, copyPath); err != nil {
		log.Fatal(err)
	}
	if _, _, err := index.Compact(context.Background(), copyPath); err != nil {
		log.Fatal(err)
	}
	if err := report(os.Stdout, copyPath, "after compact"); err != nil {
		log.Fatal(err)
	}
}

// report prints one table of the store at path's buckets.
func report(w io.Writer, path, title string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		type row struct {
			name  string
			stats bolt.BucketStats
		}
		var rows []row
		err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			rows = append(rows, row{string(name), b.Stats()})
			return nil
		})
		if err != nil {
			return err
		}
		items := 0
		for _, name := range []string{"item_seq", "items"} { // schema 12 and later, then earlier
			if b := tx.Bucket([]byte(name)); b != nil {
				items = b.Stats().KeyN
				break
			}
		}
		if items == 0 {
			return fmt.Errorf("%s holds no items", path)
		}
		sort.Slice(rows, func(i, j int) bool { return allocated(rows[i].stats) > allocated(rows[j].stats) })
		per := func(n int) string { return fmt.Sprintf("%.0f B", float64(n)/float64(items)) }
		fmt.Fprintf(w, "\n%s: %s, %d items, file %.1f MB (%.2f KB an item)\n\n", title, path, items, float64(fi.Size())/1e6, float64(fi.Size())/1e3/float64(items))
		fmt.Fprintln(w, "| bucket | keys | key + value bytes an item | allocated an item |")
		fmt.Fprintln(w, "|---|---:|---:|---:|")
		var sumData, sumAlloc int
		for _, r := range rows {
			data := r.stats.LeafInuse
			sumData += data
			sumAlloc += allocated(r.stats)
			fmt.Fprintf(w, "| `%s` | %d | %s | %s |\n", r.name, r.stats.KeyN, per(data), per(allocated(r.stats)))
		}
		fmt.Fprintf(w, "| **all** | | %s | %s |\n", per(sumData), per(sumAlloc))
		return nil
	})
}

// allocated is the bytes of pages a bucket holds, leaves and branches.
func allocated(s bolt.BucketStats) int { return s.LeafAlloc + s.BranchAlloc }

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
