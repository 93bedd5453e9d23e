package fetch

import (
	"net/url"
	"strings"
	"testing"
)

func TestAbsolutize(t *testing.T) {
	base, _ := url.Parse("https://police.example/news/feed.rss")
	for _, tc := range []struct{ name, in, want string }{
		{"plain text is untouched", "Officers appeal for witnesses", "Officers appeal for witnesses"},
		{"html without links is untouched", "<p>One <strong>two</strong></p>", "<p>One <strong>two</strong></p>"},
		{"absolute links keep their bytes", `<p><a href="https://e.org/?a=1&amp;b=2" title="x">x</a></p>`, `<p><a href="https://e.org/?a=1&amp;b=2" title="x">x</a></p>`},
		{"relative link", `<p>See <a href="/news/1?a=1&amp;b=2">more</a>.</p>`, `<p>See <a href="https://police.example/news/1?a=1&amp;b=2">more</a>.</p>`},
		{"relative image, self-closing", `<img src="pic.jpg" alt="A &amp; B"/>`, `<img src="https://police.example/news/pic.jpg" alt="A &amp; B"/>`},
		{"upper-case attribute", `<A HREF="x.html">x</A>`, `<a href="https://police.example/news/x.html">x</A>`},
		{"text that looks like an attribute", `<p>use href="/x" in text</p>`, `<p>use href="/x" in text</p>`},
		{"mixed", `<a href="https://e.org/">a</a><a href="/b">b</a>`, `<a href="https://e.org/">a</a><a href="https://police.example/b">b</a>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := absolutize(tc.in, base); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
	if got := absolutize(`<a href="/x">x</a>`, nil); !strings.Contains(got, `"/x"`) {
		t.Errorf("without a base: %s", got)
	}
}

// BenchmarkAbsolutize runs a 2 KB summary with five relative links, like
// the items of bench/scale, and one with none.
func BenchmarkAbsolutize(b *testing.B) {
	base, _ := url.Parse("https://police.example/news/feed.rss")
	var linked, plain strings.Builder
	for p := 0; p < 5; p++ {
		linked.WriteString("<p>" + strings.Repeat("officers appeal witnesses incident ", 10) + `<a href="/news/1/more">more</a> <strong>update</strong></p>`)
		plain.WriteString("<p>" + strings.Repeat("officers appeal witnesses incident ", 10) + `<strong>update</strong></p>`)
	}
	for _, bc := range []struct{ name, in string }{{"relative-links", linked.String()}, {"no-links", plain.String()}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				absolutize(bc.in, base)
			}
		})
	}
}
