package pressfeed

import (
	"html"
	"strings"
)

// PlainText turns a sanitized HTML fragment (a summary) into plain text:
// tags dropped, entities decoded, white space collapsed. JSON Feed's
// summary and alert messages use it.
//
// Decoding can make markup of text: a sanitized summary may hold
// "&lt;script&gt;", which is harmless HTML but decodes to "<script>". Plain
// text by the spec, yet many consumers render summary as HTML, so anything
// tag-shaped left after decoding is dropped too: the summary never holds a
// "<" followed by a letter, "/", "!" or "?". The HTML itself stays, sanitized,
// in content_html.
func PlainText(s string) string {
	if s == "" {
		return ""
	}
	text := html.UnescapeString(dropTags(s, func(string) bool { return true }))
	return strings.Join(strings.Fields(dropTags(text, tagShaped)), " ")
}

// dropTags replaces each "<…>" in s that starts a tag by a space; a tag
// left open runs to the end of s. starts reports whether the text after a
// "<" starts a tag.
func dropTags(s string, starts func(after string) bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 || !starts(s[i+1:]) {
			if i < 0 {
				b.WriteString(s)
				return b.String()
			}
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			return b.String()
		}
		s = s[i+end+1:]
	}
}

// tagShaped reports whether after, the text following a "<", would open a
// tag, comment or processing instruction to an HTML parser.
func tagShaped(after string) bool {
	if after == "" {
		return false
	}
	c := after[0]
	return c == '/' || c == '!' || c == '?' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
