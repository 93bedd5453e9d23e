package index

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// Stories returns one page of stories matching q, newest first. A cursor from
// an earlier page continues after that page's last story; a malformed cursor
// is an error wrapping pressfeed.ErrInvalidCursor.
//
// Each story appears once, with every member, at the publication time of its
// representative: the earliest-published member that passes the source and
// text filters (the primary, when the query has none; see storyView). So
// source=X lists the stories X published, at X's time, still naming every
// publisher. A story keeps its place when copies published later join it:
// a reader has already seen its entry, and the entry's updated time says it
// grew.
// With q.Ungrouped every item is its own story, whose id is the item's key.
func (db *DB) Stories(ctx context.Context, q pressfeed.Query) (pressfeed.Page, error) {
	q = q.Normalize()
	var after []byte
	if q.Cursor != "" {
		var err error
		if after, err = decodeCursor(q.Cursor); err != nil {
			return pressfeed.Page{}, err
		}
	}
	words := searchWords(q.Text)
	var page pressfeed.Page
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var tq *textQuery
		if len(words) > 0 {
			vocab, err := db.vocab.in(tx)
			if err != nil {
				return err
			}
			tq = newTextQuery(queryWords(words), vocab)
			if tq.none && db.numberedTexts {
				return nil // no stored text can hold the word
			}
		}
		allowed, err := allowedSources(tx, q)
		if err != nil {
			return err
		}
		w := newWalker(tx, allowed, after)
		items, byTime := itemsOf(tx), tx.Bucket(bucketByTime)
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			tk, text, ok := w.next()
			if !ok {
				return nil
			}
			if !q.Since.IsZero() && keyTime(tk).Before(q.Since) {
				return nil
			}
			// The stored search text rules out most items of a text
			// query before their JSON is read (search.go).
			matched := len(words) == 0
			if !matched {
				if text == nil {
					text = byTime.Get(tk)
				}
				match, known := tq.match(text)
				if known && !match {
					continue
				}
				matched = known
			}
			var it pressfeed.Item
			if found, err := getJSON(items, tk[8:], &it); err != nil || !found {
				if err != nil {
					return err
				}
				continue
			}
			if allowed != nil && !allowed[it.SourceID] {
				continue
			}
			if !matched && !matchWords(words, it) {
				continue
			}
			st := pressfeed.SingleStory(it)
			if !q.Ungrouped {
				var shown bool
				st, shown, err = storyView(tx, it, allowed, words)
				if err != nil {
					return err
				}
				if !shown {
					continue // another member represents the story here
				}
			}
			page.Stories = append(page.Stories, st)
			if len(page.Stories) == q.Limit {
				if w.more() {
					page.Next = encodeCursor(tk)
				}
				return nil
			}
		}
	})
	if err != nil {
		return pressfeed.Page{}, fmt.Errorf("query stories: %w", err)
	}
	return page, nil
}

// allowedSources resolves the source, kind and area filters to a set of
// source ids, or nil when the query does not filter by source.
func allowedSources(tx *bolt.Tx, q pressfeed.Query) (map[string]bool, error) {
	if len(q.Sources) == 0 && len(q.Kinds) == 0 && len(q.Areas) == 0 {
		return nil, nil
	}
	allowed := make(map[string]bool)
	if len(q.Kinds) == 0 && len(q.Areas) == 0 {
		for _, id := range q.Sources {
			allowed[id] = true
		}
		return allowed, nil
	}
	want := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	kinds := make([]string, len(q.Kinds))
	for i, k := range q.Kinds {
		kinds[i] = string(k)
	}
	c := tx.Bucket(bucketSources).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var s pressfeed.Source
		if err := decodeJSON(v, &s); err != nil {
			return nil, fmt.Errorf("decode source %s: %w", k, err)
		}
		if want(q.Sources, s.ID) && want(kinds, string(s.Kind)) && want(q.Areas, s.Area) {
			allowed[s.ID] = true
		}
	}
	return allowed, nil
}

// walker yields time keys (published | item key) newest first, either from
// the global time index or merged from the per-source indexes of the allowed
// sources, so a filtered query reads only the items it might return.
type walker struct {
	cursors []*sourceCursor
	global  *bolt.Cursor
	cur     []byte // global: the key to return next
	curV    []byte // global: its value, the item's search text
}

type sourceCursor struct {
	c      *bolt.Cursor
	prefix []byte
	key    []byte // current time key, nil when exhausted
}

func newWalker(tx *bolt.Tx, allowed map[string]bool, after []byte) *walker {
	w := &walker{}
	if allowed == nil {
		w.global = tx.Bucket(bucketByTime).Cursor()
		w.cur, w.curV = seekBefore(w.global, nil, after)
		return w
	}
	b := tx.Bucket(bucketBySource)
	for id := range allowed {
		sc := &sourceCursor{c: b.Cursor(), prefix: append([]byte(id), 0)}
		if k, _ := seekBefore(sc.c, sc.prefix, after); k != nil {
			sc.key = k[len(sc.prefix):]
		}
		w.cursors = append(w.cursors, sc)
	}
	return w
}

// seekBefore positions c on the last key under prefix that sorts before
// prefix|after (or the last key under prefix when after is nil) and returns
// it and its value, or nil when there is none.
func seekBefore(c *bolt.Cursor, prefix, after []byte) ([]byte, []byte) {
	var k, v []byte
	if after != nil {
		k, _ = c.Seek(append(append([]byte(nil), prefix...), after...))
	} else if len(prefix) > 0 {
		end := append([]byte(nil), prefix...)
		end[len(end)-1]++ // the prefix ends with 0: id|1 sorts after every id|0|…
		k, _ = c.Seek(end)
	}
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	return k, v
}

// next returns the next time key and, from the global index, its value (the
// item's search text); from the per-source indexes the value is nil, to be
// looked up in by_time when wanted.
func (w *walker) next() ([]byte, []byte, bool) {
	if w.global != nil {
		k, v := w.cur, w.curV
		if k == nil {
			return nil, nil, false
		}
		w.cur, w.curV = w.global.Prev()
		return k, v, true
	}
	var best *sourceCursor
	for _, sc := range w.cursors {
		if sc.key != nil && (best == nil || bytes.Compare(sc.key, best.key) > 0) {
			best = sc
		}
	}
	if best == nil {
		return nil, nil, false
	}
	k := best.key
	if pk, _ := best.c.Prev(); pk != nil && bytes.HasPrefix(pk, best.prefix) {
		best.key = pk[len(best.prefix):]
	} else {
		best.key = nil
	}
	return k, nil, true
}

// more reports whether next could yield another key.
func (w *walker) more() bool {
	if w.global != nil {
		return w.cur != nil
	}
	for _, sc := range w.cursors {
		if sc.key != nil {
			return true
		}
	}
	return false
}

func keyTime(tk []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(tk[:8]))).UTC()
}

func encodeCursor(tk []byte) string { return base64.RawURLEncoding.EncodeToString(tk) }

func decodeCursor(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		return nil, fmt.Errorf("cursor %q: %w", s, pressfeed.ErrInvalidCursor)
	}
	return b, nil
}
