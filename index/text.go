package index

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"pressfeed"
)

// fold lower-cases s and strips accents, so "Café" matches "cafe".
func fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s) // nothing to decompose or strip
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// wordRune reports whether r is part of a word: searches are split into
// words at every other rune.
func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// searchWords splits a search into folded words.
func searchWords(q string) []string {
	return strings.FieldsFunc(fold(q), func(r rune) bool { return !wordRune(r) })
}

// searchable returns the folded text a search is matched against: the
// item's title and its summary as a reader sees it, markup removed and
// entities decoded. The sanitizer writes every apostrophe in a summary as
// &#39; and every ampersand as &amp;, and a search for "39" or "amp" must
// not find them. Invalid UTF-8 becomes U+FFFD, as it does when the item is
// stored as JSON, so an item matches the same before and after it is
// stored.
func searchable(it pressfeed.Item) string { return searchableWith(it, summaryText(it.Summary)) }

// searchableWith is searchable given the item's summary as summaryText
// makes it, which a new item's features also read (DB.prepare).
func searchableWith(it pressfeed.Item, summary string) string {
	return fold(strings.ToValidUTF8(it.Title+" "+summary, "\uFFFD"))
}

// summaryText is sanitized HTML as a reader sees it: markup removed,
// entities decoded.
func summaryText(markup string) string { return html.UnescapeString(stripTags(markup)) }

// matchWords reports whether every word appears in the item's searchable
// text. It is the definition of a match; the search text stored in the time
// index (search.go) answers the same question without decoding the item.
func matchWords(words []string, it pressfeed.Item) bool {
	if len(words) == 0 {
		return true
	}
	text := searchable(it)
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// stripTags removes markup from sanitized HTML, leaving a space where each
// tag was; entities are left for the caller to decode.
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
