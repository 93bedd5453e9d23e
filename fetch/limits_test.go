package fetch

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

func TestCapXMLItems(t *testing.T) {
	items := func(format string, n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, doc string
		cut       bool
	}{
		{"rss 2.0", `<rss version="2.0"><channel><title>T</title>` + items(`<item><title>%d</title><guid>%[1]d</guid></item>`, 9) + `</channel></rss>`, true},
		{"rss 1.0", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>T</title></channel>` +
			items(`<item rdf:about="https://x.example/%d"><title>%[1]d</title><link>https://x.example/%[1]d</link></item>`, 9) + `</rdf:RDF>`, true},
		{"prefixed atom", `<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>T</a:title>` + items(`<a:entry><a:id>urn:%d</a:id><a:title>%[1]d</a:title></a:entry>`, 9) + `</a:feed>`, true},
		{"nested items are not counted", `<rss version="2.0"><channel><title>T</title>` + items(`<item><title>%d</title><x:list xmlns:x="urn:x"><x:wrap><item/><item/></x:wrap></x:list></item>`, 3) + `</channel></rss>`, false},
		{"at the cap", `<rss version="2.0"><channel>` + items(`<item><title>%d</title></item>`, 4) + `</channel></rss>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, cut := capXMLItems([]byte(tc.doc), 4)
			if cut != tc.cut {
				t.Fatalf("cut %v, want %v", cut, tc.cut)
			}
			feed, err := gofeed.NewParser().Parse(bytes.NewReader(doc))
			if err != nil {
				t.Fatalf("the cut document does not parse: %v\n%s", err, doc)
			}
			want := 4
			if tc.name == "nested items are not counted" {
				want = 3
			}
			if len(feed.Items) != want {
				t.Errorf("%d items after the cut, want %d", len(feed.Items), want)
			}
		})
	}
}
