package index

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"pressfeed/similar"
)

func TestIndexEntryRoundTrip(t *testing.T) {
	e := indexEntry{
		SourceID: "force", StoryID: "00112233445566778899aabbccddeeff", Link: "https://force.example/news/a",
		Published: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), FirstSeen: time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC),
		// no streets, no numbers: empty lists must come back as they went
		Features: similar.Extract(similar.Doc{Title: "Man charged after stabbing in Bootle", Text: "A man was charged on Friday after a stabbing in Bootle."}),
		Posted:   []string{"bootl", "charg"},
	}
	b, err := e.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got indexEntry
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, e)
	}
	checkPostedWords(t, b, e.Published, e.Posted)
	for _, bad := range [][]byte{nil, {9}, b[:len(b)/2], append([]byte{entryFormat}, 0xff, 0xff, 0xff)} {
		if err := new(indexEntry).UnmarshalBinary(bad); !errors.Is(err, errBadEntry) {
			t.Errorf("UnmarshalBinary(%x) = %v, want errBadEntry", bad, err)
		}
		if _, err := postedWords(bad, func([]byte) {}); !errors.Is(err, errBadEntry) {
			t.Errorf("postedWords(%x) = %v, want errBadEntry", bad, err)
		}
	}
}

// TestIndexEntryFormat1 reads an entry written before entries listed their
// postings: such an item was posted under every word.
func TestIndexEntryFormat1(t *testing.T) {
	e := indexEntry{SourceID: "pcc", StoryID: "00112233445566778899aabbccddeeff",
		Published: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), FirstSeen: time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC),
		Features: similar.Extract(similar.Doc{Title: "Appeal after burglary in Wigan", Text: "Officers are appealing for witnesses."})}
	b, _ := e.MarshalBinary()
	// Format 1 is format 2 without the trailing posted list (here empty:
	// one zero byte).
	v1 := append([]byte{entryFormatV1}, b[1:len(b)-1]...)
	var got indexEntry
	if err := got.UnmarshalBinary(v1); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Posted, e.Features.Words) || !reflect.DeepEqual(got.Features, e.Features) {
		t.Errorf("format 1 entry: posted %v, want its words %v", got.Posted, e.Features.Words)
	}
	checkPostedWords(t, v1, e.Published, e.Features.Words)
}

// checkPostedWords checks that postedWords reads the time and the posted
// words of the encoded entry b as UnmarshalBinary does.
func checkPostedWords(t *testing.T, b []byte, published time.Time, posted []string) {
	t.Helper()
	var words []string
	at, err := postedWords(b, func(w []byte) { words = append(words, string(w)) })
	if err != nil || at != published.UnixNano() || !reflect.DeepEqual(words, posted) {
		t.Errorf("postedWords = %d %v (%v), want %d %v", at, words, err, published.UnixNano(), posted)
	}
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
