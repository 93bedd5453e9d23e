package index

import (
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// stateFlushDelay is how long a state-only write (SaveState: a 304, a
// failure) may wait in memory before it is committed. Every bbolt commit
// syncs the file to disk; 1,000 sources answering 304 would otherwise cost
// 1,000 syncs a cycle, several times the cost of the polls themselves. A
// crash loses at most this much of such writes, which hold only times and
// counters that the next poll sets again. Items are never buffered: Ingest
// commits before it returns.
const stateFlushDelay = time.Second

// errClosed is returned by writes to a closed store.
var errClosed = errors.New("store is closed")

// stateBuffer holds saved source states until they are committed, by a
// timer, by the next Ingest (which writes them in its own transaction) or by
// Close. Reads see them at once.
type stateBuffer struct {
	mu      sync.Mutex
	pending map[string]pendingState
	seq     uint64
	timer   *time.Timer
	closed  bool
	failed  error // the last timed flush's error, reported by the next SaveState
}

type pendingState struct {
	st  pressfeed.SourceState
	seq uint64 // to tell, after a commit, whether a newer save came in
}

// save buffers st for id and arms the flush timer. It returns the error of
// an earlier timed flush, if one failed since the last call.
func (b *stateBuffer) save(id string, st pressfeed.SourceState, flush func()) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errClosed
	}
	if b.pending == nil {
		b.pending = make(map[string]pendingState)
	}
	b.seq++
	b.pending[id] = pendingState{st: st, seq: b.seq}
	if b.timer == nil {
		b.timer = time.AfterFunc(stateFlushDelay, flush)
	}
	err := b.failed
	b.failed = nil
	return err
}

// get returns the buffered state of id, if there is one.
func (b *stateBuffer) get(id string) (pressfeed.SourceState, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.pending[id]
	return p.st, ok
}

// overlay puts every buffered state into m.
func (b *stateBuffer) overlay(m map[string]pressfeed.SourceState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, p := range b.pending {
		m[id] = p.st
	}
}

// forget drops id's buffered state. Called inside the write transaction
// that deletes the source, so no flush can write it back afterwards.
func (b *stateBuffer) forget(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.pending, id)
}

// writePending writes every buffered state in tx and returns what it wrote,
// for committed. It is called inside the transaction, so a concurrent
// DeleteSource is ordered before or after it, never between.
func (b *stateBuffer) writePending(tx *bolt.Tx) (map[string]pendingState, error) {
	b.mu.Lock()
	snap := make(map[string]pendingState, len(b.pending))
	for id, p := range b.pending {
		snap[id] = p
	}
	b.mu.Unlock()
	bucket := tx.Bucket(bucketState)
	for id, p := range snap {
		if err := putJSON(bucket, []byte(id), p.st); err != nil {
			return nil, fmt.Errorf("write state of %s: %w", id, err)
		}
	}
	return snap, nil
}

// committed drops the states written by a transaction that has committed,
// unless a newer save replaced them meanwhile.
func (b *stateBuffer) committed(written map[string]pendingState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, w := range written {
		if p, ok := b.pending[id]; ok && p.seq == w.seq {
			delete(b.pending, id)
		}
	}
}

// flushStates commits every buffered state now.
func (db *DB) flushStates() error {
	db.states.mu.Lock()
	if db.states.timer != nil {
		db.states.timer.Stop()
		db.states.timer = nil
	}
	empty := len(db.states.pending) == 0
	db.states.mu.Unlock()
	if empty {
		return nil
	}
	var written map[string]pendingState
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		var err error
		written, err = db.states.writePending(tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("save states: %w", err)
	}
	db.states.committed(written)
	return nil
}

// timedFlush is the flush timer's function: its error is kept for the next
// SaveState to report, and the states stay buffered for the next try.
func (db *DB) timedFlush() {
	if err := db.flushStates(); err != nil {
		db.states.mu.Lock()
		db.states.failed = err
		db.states.mu.Unlock()
	}
}

// closeStates flushes the buffer for the last time and refuses later saves.
func (db *DB) closeStates() error {
	err := db.flushStates()
	db.states.mu.Lock()
	db.states.closed = true
	if db.states.timer != nil {
		db.states.timer.Stop()
		db.states.timer = nil
	}
	db.states.mu.Unlock()
	return err
}
