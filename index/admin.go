package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// Buckets of the admin side, appended to allBuckets in db.go.
var (
	bucketAudit  = []byte("audit")  // time (8) | sequence (8) → AuditEntry JSON
	bucketTokens = []byte("tokens") // hex SHA-256 of the token → APIToken JSON
)

// defaultAuditLimit is the page size of AuditLog when the query names none.
const defaultAuditLimit = 50

// ApplySourceChanges makes every change in changes and writes an audit
// entry for each in one write transaction: either all of them are stored or
// none is. It returns the entries written, in order. An update that changes
// nothing writes no entry.
//
// Every definition created or updated is validated first (see
// ValidateSource); when one fails nothing is written and the error wraps
// its pressfeed.ValidationError, naming the source. It returns an error
// wrapping pressfeed.ErrExists when ActionCreate names a source that exists, and one
// wrapping pressfeed.ErrNotFound when ActionUpdate, ActionDelete or
// ActionPoll names one that does not. Deleting a source removes its fetch
// state; its items stay.
func (db *DB) ApplySourceChanges(ctx context.Context, by pressfeed.Actor, changes []pressfeed.SourceChange) ([]pressfeed.AuditEntry, error) {
	for _, ch := range changes {
		switch ch.Action {
		case pressfeed.ActionCreate, pressfeed.ActionUpdate, pressfeed.ActionPut:
			if err := db.ValidateSource(ch.Source); err != nil {
				return nil, fmt.Errorf("change sources: source %s: %w", ch.Source.ID, err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("change sources: %w", err)
	}
	var entries []pressfeed.AuditEntry
	now := db.now().UTC()
	var flushed map[string]pendingState
	err := db.update(ctx, func(tx *bolt.Tx) error {
		entries = entries[:0]
		// Buffered states first (statebuf.go), so a reset below starts
		// from the latest.
		var err error
		if flushed, err = db.states.writePending(tx); err != nil {
			return err
		}
		for _, ch := range changes {
			entry, err := applySourceChange(tx, ch)
			if err != nil {
				return err
			}
			if ch.Action == pressfeed.ActionDelete {
				db.states.forget(ch.Source.ID) // statebuf.go: no flush may write it back
			}
			if entry == nil {
				continue
			}
			entry.Time, entry.Actor = now, by
			if err := putAudit(tx, entry); err != nil {
				return err
			}
			entries = append(entries, *entry)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("change sources: %w", err)
	}
	db.states.committed(flushed)
	if len(entries) > 0 {
		db.changed()
	}
	return entries, nil
}

// applySourceChange makes one change and returns its audit entry, or nil
// when nothing changed.
func applySourceChange(tx *bolt.Tx, ch pressfeed.SourceChange) (*pressfeed.AuditEntry, error) {
	b := tx.Bucket(bucketSources)
	id := ch.Source.ID
	key := []byte(id)
	var old pressfeed.Source
	exists, err := getJSON(b, key, &old)
	if err != nil {
		return nil, err
	}
	if ch.IfVersion != "" && exists && ch.Action != pressfeed.ActionPoll && old.Version() != ch.IfVersion {
		return nil, conflict(tx, old)
	}
	entry := &pressfeed.AuditEntry{Action: ch.Action, SourceID: id}
	if exists {
		entry.Before = &old
	}
	action := ch.Action
	if action == pressfeed.ActionPut {
		action = pressfeed.ActionCreate
		if exists {
			action = pressfeed.ActionUpdate
		}
		entry.Action = action
	}
	switch action {
	case pressfeed.ActionCreate:
		if exists {
			return nil, fmt.Errorf("source %s: %w", id, pressfeed.ErrExists)
		}
	case pressfeed.ActionUpdate, pressfeed.ActionDelete, pressfeed.ActionPoll:
		if !exists {
			return nil, fmt.Errorf("source %s: %w", id, pressfeed.ErrNotFound)
		}
	default:
		return nil, fmt.Errorf("source %s: unknown change %q", id, ch.Action)
	}
	switch action {
	case pressfeed.ActionCreate, pressfeed.ActionUpdate:
		if exists && sameJSON(old, ch.Source) {
			return nil, nil
		}
		after := ch.Source
		entry.After = &after
		if exists && fetchChanged(old, ch.Source) {
			if err := resetFetchState(tx, key, true); err != nil {
				return nil, err
			}
		}
		return entry, putJSON(b, key, ch.Source)
	case pressfeed.ActionDelete:
		if err := b.Delete(key); err != nil {
			return nil, err
		}
		return entry, deleteState(tx, key)
	default: // ActionPoll: recorded; a backoff in force is lifted so the poll runs
		entry.Before = nil
		return entry, resetFetchState(tx, key, false)
	}
}

// conflict describes a stored source that changed since the version a
// change was made against, naming who saved it last and when, from the
// newest audit entry that changed its definition.
func conflict(tx *bolt.Tx, current pressfeed.Source) error {
	ce := &pressfeed.ConflictError{Current: current}
	c := tx.Bucket(bucketAudit).Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var e pressfeed.AuditEntry
		if err := decodeJSON(v, &e); err != nil {
			return fmt.Errorf("audit entry %x: %w", k, err)
		}
		if e.SourceID == current.ID && e.After != nil {
			ce.By, ce.At = e.Actor, e.Time
			break
		}
	}
	return ce
}

// sameJSON compares two sources by their stored form, so fields added to
// Source later take part without this code changing.
func sameJSON(a, b pressfeed.Source) bool {
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && bytes.Equal(x, y)
}

// putAudit stores entry under a key that sorts by time and then by write
// order, and sets the entry's ID from that key.
func putAudit(tx *bolt.Tx, entry *pressfeed.AuditEntry) error {
	b := tx.Bucket(bucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	key := make([]byte, 16)
	binary.BigEndian.PutUint64(key, uint64(entry.Time.UnixNano()))
	binary.BigEndian.PutUint64(key[8:], seq)
	entry.ID = hex.EncodeToString(key)
	return putJSON(b, key, entry)
}

// AuditLog returns entries matching q, newest first, and the ID to pass as
// q.Before for the next page (empty on the last). It returns an error
// wrapping pressfeed.ErrInvalidCursor when q.Before is not an entry ID.
func (db *DB) AuditLog(ctx context.Context, q pressfeed.AuditQuery) ([]pressfeed.AuditEntry, string, error) {
	if q.Limit <= 0 {
		q.Limit = defaultAuditLimit
	}
	var before []byte
	if q.Before != "" {
		b, err := hex.DecodeString(q.Before)
		if err != nil || len(b) != 16 {
			return nil, "", fmt.Errorf("audit log: cursor %q: %w", q.Before, pressfeed.ErrInvalidCursor)
		}
		before = b
	}
	var (
		out  []pressfeed.AuditEntry
		next string
	)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		var k, v []byte
		if before != nil {
			k, _ = c.Seek(before)
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		} else {
			k, v = c.Last()
		}
		for ; k != nil; k, v = c.Prev() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var e pressfeed.AuditEntry
			if err := decodeJSON(v, &e); err != nil {
				return fmt.Errorf("decode audit entry %x: %w", k, err)
			}
			if q.SourceID != "" && e.SourceID != q.SourceID {
				continue
			}
			if len(out) == q.Limit {
				next = out[len(out)-1].ID
				return nil
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("audit log: %w", err)
	}
	return out, next, nil
}

// CreateToken stores tok (its Hash set, its Name unique) and an audit entry
// for it in one transaction. It returns an error wrapping pressfeed.ErrExists
// when a token with that name exists.
func (db *DB) CreateToken(ctx context.Context, tok pressfeed.APIToken) error {
	tok.Created = db.now().UTC()
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		if _, found, err := findToken(b, tok.Name); err != nil || found {
			if found {
				err = fmt.Errorf("token %s: %w", tok.Name, pressfeed.ErrExists)
			}
			return err
		}
		if err := putJSON(b, []byte(tok.Hash), tok); err != nil {
			return err
		}
		return putAudit(tx, &pressfeed.AuditEntry{Time: tok.Created, Actor: tok.CreatedBy, Action: pressfeed.ActionTokenCreate, Token: tok.Name})
	})
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// RevokeToken deletes the token called name and records who did it. It
// returns an error wrapping pressfeed.ErrNotFound when there is none.
func (db *DB) RevokeToken(ctx context.Context, name string, by pressfeed.Actor) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		hash, found, err := findToken(b, name)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("token %s: %w", name, pressfeed.ErrNotFound)
		}
		if err := b.Delete(hash); err != nil {
			return err
		}
		return putAudit(tx, &pressfeed.AuditEntry{Time: db.now().UTC(), Actor: by, Action: pressfeed.ActionTokenRevoke, Token: name})
	})
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

func findToken(b *bolt.Bucket, name string) ([]byte, bool, error) {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var t pressfeed.APIToken
		if err := decodeJSON(v, &t); err != nil {
			return nil, false, fmt.Errorf("decode token: %w", err)
		}
		if t.Name == name {
			return append([]byte(nil), k...), true, nil
		}
	}
	return nil, false, nil
}

// TokenByHash returns the token whose hash is hash, or an error wrapping
// pressfeed.ErrNotFound.
func (db *DB) TokenByHash(ctx context.Context, hash string) (pressfeed.APIToken, error) {
	var t pressfeed.APIToken
	err := db.view(ctx, func(tx *bolt.Tx) error {
		found, err := getJSON(tx.Bucket(bucketTokens), []byte(hash), &t)
		if err == nil && !found {
			err = pressfeed.ErrNotFound
		}
		return err
	})
	if err != nil {
		return pressfeed.APIToken{}, fmt.Errorf("token: %w", err)
	}
	t.Hash = hash
	return t, nil
}

// tokenUseEvery is how stale a token's LastUsed may be before a use is
// recorded: a busy client costs one write an hour, not one a request.
const tokenUseEvery = time.Hour

// UseToken is TokenByHash for a request the token authenticates: it also
// records the use when the token's LastUsed is tokenUseEvery old or more.
func (db *DB) UseToken(ctx context.Context, hash string) (pressfeed.APIToken, error) {
	t, err := db.TokenByHash(ctx, hash)
	if err != nil {
		return t, err
	}
	now := db.now().UTC()
	if now.Sub(t.LastUsed) < tokenUseEvery {
		return t, nil
	}
	err = db.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		var stored pressfeed.APIToken
		found, err := getJSON(b, []byte(hash), &stored)
		if err != nil || !found { // revoked meanwhile: the request was already let in
			return err
		}
		stored.LastUsed = now
		return putJSON(b, []byte(hash), stored)
	})
	if err != nil {
		return t, fmt.Errorf("record token use: %w", err)
	}
	t.LastUsed = now
	return t, nil
}

// Tokens returns every API token, by name, without their hashes.
func (db *DB) Tokens(ctx context.Context) ([]pressfeed.APIToken, error) {
	var out []pressfeed.APIToken
	err := db.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTokens).ForEach(func(k, v []byte) error {
			var t pressfeed.APIToken
			if err := decodeJSON(v, &t); err != nil {
				return fmt.Errorf("decode token: %w", err)
			}
			out = append(out, t)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ItemCountsSince returns, for every stored source, how many of its items
// were published at or after since. It counts index keys and decodes no
// item, so it stays cheap however large the items are.
func (db *DB) ItemCountsSince(ctx context.Context, since time.Time) (map[string]int, error) {
	out := make(map[string]int)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketBySource).Cursor()
		return tx.Bucket(bucketSources).ForEach(func(id, _ []byte) error {
			prefix := append(append([]byte(nil), id...), 0)
			n := 0
			for k, _ := c.Seek(append(append([]byte(nil), prefix...), timeKey(since, nil)...)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				n++
			}
			out[string(id)] = n
			return ctx.Err()
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count items: %w", err)
	}
	return out, nil
}

// fetchChanged reports whether a new definition changes what a poll fetches
// or keeps: the URL, the type, the selectors or the rules.
func fetchChanged(old, new pressfeed.Source) bool {
	strip := func(s pressfeed.Source) pressfeed.Source {
		s.Name, s.Kind, s.Area, s.Schedule, s.Enabled, s.Cluster = "", "", "", "", false, nil
		return s
	}
	return !sameJSON(strip(old), strip(new))
}

// resetFetchState lifts a source's backoff so its next poll runs at once
// and, when validators is true, forgets its validators and body hash, so a
// changed definition (new selectors, new rules) is applied to the next
// response rather than hidden behind a 304 or an unchanged body, and its
// marks, so every item of that response is normalized afresh. Its failure
// history and counts stay.
func resetFetchState(tx *bolt.Tx, key []byte, validators bool) error {
	if validators {
		if err := tx.Bucket(bucketMarks).Delete(key); err != nil {
			return err
		}
	}
	b := tx.Bucket(bucketState)
	var st pressfeed.SourceState
	found, err := getJSON(b, key, &st)
	if err != nil || !found {
		return err
	}
	st.NextAttempt, st.NextReason = time.Time{}, ""
	if validators {
		st.ETag, st.LastModified, st.BodyHash = "", "", ""
	}
	return putJSON(b, key, st)
}
