package fetch

import (
	"bytes"
	"io"
	"net/url"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// newPolicy returns the allowlist every byte of feed HTML passes through
// before it is stored: user-generated-content rules (no script, no style, no
// event handlers, no javascript: URLs), links marked nofollow and opened
// without a referrer.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AllowURLSchemes("http", "https", "mailto")
	return p
}

// urlAttrs are the attributes whose relative URLs are resolved.
var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true}

// absolutize resolves relative URLs in an HTML fragment against base, so
// links and images still work when the fragment is re-served elsewhere.
// Only tags that carry a URL attribute whose value changes are rewritten;
// every other byte is copied as it came (the sanitizer runs next).
func absolutize(fragment string, base *url.URL) string {
	if base == nil || !strings.ContainsAny(fragment, "<") || !mayHaveURLAttr(fragment) {
		return fragment
	}
	z := html.NewTokenizer(strings.NewReader(fragment))
	var out bytes.Buffer
	out.Grow(len(fragment) + len(fragment)/8)
	var (
		raw   []byte
		attrs []html.Attribute
	)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() == io.EOF {
				return out.String()
			}
			return fragment
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(z.Raw())
			continue
		}
		// A copy: TagAttr unescapes attribute values in the tokenizer's buffer.
		raw = append(raw[:0], z.Raw()...)
		name, more := z.TagName()
		attrs = attrs[:0]
		changed := false
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			a := html.Attribute{Key: string(k), Val: string(v)}
			if urlAttrs[a.Key] {
				if abs := resolve(base, a.Val); abs != a.Val {
					a.Val, changed = abs, true
				}
			}
			attrs = append(attrs, a)
		}
		if !changed {
			out.Write(raw)
			continue
		}
		out.WriteString(html.Token{Type: tt, Data: string(name), Attr: attrs}.String())
	}
}

// mayHaveURLAttr is a quick test that lets most fragments (plain text, or
// HTML without links or images) skip tokenizing altogether.
func mayHaveURLAttr(fragment string) bool {
	lower := strings.ToLower(fragment)
	for attr := range urlAttrs {
		if strings.Contains(lower, attr+"=") || strings.Contains(lower, attr+" =") {
			return true
		}
	}
	return false
}

// resolve returns ref resolved against base, or ref unchanged if it does not
// parse.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || base == nil {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return base.ResolveReference(u).String()
}

// plainText returns the text of an HTML fragment with tags removed, entities
// decoded and runs of white space collapsed: titles and names are text.
func plainText(s string) string {
	if strings.ContainsAny(s, "<&") {
		z := html.NewTokenizer(strings.NewReader(s))
		var b strings.Builder
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt == html.TextToken {
				b.Write(z.Text())
			}
		}
		if b.Len() > 0 || !strings.Contains(s, "<") {
			s = b.String()
		}
	}
	return strings.Join(strings.Fields(s), " ")
}
