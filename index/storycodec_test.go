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
	for _, bad := range [][]byte{nil, {9}, b[:len(b)/2], append([]byte{entryFormat}, 0xff, 0xff, 0xff)} {
		if err := new(indexEntry).UnmarshalBinary(bad); !errors.Is(err, errBadEntry) {
			t.Errorf("UnmarshalBinary(%x) = %v, want errBadEntry", bad, err)
		}
	}
}
