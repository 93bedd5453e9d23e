package pressfeed_test

import (
	"errors"
	"testing"

	"pressfeed"
)

func TestCanonicalURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://www.Example.ORG/news/a/", "https://example.org/news/a"},
		{"http://example.org:80/news/a", "https://example.org/news/a"},
		{"https://example.org:443/", "https://example.org/"},
		{"https://example.org", "https://example.org/"},
		{"https://example.org/a?utm_source=rss&utm_medium=feed&id=7#top", "https://example.org/a?id=7"},
		{"https://example.org/a?fbclid=x&gclid=y&msclkid=z&mc_cid=1&mc_eid=2", "https://example.org/a"},
		{"https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"},
		{"https://example.org:8443//news//a", "https://example.org:8443/news/a"},
		{"https://example.org/caf%c3%a9/%7Euser%2fx", "https://example.org/caf%C3%A9/~user%2Fx"},
		{"https://example.org/café", "https://example.org/caf%C3%A9"},
		{"HTTPS://WWW.EXAMPLE.ORG/News?UTM_Source=x&Id=1", "https://example.org/News?Id=1"},
		{"https://example.org/a?", "https://example.org/a"},
		{"mailto:press@example.org", "mailto:press@example.org"},
		{"/relative/path", "/relative/path"},
		{"https://example.org../a", "https://example.org/a"},
		{"http://..", "http://.."}, // no host: left as it is (found by FuzzURLHandling)
	}
	for _, tt := range tests {
		if got := pressfeed.CanonicalURL(tt.in); got != tt.want {
			t.Errorf("CanonicalURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSourceValidateNamesEachField(t *testing.T) {
	err := pressfeed.Source{ID: "Bad ID", Kind: "police", URL: "ftp://x", Type: "rss"}.Validate()
	var verr pressfeed.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("got %v, want a ValidationError", err)
	}
	fields := map[string]bool{}
	for _, fe := range verr {
		fields[fe.Field] = true
	}
	for _, f := range []string{"id", "name", "kind", "url", "type"} {
		if !fields[f] {
			t.Errorf("no error for field %s in %v", f, err)
		}
	}
	ok := pressfeed.Source{ID: "ok-1", Name: "OK", Kind: pressfeed.KindPCC, URL: "https://x.example/", Type: pressfeed.TypeHTML}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid source: %v", err)
	}
}

func TestQueryNormalize(t *testing.T) {
	q := pressfeed.Query{Sources: []string{"b", "a", "b", ""}, Kinds: []pressfeed.Kind{"pcc", "force", "pcc"}, Limit: 9999, Text: "  x "}.Normalize()
	if len(q.Sources) != 2 || q.Sources[0] != "a" || len(q.Kinds) != 2 || q.Kinds[0] != "force" {
		t.Errorf("lists not sorted and deduplicated: %+v", q)
	}
	if q.Limit != pressfeed.MaxLimit || q.Text != "x" {
		t.Errorf("limit %d text %q", q.Limit, q.Text)
	}
	if (pressfeed.Query{}).Normalize().Limit != pressfeed.DefaultLimit {
		t.Error("zero limit should become the default")
	}
}

func TestItemKeyStable(t *testing.T) {
	if got, want := pressfeed.ItemKey("src", "guid-1"), pressfeed.ItemKey("src", "guid-1"); got != want || len(got) != 32 {
		t.Errorf("ItemKey not stable or not 32 hex digits: %q", got)
	}
	if pressfeed.ItemKey("a", "b\x00c") == pressfeed.ItemKey("a\x00b", "c") {
		t.Error("keys of different (source, guid) pairs collide")
	}
}
