package index

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"pressfeed"
)

// bucketAliases maps an item key to the key of the stored item it is the
// same article as: when an auto source moves to another way in (its feed
// died and its listing is read, or the other way round), the same article
// comes back under another identity (the feed's guid, then the page's
// link). Without an alias it would be a new item, delivered again to every
// reader. It is made on first use, like the tombstones.
var bucketAliases = []byte("aliases") // item key (16) → item key (16)

// aliasWindow is how many of a source's newest items a switch of strategy
// compares links with: a listing or feed shows the recent ones.
const aliasWindow = 500

// aliases finds, inside Ingest's transaction, the stored item a new item
// of one source already is.
type aliases struct {
	tx       *bolt.Tx
	sourceID string
	switched bool              // the source reads another way in than at its last poll
	links    map[string][]byte // canonical link → key, of the newest items; built at first need
}

// newAliases is the alias finder for one Ingest of sourceID, whose state
// goes from prev to next.
func newAliases(tx *bolt.Tx, sourceID string, prev, next pressfeed.SourceState) *aliases {
	p, n := prev.Resolution, next.Resolution
	return &aliases{tx: tx, sourceID: sourceID, switched: p.Strategy != "" && (p.Strategy != n.Strategy || p.URL != n.URL)}
}

// find returns the key of the stored item that key (new to the store)
// stands for, or nil: a recorded alias, else, when the source has just
// switched strategy, its recent item with the same canonical link, for
// which an alias is recorded so that later polls find it at once.
func (a *aliases) find(key []byte, link string) ([]byte, error) {
	if b := a.tx.Bucket(bucketAliases); b != nil {
		if to := b.Get(key); to != nil && itemsOf(a.tx).Get(to) != nil {
			return bytes.Clone(to), nil
		}
	}
	if !a.switched || link == "" {
		return nil, nil
	}
	if a.links == nil {
		if err := a.load(); err != nil {
			return nil, err
		}
	}
	to, ok := a.links[pressfeed.CanonicalURL(link)]
	if !ok || bytes.Equal(to, key) {
		return nil, nil
	}
	b, err := a.tx.CreateBucketIfNotExists(bucketAliases)
	if err != nil {
		return nil, err
	}
	return to, b.Put(key, to)
}

// load reads the links of the source's newest items.
func (a *aliases) load() error {
	a.links = map[string][]byte{}
	prefix := append([]byte(a.sourceID), 0)
	items := itemsOf(a.tx)
	c := a.tx.Bucket(bucketBySource).Cursor()
	k, _ := c.Seek(append(bytes.Clone(prefix), 0xff))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for n := 0; k != nil && bytes.HasPrefix(k, prefix) && n < aliasWindow; k, _ = c.Prev() {
		n++
		key := k[len(k)-16:]
		var it struct {
			Link string `json:"link"`
		}
		raw := items.Get(key)
		if raw == nil {
			continue
		}
		if err := decodeJSON(raw, &it); err != nil {
			return err
		}
		if link := pressfeed.CanonicalURL(it.Link); link != "" {
			if _, dup := a.links[link]; !dup {
				a.links[link] = bytes.Clone(key)
			}
		}
	}
	return nil
}

// aliased reports whether key is an alias of a stored item.
func aliased(tx *bolt.Tx, key []byte) bool {
	b := tx.Bucket(bucketAliases)
	if b == nil {
		return false
	}
	to := b.Get(key)
	return to != nil && itemsOf(tx).Get(to) != nil
}
