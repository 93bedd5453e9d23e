package index

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// bucketSessions holds admin sessions: hex SHA-256 of the session id →
// pressfeed.AdminSession JSON. Never the id itself, so a backup signs nobody
// in. Created on the first sign-in; a store without it has no sessions.
var bucketSessions = []byte("sessions")

// PutSession stores a session (for auth.SessionStore).
func (db *DB) PutSession(ctx context.Context, s pressfeed.AdminSession) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSessions)
		if err != nil {
			return err
		}
		return putJSON(b, []byte(s.Hash), s)
	})
	if err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	return nil
}

// GetSession returns the session stored under hash (for auth.SessionStore).
func (db *DB) GetSession(ctx context.Context, hash string) (pressfeed.AdminSession, bool, error) {
	var s pressfeed.AdminSession
	found := false
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		if b == nil {
			return nil
		}
		var err error
		found, err = getJSON(b, []byte(hash), &s)
		return err
	})
	if err != nil {
		return s, false, fmt.Errorf("read session: %w", err)
	}
	s.Hash = hash
	return s, found, nil
}

// DeleteSession ends the session stored under hash, if any
// (for auth.SessionStore).
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		if b == nil {
			return nil
		}
		return b.Delete([]byte(hash))
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PruneSessions deletes every session expired at now (for auth.SessionStore).
func (db *DB) PruneSessions(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var s pressfeed.AdminSession
			if err := decodeJSON(v, &s); err != nil || !now.Before(s.Expires) {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune sessions: %w", err)
	}
	return n, nil
}
