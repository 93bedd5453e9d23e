package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"pressfeed/similar"
)

// TestIndexEntryRoundTrip: an entry comes back as it went, read in the
// transaction that numbered its words and in a later one; a cut, padded
// or garbled entry, or one naming a number the vocabulary lacks, is
// errBadEntry, never a wrong entry.
func TestIndexEntryRoundTrip(t *testing.T) {
	e := indexEntry{
		SourceID: "force", StoryID: "00112233445566778899aabbccddeeff", Link: "https://force.example/news/a",
		Published: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), FirstSeen: time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC),
		// no streets, no numbers: empty lists must come back as they went
		Features: similar.Extract(similar.Doc{Title: "Man charged after stabbing in Bootle", Text: "A man was charged on Friday after a stabbing in Bootle."}),
		Posted:   []string{"bootl", "charg"},
	}
	var b []byte
	db := numberedTexts(t, 1, func(_ int, vt *vocabTx) error {
		var err error
		if b, err = encodeEntry(e, vt); err == nil {
			checkEntry(t, "in the writing transaction", b, vt, e)
		}
		return err
	})
	var words readWords
	db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		words, err = db.vocab.in(tx)
		return err
	})
	checkEntry(t, "read later", b, words, e)
	if len(b) >= len(encodeEntryV2(e)) {
		t.Errorf("a numbered entry takes %d bytes, one of letters %d", len(b), len(encodeEntryV2(e)))
	}
	for _, bad := range [][]byte{nil, {9}, b[:len(b)/2], append(b, 0), append([]byte{entryFormat}, 0xff, 0xff, 0xff), append(b[:len(b)-1], 0x7f)} {
		if _, err := decodeEntry(bad, words); !errors.Is(err, errBadEntry) {
			t.Errorf("decodeEntry(%x) = %v, want errBadEntry", bad, err)
		}
		if _, err := postedWords(bad, words, func(uint64, string) {}); !errors.Is(err, errBadEntry) {
			t.Errorf("postedWords(%x) = %v, want errBadEntry", bad, err)
		}
	}
	if _, err := encodeEntry(indexEntry{StoryID: "not-a-key"}, nil); err == nil {
		t.Error("an entry whose story id is not a key encoded")
	}
}

// TestIndexEntryOlderFormats reads entries of formats 2 (words as letters)
// and 1 (before entries listed their postings: such an item was posted
// under every word).
func TestIndexEntryOlderFormats(t *testing.T) {
	e := indexEntry{SourceID: "pcc", StoryID: "00112233445566778899aabbccddeeff",
		Published: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), FirstSeen: time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC),
		Features: similar.Extract(similar.Doc{Title: "Appeal after burglary in Wigan", Text: "Officers are appealing for witnesses."}),
		Posted:   []string{"wigan"}}
	v2 := encodeEntryV2(e)
	checkEntry(t, "format 2", v2, readWords(nil), e)
	// Format 1 is format 2 without the trailing posted list.
	e.Posted = nil
	b := encodeEntryV2(e)
	v1 := append([]byte{entryFormatV1}, b[1:len(b)-1]...)
	e.Posted = e.Features.Words
	checkEntry(t, "format 1", v1, readWords(nil), e)
}

// checkEntry checks that decodeEntry reads b as want, and postedWords its
// time and posted words.
func checkEntry(t *testing.T, what string, b []byte, words wordBook, want indexEntry) {
	t.Helper()
	got, err := decodeEntry(b, words)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%s: decodeEntry (%v):\n got %+v\nwant %+v", what, err, got, want)
	}
	var posted []string
	at, err := postedWords(b, words, func(id uint64, w string) {
		posted = append(posted, w)
		if numbered, ok := words.word(id); b[0] == entryFormat && (!ok || numbered != w) || b[0] != entryFormat && id != unnumbered {
			t.Errorf("%s: postedWords passed %q as number %d", what, w, id)
		}
	})
	if err != nil || at != want.Published.UnixNano() || !reflect.DeepEqual(posted, want.Posted) {
		t.Errorf("%s: postedWords = %d %v (%v), want %d %v", what, at, posted, err, want.Published.UnixNano(), want.Posted)
	}
	if at, err := entryPublished(b); err != nil || at != want.Published.UnixNano() {
		t.Errorf("%s: entryPublished = %d (%v), want %d", what, at, err, want.Published.UnixNano())
	}
}

// encodeEntryV2 writes e in format 2, as schemas 4 to 9 did: every string
// as its letters.
func encodeEntryV2(e indexEntry) []byte {
	b := []byte{entryFormatV2}
	for _, s := range []string{e.SourceID, e.StoryID, e.Link} {
		b = appendString(b, s)
	}
	b = appendTime(appendTime(b, e.Published), e.FirstSeen)
	for _, list := range e.lists() {
		b = binary.AppendUvarint(b, uint64(len(*list)))
		for _, s := range *list {
			b = appendString(b, s)
		}
	}
	return b
}

// TestStoryRecordRoundTrip: a record comes back as it went, zero times
// included; a JSON record (written before schema 9) still reads; a cut or
// padded binary record, or a member key that is not 32 hex digits, is an
// error, never a wrong record.
func TestStoryRecordRoundTrip(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 11, 20, h, 0, 0, 0, time.UTC) }
	rec := storyRecord{Updated: at(11), Members: []storyMember{
		{Key: "00112233445566778899aabbccddeeff", SourceID: "force", Link: "https://force.example/a", Published: at(9), FirstSeen: at(9), Updated: at(11)},
		{Key: "ffeeddccbbaa99887766554433221100", SourceID: "rocu", Published: at(8), FirstSeen: at(10)},
	}}
	b, err := encodeRecord(&rec)
	if err != nil {
		t.Fatal(err)
	}
	var got storyRecord
	if err := decodeRecord(b, &got); err != nil || !reflect.DeepEqual(got, rec) {
		t.Fatalf("round trip: %+v %v\nwant %+v", got, err, rec)
	}
	var fromJSON storyRecord
	if err := decodeRecord([]byte(`{"members":[{"key":"00112233445566778899aabbccddeeff","source_id":"force"}],"updated":"2026-11-20T11:00:00Z"}`), &fromJSON); err != nil ||
		len(fromJSON.Members) != 1 || fromJSON.Members[0].SourceID != "force" || !fromJSON.Updated.Equal(at(11)) {
		t.Errorf("JSON record: %+v %v", fromJSON, err)
	}
	for _, bad := range [][]byte{b[:len(b)-1], b[:20], append(append([]byte(nil), b...), 0), {recordFormat}} {
		var r storyRecord
		if err := decodeRecord(bad, &r); !errors.Is(err, errBadRecord) {
			t.Errorf("decode of %d bytes of %d: %v, want errBadRecord", len(bad), len(b), err)
		}
	}
	rec.Members[0].Key = "not-a-key"
	if _, err := encodeRecord(&rec); err == nil {
		t.Error("a record with a malformed member key encoded")
	}
}

// TestVerifyFindsBadEntries: a story index entry that does not decode, or
// that is left of an item no longer stored, is reported by Verify.
func TestVerifyFindsBadEntries(t *testing.T) {
	db, _, _, _ := copiedReleaseStore(t)
	defer db.Close()
	ctx := context.Background()
	if err := db.Verify(ctx); err != nil {
		t.Fatalf("the store fails Verify before any damage: %v", err)
	}
	for _, damage := range []struct {
		what string
		put  func(b *bolt.Bucket, k, v []byte) error
		want string
	}{
		{"padded", func(b *bolt.Bucket, k, v []byte) error { return b.Put(k, append(bytes.Clone(v), 0)) }, "malformed story index entry"},
		{"of no item", func(b *bolt.Bucket, _, v []byte) error { return b.Put(bytes.Repeat([]byte{0xee}, 16), v) }, "not stored"},
	} {
		var before map[string][]byte
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketStoryItems)
			before = bucketCopy(b)
			k, v := b.Cursor().First()
			return damage.put(b, bytes.Clone(k), bytes.Clone(v))
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Verify(ctx); err == nil || !strings.Contains(err.Error(), damage.want) {
			t.Errorf("an entry %s: Verify = %v, want %q", damage.what, err, damage.want)
		}
		err = db.bolt.Update(func(tx *bolt.Tx) error { // undo it
			if err := tx.DeleteBucket(bucketStoryItems); err != nil {
				return err
			}
			b, err := tx.CreateBucket(bucketStoryItems)
			for k, v := range before {
				if err == nil {
					err = b.Put([]byte(k), v)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestPostingsBuildReportsABadEntry: a story index entry garbled after
// its time (which the build's first pass reads alone) fails the build,
// naming the entry, rather than leaving its words out of the postings.
func TestPostingsBuildReportsABadEntry(t *testing.T) {
	db, _, _, _ := copiedReleaseStore(t)
	defer db.Close()
	var key []byte
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStoryItems)
		k, v := b.Cursor().First()
		key = bytes.Clone(k)
		return b.Put(key, append(bytes.Clone(v), 0))
	})
	if err != nil {
		t.Fatal(err)
	}
	var p postings
	err = p.build(db.bolt, &db.vocab)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("story index entry %x: malformed story index entry", key)) {
		t.Errorf("build with a padded entry = %v, want its key and errBadEntry", err)
	}
	if p.built {
		t.Error("a failed build left the postings marked built")
	}
}

// bucketCopy returns a copy of every key and value of b.
func bucketCopy(b *bolt.Bucket) map[string][]byte {
	out := make(map[string][]byte)
	b.ForEach(func(k, v []byte) error {
		out[string(k)] = bytes.Clone(v)
		return nil
	})
	return out
}
