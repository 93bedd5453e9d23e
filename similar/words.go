package similar

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of a text as written, with what the comparisons need to
// know about it.
type token struct {
	raw      string // as written, accents, case and thousands separators kept
	word     string // folded and lower-cased
	number   bool   // a quantity, an age, a time or a sum
	capital  bool   // written with a capital letter
	sentence bool   // the first word of a sentence or of a title
	after    bool   // punctuation separates it from the word before
	money    bool   // a currency sign comes right before it: "£2000"
}

// tokenize splits text into words, keeping digits with their decimal points
// ("6.15am", "2.3") and dropping thousands separators ("2,000" is "2000"),
// apostrophes and what follows them ("force's" is "force").
func tokenize(text string) []token { return tokenizeUntil(text, nil) }

// tokenizeUntil is tokenize that stops early: before each sentence after
// the first, it passes enough the tokens so far (whole sentences), and
// stops there if enough reports true. A nil enough reads the whole text.
//
// A word is a run of the text's own bytes (letters and digits, and the
// separators between digits), so a token's raw is a substring of text: it
// copies nothing, and a text is read a rune at a time, without a []rune
// copy of it.
func tokenizeUntil(text string, enough func([]token) bool) []token {
	var (
		out      = make([]token, 0, min(len(text)/6+1, 256))
		word     = -1    // where the word being read starts; -1 between words
		start    = true  // the next word begins a sentence
		punct    = false // punctuation since the last word
		sign     = false // a currency sign just before the word
		skipping = false // dropping the letters after an apostrophe
		prev     rune    // the rune before r; 0 at the start
	)
	// flush ends the word being read at end and reports whether to go on.
	flush := func(end int) bool {
		if word < 0 {
			return true
		}
		if start && len(out) > 0 && enough != nil && enough(out) {
			return false
		}
		t := newToken(text[word:end], start)
		t.after, t.money = punct, sign
		out = append(out, t)
		start, punct = false, false
		word = -1
		return true
	}
	r, size := utf8.DecodeRuneInString(text)
	for i := 0; i < len(text); {
		// next is the rune after r: RuneError at the end, which is
		// neither letter nor digit. It is r in the next round.
		next, nextSize := utf8.DecodeRuneInString(text[i+size:])
		between := word >= 0 && unicode.IsDigit(prev) && unicode.IsDigit(next)
		switch {
		case skipping && unicode.IsLetter(r):
		case isWordRune(r):
			skipping = false
			if word < 0 {
				sign = strings.ContainsRune("£$€", prev)
				word = i
			}
		case (r == ',' || r == '.') && between:
		case isApostrophe(r) && word >= 0 && unicode.IsLetter(next):
			if !flush(i) {
				return out
			}
			skipping = true
		default:
			skipping = false
			if !flush(i) {
				return out
			}
			if strings.ContainsRune(".?!:;", r) {
				start = true
			}
			if !unicode.IsSpace(r) {
				punct = true
			}
		}
		prev = r
		i += size
		r, size = next, nextSize
	}
	flush(len(text))
	return out
}

func newToken(raw string, sentence bool) token {
	first, _ := utf8.DecodeRuneInString(raw)
	return token{
		raw:      raw,
		word:     fold(strings.ReplaceAll(raw, ",", "")),
		number:   unicode.IsDigit(first),
		capital:  unicode.IsUpper(first),
		sentence: sentence,
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

// fold lower-cases s and removes the accents of the Latin letters Welsh,
// French and Irish place names use, so "Caernarfon" and "Caernârfon" agree.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii {
		return strings.ToLower(s) // no accents to fold; no copy when already lower case
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if f, ok := accents[r]; ok {
			r = f
		}
		b.WriteRune(r)
	}
	return b.String()
}

var accents = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ä': 'a', 'ã': 'a', 'å': 'a',
	'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e',
	'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i',
	'ò': 'o', 'ó': 'o', 'ô': 'o', 'ö': 'o', 'õ': 'o',
	'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u',
	'ŵ': 'w', 'ŷ': 'y', 'ÿ': 'y', 'ý': 'y', 'ç': 'c', 'ñ': 'n',
}

// stem removes the common English inflections so that "graded", "grade"
// and "grading" agree, as do "charges" and "charged". It is deliberately
// light: it only has to make two spellings of one word meet, never to find
// a dictionary form.
func stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	for _, suf := range []string{"ing", "ed"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			w = w[:len(w)-len(suf)]
			// stabbed, stabbing → stab
			if n := len(w); n >= 2 && w[n-1] == w[n-2] && !strings.ContainsRune("lsz", rune(w[n-1])) {
				w = w[:n-1]
			}
			break
		}
	}
	if strings.HasSuffix(w, "e") && len(w) > 4 {
		w = w[:len(w)-1]
	}
	return w
}
