package index

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"pressfeed"
)

// fold lower-cases s and strips accents, so "Café" matches "cafe".
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// searchWords splits a search into folded words.
func searchWords(q string) []string {
	return strings.FieldsFunc(fold(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// matchWords reports whether every word appears in the item's title or
// summary (with markup removed).
func matchWords(words []string, it pressfeed.Item) bool {
	if len(words) == 0 {
		return true
	}
	text := fold(it.Title + " " + stripTags(it.Summary))
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// stripTags removes markup from sanitized HTML; entities are left as they
// are, which costs nothing for word search.
func stripTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}
