package index

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// Sources returns every stored source, sorted by ID.
func (db *DB) Sources(ctx context.Context) ([]pressfeed.Source, error) {
	var out []pressfeed.Source
	err := db.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSources).ForEach(func(k, v []byte) error {
			var s pressfeed.Source
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("decode source %s: %w", k, err)
			}
			out = append(out, s)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Source returns the source with id, or an error wrapping
// pressfeed.ErrNotFound.
func (db *DB) Source(ctx context.Context, id string) (pressfeed.Source, error) {
	var s pressfeed.Source
	err := db.view(ctx, func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bucketSources), []byte(id), &s)
		if err == nil && !ok {
			err = pressfeed.ErrNotFound
		}
		return err
	})
	if err != nil {
		return pressfeed.Source{}, fmt.Errorf("source %s: %w", id, err)
	}
	return s, nil
}

// ValidateSource applies the checks every stored definition passes:
// Source.Validate, then the Options.ValidateSource the store was opened
// with. It returns a pressfeed.ValidationError naming each bad field, or
// nil. Import previews call it to report problems before anything changes.
func (db *DB) ValidateSource(src pressfeed.Source) error {
	return src.ValidateWith(db.check)
}

// PutSource adds src or replaces the source with the same ID, after
// ValidateSource; an invalid definition is not written and the error wraps
// its pressfeed.ValidationError.
func (db *DB) PutSource(ctx context.Context, src pressfeed.Source) error {
	if err := db.ValidateSource(src); err != nil {
		return fmt.Errorf("put source %s: %w", src.ID, err)
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketSources), []byte(src.ID), src)
	})
	if err != nil {
		return fmt.Errorf("put source %s: %w", src.ID, err)
	}
	db.changed()
	return nil
}

// DeleteSource removes the source with id and its fetch state. Its items
// stay in the store. It returns an error wrapping pressfeed.ErrNotFound if
// there is no such source.
func (db *DB) DeleteSource(ctx context.Context, id string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSources)
		if b.Get([]byte(id)) == nil {
			return pressfeed.ErrNotFound
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		db.states.forget(id)
		return deleteState(tx, []byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete source %s: %w", id, err)
	}
	db.changed()
	return nil
}

// deleteState removes a source's fetch state and its marks.
func deleteState(tx *bolt.Tx, key []byte) error {
	if err := tx.Bucket(bucketMarks).Delete(key); err != nil {
		return err
	}
	return tx.Bucket(bucketState).Delete(key)
}

// SeedSources stores list if the store holds no sources yet, and reports
// whether it did. Once the store holds sources it is the source list, and the
// settings file's list is ignored. Each source passes ValidateSource first;
// when one fails nothing is stored.
func (db *DB) SeedSources(ctx context.Context, list []pressfeed.Source) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("seed sources: %w", err)
	}
	if has, err := db.hasSources(); err != nil || has {
		return false, err // no write: every commit costs a sync
	}
	for _, src := range list {
		if err := db.ValidateSource(src); err != nil {
			return false, fmt.Errorf("seed sources: source %s: %w", src.ID, err)
		}
	}
	seeded := false
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSources)
		if k, _ := b.Cursor().First(); k != nil {
			return nil
		}
		for _, src := range list {
			if err := putJSON(b, []byte(src.ID), src); err != nil {
				return err
			}
		}
		seeded = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("seed sources: %w", err)
	}
	if seeded {
		db.changed()
	}
	return seeded, nil
}

// State returns the fetch state of the source with id; the zero state if it
// has never been polled.
//
// Its Marks are always read from the store: they change only with the
// items they describe (Ingest), never through the state buffer.
func (db *DB) State(ctx context.Context, id string) (pressfeed.SourceState, error) {
	st, buffered := db.states.get(id)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		if !buffered {
			if _, err := getJSON(tx.Bucket(bucketState), []byte(id), &st); err != nil {
				return err
			}
		}
		st.Marks = nil
		if b := tx.Bucket(bucketMarks); b != nil { // nil in a read-only open of an older store
			st.Marks = bytes.Clone(b.Get([]byte(id)))
		}
		return nil
	})
	if err != nil {
		return pressfeed.SourceState{}, fmt.Errorf("state of %s: %w", id, err)
	}
	return st, nil
}

// States returns the fetch state of every source that has one, by ID.
func (db *DB) States(ctx context.Context) (map[string]pressfeed.SourceState, error) {
	out := make(map[string]pressfeed.SourceState)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketState).ForEach(func(k, v []byte) error {
			var st pressfeed.SourceState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("decode state %s: %w", k, err)
			}
			out[string(k)] = st
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list states: %w", err)
	}
	db.states.overlay(out)
	return out, nil
}

// SaveState records st for the source with id without touching its items:
// the outcome of a poll that fetched nothing new (a 304, an error). State
// and States see it at once; it reaches the disk within a second, with the
// next Ingest, or at Close, whichever is first (statebuf.go says why). It
// returns the error of an earlier such write that failed, if any.
func (db *DB) SaveState(ctx context.Context, id string, st pressfeed.SourceState) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("save state of %s: %w", id, err)
	}
	if err := db.states.save(id, st, db.timedFlush); err != nil {
		return fmt.Errorf("save state of %s: %w", id, err)
	}
	return nil
}
