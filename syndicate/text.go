package syndicate

import (
	"html"
	"strings"
)

// plainSummary turns a sanitized HTML summary into the plain text JSON Feed
// asks for: tags dropped, entities decoded, white space collapsed.
func plainSummary(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}
