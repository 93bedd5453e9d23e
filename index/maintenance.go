package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// WriteBackup writes a consistent copy of the whole store to w from one read
// transaction and returns the number of bytes written. Writers carry on
// meanwhile, but one that must grow the file waits for the copy to end, so w
// should be fast (a local file, not a network client).
func (db *DB) WriteBackup(ctx context.Context, w io.Writer) (int64, error) {
	if !db.bolt.IsReadOnly() {
		// Buffered states belong in the copy; failing that, the copy is
		// still sound, only a second behind on them.
		_ = db.flushStates()
	}
	var n int64
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(ctxWriter{ctx, w})
		return err
	})
	if cerr := ctx.Err(); err != nil && cerr != nil {
		err = cerr // bbolt flattens the writer's error into text
	}
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", db.path, err)
	}
	return n, nil
}

// BackupToTemp writes a consistent copy of the store to a new file in dir
// (the store's own directory when dir is empty) and returns it synced and
// open at offset 0, with its size. The file is unlinked at once: it lives
// only as long as the returned handle, so a crash leaves nothing behind.
func (db *DB) BackupToTemp(ctx context.Context, dir string) (*os.File, int64, error) {
	if dir == "" {
		dir = filepath.Dir(db.path)
	}
	f, err := os.CreateTemp(dir, ".pressfeed-backup-*")
	if err != nil {
		return nil, 0, fmt.Errorf("back up %s: %w", db.path, err)
	}
	// Unlinking an open file is fine on Unix; on systems where it fails the
	// caller's Close removes nothing and the name stays, which is harmless.
	_ = os.Remove(f.Name())
	n, err := db.WriteBackup(ctx, f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, n, nil
}

// BackupToFile writes a consistent copy of the store to path, atomically: it
// writes path.tmp, syncs and verifies it (VerifyFile) and renames it into
// place, so path is either what it was or a complete, sound copy.
func (db *DB) BackupToFile(ctx context.Context, path string) (int64, error) {
	var n int64
	err := writeAtomic(path, func(f *os.File) error {
		var err error
		n, err = db.WriteBackup(ctx, f)
		return err
	}, func(tmp string) error { return VerifyFile(ctx, tmp) })
	if err != nil {
		return 0, fmt.Errorf("back up to %s: %w", path, err)
	}
	return n, nil
}

// SaveBackup writes a store copy read from r (a download from a running
// daemon) to path, atomically. The copy must be complete (size bytes, when
// size is not negative) and pass VerifyFile before it takes path's name, so
// a cut-short download or a damaged copy never replaces a good backup.
func SaveBackup(ctx context.Context, r io.Reader, size int64, path string) (int64, error) {
	var n int64
	err := writeAtomic(path, func(f *os.File) error {
		var err error
		n, err = io.Copy(f, ctxReader{ctx, r})
		if err == nil && size >= 0 && n != size {
			err = fmt.Errorf("got %d of %d bytes", n, size)
		}
		return err
	}, func(tmp string) error { return VerifyFile(ctx, tmp) })
	if err != nil {
		return n, fmt.Errorf("save backup to %s: %w", path, err)
	}
	return n, nil
}

// writeAtomic creates path.tmp, lets write fill it, syncs it, runs check on
// it (when not nil) and renames it to path. On error path.tmp is removed and
// path is untouched.
func writeAtomic(path string, write func(*os.File) error, check func(tmp string) error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && check != nil {
		err = check(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a rename in dir durable. Failure only weakens durability, so
// it is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// ctxWriter stops a long copy when its context ends.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// Verify checks the store: bbolt's own consistency check of every page, then
// this package's invariants (the schema version is readable, every item is
// decodable and listed in the time and source indexes under its publication
// time, with its current search text from schema 4 on, no index entry
// points at a missing item, every story index entry decodes and is a
// stored item's, and every story member is stored). It returns every
// problem found, joined, or nil.
// A store of an older schema (a backup being restored, opened read-only)
// lacks what later schemas add: the upgrade writes it when the store is
// opened for writing.
func (db *DB) Verify(ctx context.Context) error {
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
			if len(errs) == 20 {
				errs = append(errs, errors.New("more problems not listed"))
				break
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		var schema int
		v := tx.Bucket(bucketMeta).Get([]byte("schema"))
		if _, err := fmt.Sscan(string(v), &schema); err != nil {
			return fmt.Errorf("schema version %q is unreadable", v)
		}
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil && schema >= bucketSince[string(name)] {
				return fmt.Errorf("bucket %s is missing", name)
			}
		}
		return verifyItems(ctx, tx, schema >= 4)
	})
	if err != nil {
		return fmt.Errorf("verify %s: %w", db.path, err)
	}
	return nil
}

// verifyItems checks every item against the time and source indexes, and
// its search text when withText.
func verifyItems(ctx context.Context, tx *bolt.Tx, withText bool) error {
	byTime, bySource := tx.Bucket(bucketByTime), tx.Bucket(bucketBySource)
	var vocab vocabulary
	if err := vocab.load(tx); err != nil {
		return err
	}
	if _, err := loadDicts(tx); err != nil {
		return err
	}
	words := vocab.snapshot()
	if counted := vocabCount(tx); counted != uint64(len(words)) {
		return fmt.Errorf("the vocabulary holds %d words and counts %d", len(words), counted)
	}
	n := 0
	err := itemsOf(tx).ForEach(func(k, v []byte) error {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var it pressfeed.Item
		if err := decodeJSON(v, &it); err != nil {
			return fmt.Errorf("item %x: %w", k, err)
		}
		text := byTime.Get(timeKey(it.Published, k))
		if text == nil {
			return fmt.Errorf("item %x is missing from the time index", k)
		}
		if withText && !slices.Equal(storedWords(text, words), itemWords(it)) {
			return fmt.Errorf("item %x has a stale search text in the time index", k)
		}
		if bySource.Get(sourceKey(it.SourceID, it.Published, k)) == nil {
			return fmt.Errorf("item %x is missing from the source index", k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if t := itemsOf(tx); t.data != nil {
		if got := t.data.Stats().KeyN; got != n {
			return fmt.Errorf("item_data holds %d values for %d numbered items", got, n)
		}
	}
	if got := byTime.Stats().KeyN; got != n {
		return fmt.Errorf("time index has %d entries for %d items", got, n)
	}
	if got := bySource.Stats().KeyN; got != n {
		return fmt.Errorf("source index has %d entries for %d items", got, n)
	}
	if err := verifyEntries(tx, readWords(words)); err != nil {
		return err
	}
	return verifyStoriesAndTombstones(tx)
}

// verifyEntries checks that every story index entry decodes, its words in
// the vocabulary, and is an entry of a stored item.
func verifyEntries(tx *bolt.Tx, words wordBook) error {
	b := tx.Bucket(bucketStoryItems)
	if b == nil {
		return nil
	}
	items := itemsOf(tx)
	return b.ForEach(func(k, v []byte) error {
		if _, err := decodeEntry(v, words); err != nil {
			return fmt.Errorf("story index entry %x: %w", k, err)
		}
		if items.Get(k) == nil {
			return fmt.Errorf("story index entry %x is of an item that is not stored", k)
		}
		return nil
	})
}

// bucketSince is the schema that added each bucket younger than schema 5;
// an older store is read without it.
var bucketSince = map[string]int{string(bucketMarks): 7, string(bucketVocab): 8, string(bucketDicts): 11,
	string(bucketItemData): 12, string(bucketItemSeq): 12}

// storedWords returns the words of a stored search text, in order, with
// vocab the vocabulary by number; nil for a text it cannot read.
func storedWords(text []byte, vocab []string) []string {
	if len(text) == 0 {
		return nil
	}
	var out []string
	switch text[0] {
	case searchTextV1:
		if len(text) > 1 {
			out = strings.Split(string(text[1:]), " ")
		}
	case searchTextV2:
		ok := textIDs(text, func(id uint64) bool {
			if id >= uint64(len(vocab)) {
				out = nil
				return false
			}
			out = append(out, vocab[id])
			return true
		})
		if !ok {
			return nil
		}
		slices.Sort(out) // numbers were given in no word order
	}
	return out
}

// verifyStoriesAndTombstones checks that every story member is a stored
// item and that no stored item is also a tombstone.
func verifyStoriesAndTombstones(tx *bolt.Tx) error {
	items := itemsOf(tx)
	if b := tx.Bucket(bucketStories); b != nil {
		err := b.ForEach(func(k, v []byte) error {
			var rec storyRecord
			if err := decodeRecord(v, &rec); err != nil {
				return fmt.Errorf("story %x: %w", k, err)
			}
			if len(rec.Members) == 0 {
				return fmt.Errorf("story %x has no members", k)
			}
			for _, m := range rec.Members {
				key, err := keyBytes(m.Key)
				if err != nil {
					return fmt.Errorf("story %x: %w", k, err)
				}
				if items.Get(key) == nil {
					return fmt.Errorf("story %x lists item %s, which is not stored", k, m.Key)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if b := tx.Bucket(bucketTombstones); b != nil {
		return b.ForEach(func(k, _ []byte) error {
			if items.Get(k) != nil {
				return fmt.Errorf("item %x is stored and a tombstone", k)
			}
			return nil
		})
	}
	return nil
}

// VerifyFile opens the store at path read-only, verifies it and closes it. It
// returns an error wrapping pressfeed.ErrStoreLocked if a daemon holds it.
func VerifyFile(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("verify %s: %w", path, err)
	}
	db, err := openUnloaded(path, Options{ReadOnly: true}) // Verify reads its own vocabulary
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.checkSchema(); err != nil {
		return fmt.Errorf("verify %s: %w", path, err)
	}
	return db.Verify(ctx)
}

// initialized reports whether the store already has every bucket and the
// current schema version, so Open need not write (an older version must go
// through init's upgrade). A store that cannot be read says why.
func (db *DB) initialized() (bool, error) {
	ready := true
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				ready = false
				return nil
			}
		}
		ready = string(tx.Bucket(bucketMeta).Get([]byte("schema"))) == fmt.Sprint(SchemaVersion)
		return nil
	})
	return ready && err == nil, err
}

// hasSources reports whether the store holds any source.
func (db *DB) hasSources() (bool, error) {
	var has bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketSources).Cursor().First()
		has = k != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("seed sources: %w", err)
	}
	return has, nil
}

// checkSchema reports a store whose layout this program cannot read.
func (db *DB) checkSchema() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return errors.New("not a pressfeed store (no meta bucket)")
		}
		return checkSchemaVersion(meta.Get([]byte("schema")))
	})
}

// checkSchemaVersion reports a stored schema version this program cannot
// read: unreadable, or newer than SchemaVersion.
func checkSchemaVersion(v []byte) error {
	var got int
	if _, err := fmt.Sscan(string(v), &got); err != nil {
		return fmt.Errorf("schema version %q is unreadable", v)
	}
	if got > SchemaVersion {
		return fmt.Errorf("schema version %d is newer than this program's %d", got, SchemaVersion)
	}
	return nil
}

// compactTxSize bounds each transaction of a compaction, so memory stays
// flat however large the store.
const compactTxSize = 16 << 20

// Compact rewrites the store at path into a fresh file holding only live
// pages, verifies the copy and swaps it into place. It needs the store to
// itself: it returns an error wrapping pressfeed.ErrStoreLocked when a daemon
// holds it. It returns the file's size before and after.
func Compact(ctx context.Context, path string) (before, after int64, err error) {
	src, err := Open(path, Options{})
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if cerr := src.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("compact %s: %w", path, cerr)
		}
	}()
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	tmp := path + ".compact.tmp"
	os.Remove(tmp) // a leftover from an interrupted run
	if err := compactInto(ctx, src, tmp); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := VerifyFile(ctx, tmp); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: the new copy failed its check, the store is untouched: %w", path, err)
	}
	// The source stays open, and so locked, until the new file has its name.
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	nfi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	return fi.Size(), nfi.Size(), nil
}

func compactInto(ctx context.Context, src *DB, tmp string) error {
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	dst.AllocSize = allocSize
	if err := bolt.Compact(dst, src.bolt, compactTxSize); err != nil {
		dst.Close()
		return err
	}
	if err := ctx.Err(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// Restore replaces the store at path with the backup at backup, after
// checking that the backup is a sound pressfeed store. The store being
// replaced is kept as path.before-restore. It needs the store to itself: it
// returns an error wrapping pressfeed.ErrStoreLocked when a daemon holds it.
func Restore(ctx context.Context, backup, path string) (err error) {
	if err := VerifyFile(ctx, backup); err != nil {
		return fmt.Errorf("restore from %s: the backup is not usable: %w", backup, err)
	}
	if same, _ := sameFile(backup, path); same {
		return fmt.Errorf("restore from %s: it is the store itself", backup)
	}
	if _, statErr := os.Stat(path); statErr == nil {
		// Holding the store open keeps a daemon from starting on it while the
		// files are swapped, and fails now if one is running.
		cur, err := Open(path, Options{})
		if err != nil {
			return err
		}
		defer cur.Close()
		if err := copyFile(path, path+".before-restore"); err != nil {
			return fmt.Errorf("restore: keep the current store: %w", err)
		}
	}
	err = writeAtomic(path, func(f *os.File) error {
		in, err := os.Open(backup)
		if err != nil {
			return err
		}
		defer in.Close()
		_, err = io.Copy(f, ctxReader{ctx, in})
		return err
	}, nil)
	if err != nil {
		return fmt.Errorf("restore from %s: %w", backup, err)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeAtomic(to, func(f *os.File) error {
		_, err := io.Copy(f, in)
		return err
	}, nil)
}

func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
