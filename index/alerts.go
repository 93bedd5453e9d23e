package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// Alert buckets, created with the first subscription:
//
//	subscriptions: name → pressfeed.Subscription JSON
//	outbox:        id (8, big-endian) → pressfeed.Delivery JSON
//	delivered:     name 0x00 item key → id of the delivery that claimed it
//	outbox_open:   id → nil, for each delivery pending or sending: what a
//	               run and a restart read, instead of the whole history
//
// An item is claimed for a subscription in the same transaction that makes
// the delivery carrying it, so it is carried at most once, whatever happens
// to the send.
var (
	bucketSubscriptions = []byte("subscriptions")
	bucketOutbox        = []byte("outbox")
	bucketDelivered     = []byte("delivered")
	bucketOutboxOpen    = []byte("outbox_open")
)

// putDelivery stores d in the outbox and keeps outbox_open in step.
func putDelivery(tx *bolt.Tx, outbox *bolt.Bucket, d pressfeed.Delivery) error {
	open, err := tx.CreateBucketIfNotExists(bucketOutboxOpen)
	if err != nil {
		return err
	}
	if err := putJSON(outbox, idKey(d.ID), d); err != nil {
		return err
	}
	if d.State == pressfeed.DeliveryPending || d.State == pressfeed.DeliverySending {
		return open.Put(idKey(d.ID), nil)
	}
	return open.Delete(idKey(d.ID))
}

// openDeliveries reads the deliveries outbox_open lists, oldest first.
func openDeliveries(tx *bolt.Tx) ([]pressfeed.Delivery, error) {
	open, outbox := tx.Bucket(bucketOutboxOpen), tx.Bucket(bucketOutbox)
	if open == nil || outbox == nil {
		return nil, nil
	}
	var list []pressfeed.Delivery
	err := open.ForEach(func(k, _ []byte) error {
		var d pressfeed.Delivery
		found, err := getJSON(outbox, k, &d)
		if err != nil {
			return fmt.Errorf("delivery %x: %w", k, err)
		}
		if found {
			list = append(list, d)
		}
		return nil
	})
	return list, err
}

// OpenDeliveries returns the deliveries pending or sending, oldest first:
// what a run may send, without reading the finished ones.
func (db *DB) OpenDeliveries(ctx context.Context) ([]pressfeed.Delivery, error) {
	var list []pressfeed.Delivery
	err := db.view(ctx, func(tx *bolt.Tx) (err error) {
		list, err = openDeliveries(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read open deliveries: %w", err)
	}
	return list, nil
}

// errInterrupted is the last error of a delivery a crash or kill stopped
// mid-send.
var errInterrupted = errors.New("interrupted while sending (the daemon stopped); not resent, so nothing arrives twice")

func alertBuckets(tx *bolt.Tx) (subs, outbox, delivered *bolt.Bucket, err error) {
	for _, p := range []struct {
		b    **bolt.Bucket
		name []byte
	}{{&subs, bucketSubscriptions}, {&outbox, bucketOutbox}, {&delivered, bucketDelivered}} {
		if *p.b, err = tx.CreateBucketIfNotExists(p.name); err != nil {
			return nil, nil, nil, err
		}
	}
	return subs, outbox, delivered, nil
}

// AddSubscription stores sub, after sub.Validate (the error wraps its
// pressfeed.ValidationError), and records who did it in the audit log. A
// taken name is an error wrapping pressfeed.ErrExists: a subscription is
// replaced by deleting it first, since its secret signs links already sent.
func (db *DB) AddSubscription(ctx context.Context, by pressfeed.Actor, sub pressfeed.Subscription) error {
	if err := sub.Validate(); err != nil {
		return fmt.Errorf("subscription %s: %w", sub.Name, err)
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		subs, _, _, err := alertBuckets(tx)
		if err != nil {
			return err
		}
		if subs.Get([]byte(sub.Name)) != nil {
			return pressfeed.ErrExists
		}
		if err := putJSON(subs, []byte(sub.Name), sub); err != nil {
			return err
		}
		return putAudit(tx, &pressfeed.AuditEntry{Time: db.now().UTC(), Actor: by, Action: pressfeed.ActionSubscriptionPut, Subscription: sub.Name})
	})
	if err != nil {
		return fmt.Errorf("store subscription %s: %w", sub.Name, err)
	}
	return nil
}

// Subscription returns the subscription called name, or an error wrapping
// pressfeed.ErrNotFound.
func (db *DB) Subscription(ctx context.Context, name string) (pressfeed.Subscription, error) {
	var sub pressfeed.Subscription
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscriptions)
		if b == nil {
			return pressfeed.ErrNotFound
		}
		ok, err := getJSON(b, []byte(name), &sub)
		if err == nil && !ok {
			err = pressfeed.ErrNotFound
		}
		return err
	})
	if err != nil {
		return sub, fmt.Errorf("subscription %s: %w", name, err)
	}
	return sub, nil
}

// Subscriptions returns every subscription, by name.
func (db *DB) Subscriptions(ctx context.Context) ([]pressfeed.Subscription, error) {
	var list []pressfeed.Subscription
	err := db.view(ctx, func(tx *bolt.Tx) (err error) {
		list, err = decodeAll[pressfeed.Subscription](tx.Bucket(bucketSubscriptions), "subscription")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return list, nil
}

// DeleteSubscription removes the subscription called name and its claims,
// and records who did it; its past deliveries stay in the outbox as
// history. It returns an error wrapping pressfeed.ErrNotFound if there is
// none.
func (db *DB) DeleteSubscription(ctx context.Context, by pressfeed.Actor, name string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		subs, _, delivered, err := alertBuckets(tx)
		if err != nil {
			return err
		}
		if subs.Get([]byte(name)) == nil {
			return pressfeed.ErrNotFound
		}
		prefix := append([]byte(name), 0)
		c := delivered.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		if err := subs.Delete([]byte(name)); err != nil {
			return err
		}
		return putAudit(tx, &pressfeed.AuditEntry{Time: db.now().UTC(), Actor: by, Action: pressfeed.ActionSubscriptionDelete, Subscription: name})
	})
	if err != nil {
		return fmt.Errorf("delete subscription %s: %w", name, err)
	}
	return nil
}

// Enqueue makes a pending delivery for the subscription called name
// carrying those of stories no earlier delivery to it claimed (by story
// id), and claims them, in one transaction. A digest records now as the subscription's
// LastDigest in the same transaction, so a digest slot is made once. It
// reports false, and makes nothing, when no story is left (a digest still
// records its slot).
func (db *DB) Enqueue(ctx context.Context, name string, stories []pressfeed.Story, digest bool, now time.Time) (pressfeed.Delivery, bool, error) {
	var d pressfeed.Delivery
	made := false
	err := db.update(ctx, func(tx *bolt.Tx) error {
		subs, outbox, delivered, err := alertBuckets(tx)
		if err != nil {
			return err
		}
		var sub pressfeed.Subscription
		if ok, err := getJSON(subs, []byte(name), &sub); err != nil || !ok {
			return errors.Join(err, pressfeed.ErrNotFound)
		}
		if digest {
			sub.LastDigest = now
			if err := putJSON(subs, []byte(name), sub); err != nil {
				return err
			}
		}
		var (
			fresh []string
			kept  []pressfeed.Story
		)
		for _, st := range stories {
			if delivered.Get(claimKey(name, st.ID)) == nil {
				fresh = append(fresh, st.ID)
				kept = append(kept, withoutContent(st))
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		id, err := outbox.NextSequence()
		if err != nil {
			return err
		}
		d = pressfeed.Delivery{ID: id, Subscription: name, Items: fresh, Stories: kept, Digest: digest, State: pressfeed.DeliveryPending, NextAttempt: now, Created: now}
		for _, k := range fresh {
			if err := delivered.Put(claimKey(name, k), idKey(id)); err != nil {
				return err
			}
		}
		made = true
		return putDelivery(tx, outbox, d)
	})
	if err != nil {
		return d, false, fmt.Errorf("enqueue for %s: %w", name, err)
	}
	return d, made, nil
}

// withoutContent drops the members' full text, which no alert shows.
func withoutContent(st pressfeed.Story) pressfeed.Story {
	members := make([]pressfeed.Item, len(st.Members))
	for i, m := range st.Members {
		m.Content = ""
		members[i] = m
	}
	st.Members = members
	return st
}

func claimKey(name, itemKey string) []byte { return append(append([]byte(name), 0), itemKey...) }

func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// Deliveries returns the outbox, oldest first: every delivery with its
// state and last error.
func (db *DB) Deliveries(ctx context.Context) ([]pressfeed.Delivery, error) {
	var list []pressfeed.Delivery
	err := db.view(ctx, func(tx *bolt.Tx) (err error) {
		list, err = decodeAll[pressfeed.Delivery](tx.Bucket(bucketOutbox), "delivery")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return list, nil
}

// UpdateDelivery stores d's new state, attempt count and error. Marking it
// DeliverySending is the record that a send began: a delivery found in that
// state at RecoverDeliveries was cut off mid-send.
func (db *DB) UpdateDelivery(ctx context.Context, d pressfeed.Delivery) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		_, outbox, _, err := alertBuckets(tx)
		if err != nil {
			return err
		}
		if outbox.Get(idKey(d.ID)) == nil {
			return pressfeed.ErrNotFound
		}
		return putDelivery(tx, outbox, d)
	})
	if err != nil {
		return fmt.Errorf("update delivery %d: %w", d.ID, err)
	}
	return nil
}

// RecoverDeliveries marks every delivery left in DeliverySending (the
// process stopped mid-send) as failed, without resending it: it may have
// arrived, and nothing arrives twice. It returns those deliveries.
func (db *DB) RecoverDeliveries(ctx context.Context, now time.Time) ([]pressfeed.Delivery, error) {
	var cut []pressfeed.Delivery
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if b == nil {
			return nil
		}
		open, err := openDeliveries(tx)
		for _, d := range open { // after the walk, which must not see its bucket change
			if d.State == pressfeed.DeliverySending && err == nil {
				d.State, d.LastError, d.Finished = pressfeed.DeliveryFailed, errInterrupted.Error(), now
				cut = append(cut, d)
				err = putDelivery(tx, b, d)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("recover outbox: %w", err)
	}
	return cut, nil
}

// PruneDeliveries deletes sent and failed deliveries finished before
// cutoff, keeping each subscription's latest, and returns how many went.
// Claims stay, so no story is delivered again for want of its record.
func (db *DB) PruneDeliveries(ctx context.Context, cutoff time.Time) (int, error) {
	n := 0
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if b == nil {
			return nil
		}
		all, err := decodeAll[pressfeed.Delivery](b, "delivery")
		if err != nil {
			return err
		}
		latest := pressfeed.LatestDeliveries(all)
		for _, d := range all {
			done := d.State == pressfeed.DeliverySent || d.State == pressfeed.DeliveryFailed
			if !done || !d.Finished.Before(cutoff) || latest[d.Subscription].ID == d.ID {
				continue
			}
			if err := b.Delete(idKey(d.ID)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune outbox: %w", err)
	}
	return n, nil
}

// decodeAll decodes every value of b (nil: none) as a T; an undecodable one
// is an error naming what it is and its key.
func decodeAll[T any](b *bolt.Bucket, what string) ([]T, error) {
	var list []T
	if b == nil {
		return nil, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		var x T
		if err := decodeJSON(v, &x); err != nil {
			return fmt.Errorf("%s %q: %w", what, k, err)
		}
		list = append(list, x)
		return nil
	})
	return list, err
}
