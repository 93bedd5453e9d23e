package fetch

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// sameAsGofeed fails unless newParser and gofeed's own parser make equal
// feeds (or the same error) of doc.
func sameAsGofeed(t *testing.T, name string, doc []byte) {
	t.Helper()
	want, werr := gofeed.NewParser().Parse(strings.NewReader(string(doc)))
	got, gerr := newParser().Parse(strings.NewReader(string(doc)))
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%s: error %v, gofeed's %v", name, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: the feed differs from gofeed's\n got %s\nwant %s", name, images(got), images(want))
	}
}

func images(f *gofeed.Feed) string {
	if f == nil {
		return "no feed"
	}
	var b strings.Builder
	if f.Image != nil {
		b.WriteString("feed " + f.Image.URL + ";")
	}
	for i, it := range f.Items {
		if it.Image != nil {
			b.WriteString(" " + strconv.Itoa(i) + ":" + it.Image.URL)
		}
	}
	return b.String()
}

// TestImagesAsGofeedFinds: the item and feed images newParser finds are
// the ones gofeed's own translator finds, wherever the HTML puts them.
func TestImagesAsGofeedFinds(t *testing.T) {
	items := []string{
		`<description>no image here, just &lt;p&gt;text&lt;/p&gt;</description>`,
		`<description><![CDATA[<p>text <img src="/a.jpg"> more</p>]]></description>`,
		`<description><![CDATA[<P><IMG SRC="/upper.jpg"></P>]]></description>`,
		`<description><![CDATA[<image src="/image-tag.png">]]></description>`,
		`<description><![CDATA[<img alt="no src"><img src="/second.jpg">]]></description>`,
		`<description><![CDATA[<noscript><img src="/hidden.jpg"></noscript><img src="/shown.jpg">]]></description>`,
		`<description><![CDATA[<script>var s = "<img src=/in-script.jpg>";</script>]]></description>`,
		`<description><![CDATA[<svg><img src="/breaks-out.jpg"></svg>]]></description>`,
		`<description><![CDATA[<imgx src="/not-img.jpg"> <img]]></description>`,
		`<description>&lt;img src="/escaped.jpg"&gt;</description>`,
		`<description><![CDATA[<img src="/desc.jpg">]]></description><content:encoded><![CDATA[<p><img src="/content.jpg"></p>]]></content:encoded>`,
		`<description><![CDATA[<img src="/desc.jpg">]]></description><enclosure url="http://x.example/enc.jpg" type="image/jpeg" length="1"/>`,
		`<description><![CDATA[<img src="/desc.jpg">]]></description><media:content url="http://x.example/media.jpg" medium="image"/>`,
	}
	doc := `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title><link>http://x.example/</link><description><![CDATA[<img src="/channel.png">]]></description>`
	for i, it := range items {
		doc += "<item><title>" + string(rune('a'+i)) + "</title>" + it + "</item>"
	}
	doc += "</channel></rss>"
	sameAsGofeed(t, "crafted", []byte(doc))
	f, err := newParser().Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if f.Image == nil || f.Items[1].Image == nil || f.Items[1].Image.URL != "/a.jpg" || f.Items[0].Image != nil {
		t.Errorf("the crafted feed's images are %s; want a channel image, none on item 0 and /a.jpg on item 1", images(f))
	}
}

// TestImagesAsGofeedFindsInCorpus parses every feed of the shared corpus
// both ways, when the corpus is there.
func TestImagesAsGofeedFindsInCorpus(t *testing.T) {
	dir := os.Getenv("PRESSFEED_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "INDEX.txt")); err != nil {
		t.Skipf("no feed corpus at %s: %v", dir, err)
	}
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "LICENSES") {
			return err
		}
		doc, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		sameAsGofeed(t, path, doc)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("the corpus holds no files")
	}
}
