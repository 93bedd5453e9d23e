package index_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pressfeed"
	"pressfeed/index"
	"pressfeed/internal/synthtext"
)

// fill ingests n items for source src, with bodies of about size bytes.
// Every item has words of its own, so story clustering sees n unrelated
// items, as a real feed mostly is.
func fill(t *testing.T, db *index.DB, src string, from, n, size int) {
	t.Helper()
	var items []pressfeed.Item
	for i := from; i < from+n; i++ {
		seed := src + "/" + strconv.Itoa(i)
		it := item(seed, synthtext.Unique(seed+"/title", 6), t0.Add(-time.Duration(i)*time.Minute))
		it.Summary = "<p>" + synthtext.Unique(seed+"/summary", 12) + "</p>"
		it.Content = "<p>" + synthtext.Unique(seed+"/content", size/9) + "</p>"
		items = append(items, it)
	}
	if _, err := db.Ingest(context.Background(), src, items, pressfeed.SourceState{}); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, db *index.DB) int {
	t.Helper()
	n, err := db.ItemCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackupWhileWritingIsConsistent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "s.db"), &clock{t0})
	fill(t, db, "a", 0, 200, 500)

	// Writers keep going while three backups are taken; each backup must be
	// a sound store holding a whole number of polls (multiples of 50).
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			fill(t, db, "b", i*50, 50, 500)
		}
	}()
	for i := 0; i < 3; i++ {
		out := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		n, err := db.BackupToFile(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(out); fi.Size() != n {
			t.Errorf("backup %d: reported %d bytes, file has %d", i, n, fi.Size())
		}
		if _, err := os.Stat(out + ".tmp"); !os.IsNotExist(err) {
			t.Errorf("backup %d left its temporary file", i)
		}
		b, err := index.Open(out, index.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Verify(ctx); err != nil {
			t.Errorf("backup %d: %v", i, err)
		}
		if got := count(t, b); got%50 != 0 || got < 200 {
			t.Errorf("backup %d holds %d items, want a multiple of 50 and at least 200", i, got)
		}
		b.Close()
	}
	close(stop)
	wg.Wait()
}

func TestBackupToTempLeavesNoFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "s.db"), &clock{t0})
	fill(t, db, "a", 0, 20, 100)
	f, n, err := db.BackupToTemp(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries besides nothing else, want only the store: %v", len(entries), entries)
	}
	// The copy read back through SaveBackup is a sound store.
	out := filepath.Join(t.TempDir(), "copy.db")
	got, err := index.SaveBackup(ctx, f, n, out)
	if err != nil || got != n {
		t.Fatalf("save: %d bytes, %v; want %d", got, err, n)
	}
	if err := index.VerifyFile(ctx, out); err != nil {
		t.Error(err)
	}
}

func TestSaveBackupRefusesBadCopies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "s.db"), &clock{t0})
	fill(t, db, "a", 0, 20, 100)
	var buf bytes.Buffer
	n, err := db.WriteBackup(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "b.db")
	os.WriteFile(out, []byte("the previous backup"), 0o600)

	t.Run("cut short", func(t *testing.T) {
		_, err := index.SaveBackup(ctx, bytes.NewReader(buf.Bytes()[:n/2]), n, out)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("of %d bytes", n)) {
			t.Errorf("got %v, want a short-copy error", err)
		}
	})
	t.Run("not a store", func(t *testing.T) {
		junk := bytes.Repeat([]byte("junk"), 4096)
		if _, err := index.SaveBackup(ctx, bytes.NewReader(junk), -1, out); err == nil {
			t.Error("junk saved as a backup")
		}
	})
	if got, _ := os.ReadFile(out); string(got) != "the previous backup" {
		t.Error("a refused copy replaced the previous backup")
	}
	if _, err := os.Stat(out + ".tmp"); !os.IsNotExist(err) {
		t.Error("a refused copy left its temporary file")
	}
}

func TestVerifyFindsDamage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := index.Open(path, index.Options{Now: (&clock{t0}).Now})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, db, "a", 0, 300, 2000)
	if err := db.Verify(ctx); err != nil {
		t.Fatalf("fresh store: %v", err)
	}
	db.Close()
	if err := index.VerifyFile(ctx, path); err != nil {
		t.Fatalf("fresh store file: %v", err)
	}

	// Overwrite pages in the middle of the file with garbage.
	data, _ := os.ReadFile(path)
	for i := len(data) / 3; i < len(data)/3+3*4096 && i < len(data); i++ {
		data[i] = 0xAB
	}
	damaged := filepath.Join(t.TempDir(), "damaged.db")
	os.WriteFile(damaged, data, 0o600)
	if err := index.VerifyFile(ctx, damaged); err == nil {
		t.Error("a store with overwritten pages passed verification")
	}

	if err := index.VerifyFile(ctx, filepath.Join(t.TempDir(), "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want not-exist", err)
	}
}

func TestCompactShrinksAndKeepsEverything(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	c := &clock{t0}
	db, err := index.Open(path, index.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, db, "old", 0, 400, 4000)
	c.t = t0.Add(400 * 24 * time.Hour)
	fill(t, db, "new", 0, 50, 4000)
	// Prune the old items: the file keeps its size until compacted.
	if n, err := db.Prune(ctx, t0.Add(time.Hour)); err != nil || n != 400 {
		t.Fatalf("prune: %d, %v", n, err)
	}

	t.Run("refused while held", func(t *testing.T) {
		_, _, err := index.Compact(ctx, path)
		if !errors.Is(err, pressfeed.ErrStoreLocked) {
			t.Errorf("got %v, want ErrStoreLocked", err)
		}
	})
	db.Close()

	before, after, err := index.Compact(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if after >= before/2 {
		t.Errorf("compacted from %d to %d bytes; want under half", before, after)
	}
	if fi, _ := os.Stat(path); fi.Size() != after {
		t.Errorf("reported %d bytes, file has %d", after, fi.Size())
	}
	db = mustOpen(t, path, c)
	if err := db.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(t, db); got != 50 {
		t.Errorf("after compaction %d items, want 50", got)
	}
	st, _ := db.Stats(ctx)
	if st.Tombstones != 400 {
		t.Errorf("after compaction %d tombstones, want 400", st.Tombstones)
	}
}

func TestRestoreReplacesAndKeepsTheOld(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "s.db")
	db, err := index.Open(path, index.Options{Now: (&clock{t0}).Now})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, db, "a", 0, 10, 100)
	backup := filepath.Join(dir, "backup.db")
	if _, err := db.BackupToFile(ctx, backup); err != nil {
		t.Fatal(err)
	}
	fill(t, db, "a", 10, 10, 100) // after the backup

	t.Run("refused while held", func(t *testing.T) {
		if err := index.Restore(ctx, backup, path); !errors.Is(err, pressfeed.ErrStoreLocked) {
			t.Errorf("got %v, want ErrStoreLocked", err)
		}
	})
	db.Close()
	t.Run("refuses a bad backup", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.db")
		os.WriteFile(bad, bytes.Repeat([]byte{1}, 8192), 0o600)
		err := index.Restore(ctx, bad, path)
		if err == nil || !strings.Contains(err.Error(), "not usable") {
			t.Errorf("got %v, want a not-usable error", err)
		}
	})
	if err := index.Restore(ctx, backup, path); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, path, &clock{t0})
	if got := count(t, db); got != 10 {
		t.Errorf("restored store has %d items, want the backup's 10", got)
	}
	old, err := index.Open(path+".before-restore", index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if got := count(t, old); got != 20 {
		t.Errorf("kept store has %d items, want 20", got)
	}
}

func TestBackupStopsWithItsContext(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), &clock{t0})
	fill(t, db, "a", 0, 50, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.WriteBackup(ctx, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}
