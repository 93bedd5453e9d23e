package similar

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

// referenceTokenize is tokenize as it was written first, over a []rune
// copy of the text with each word built up rune by rune: the tokenizer
// that the labelled set was tuned with. tokenize must give what it gives.
func referenceTokenize(text string) []token {
	var (
		out      []token
		cur      []rune
		start    = true
		punct    = false
		sign     = false
		skipping = false
	)
	flush := func() {
		if len(cur) > 0 {
			t := newToken(string(cur), start)
			t.after, t.money = punct, sign
			out = append(out, t)
			start, punct = false, false
			cur = cur[:0]
		}
	}
	rs := []rune(text)
	for i, r := range rs {
		between := len(cur) > 0 && unicode.IsDigit(cur[len(cur)-1]) && i+1 < len(rs) && unicode.IsDigit(rs[i+1])
		switch {
		case skipping && unicode.IsLetter(r):
		case isWordRune(r):
			skipping = false
			if len(cur) == 0 {
				sign = i > 0 && strings.ContainsRune("£$€", rs[i-1])
			}
			cur = append(cur, r)
		case (r == ',' || r == '.') && between:
			cur = append(cur, r)
		case isApostrophe(r) && len(cur) > 0 && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			flush()
			skipping = true
		default:
			skipping = false
			flush()
			if strings.ContainsRune(".?!:;", r) {
				start = true
			}
			if !unicode.IsSpace(r) {
				punct = true
			}
		}
	}
	flush()
	return out
}

// tokenizerCases are texts that exercise each rule of the tokenizer.
var tokenizerCases = []string{
	"",
	"Man, 45, charged after £2,000 theft at 6.15am on Monday.",
	"The force's officers — and the PCC’s office — said: “It's done.” Really? Yes!",
	"Caernârfon, Ynys Môn; Llŷn. ÀÉÎÕÜ ça.",
	"2,000,000 and 2.3 and 1,5 and 1.2.3 and 3., ,4 and £ 5 and $6 and €7m",
	"don't 'quoted' rock'n'roll o'clock 12'6 l'été",
	"a\xffb \xe2\x80 c\xc3",
	"trailing digit 9",
	"ending mid-word after apostrophe it'",
	"Anyone with information is asked to call 101 quoting log 123. Crimestoppers anonymously on 0800 555 111.",
	"数字 ١٢٣ and ¾ and Ⅻ and x²",
}

// tokenizerTexts returns the crafted cases, every labelled release's title
// and summary, and long texts made of many summaries (with their
// boilerplate sentences), longer than Extract reads.
func tokenizerTexts(t *testing.T) []string {
	texts := append([]string(nil), tokenizerCases...)
	var summaries []string
	for _, file := range []string{"testdata/pairs.json", "testdata/holdout.json", "testdata/boilerplate.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var pairs []struct {
			A, B struct{ Title, Summary string }
		}
		if err := json.Unmarshal(data, &pairs); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, p := range pairs {
			texts = append(texts, p.A.Title, p.A.Summary, p.B.Title, p.B.Summary)
			summaries = append(summaries, p.A.Summary, p.B.Summary)
		}
	}
	for i := 0; i+8 <= len(summaries); i += 8 {
		texts = append(texts, strings.Join(summaries[i:i+8], " "))
	}
	return texts
}

// TestTokenizeAsBefore: the tokenizer over the text's bytes gives the
// tokens the rune-by-rune one gives, on every labelled text, and the words
// Extract keeps of a text read only in part (textTokens) are those it
// would keep of the whole.
func TestTokenizeAsBefore(t *testing.T) {
	for _, text := range tokenizerTexts(t) {
		checkTokenize(t, text)
	}
}

// TestTextTokensStopEarly: a long text is read only in part.
func TestTextTokensStopEarly(t *testing.T) {
	cut := 0
	for _, text := range tokenizerTexts(t) {
		if len(textTokens(text)) < len(dropBoilerplate(tokenize(text))) {
			cut++
		}
	}
	if cut == 0 {
		t.Error("no text was read in part: the long texts should be")
	}
}

func checkTokenize(t *testing.T, text string) {
	t.Helper()
	want := referenceTokenize(text)
	if got := tokenize(text); !sameTokens(got, want) {
		t.Fatalf("tokenize(%q):\n got %+v\nwant %+v", text, got, want)
	}
	part, whole := textTokens(text), dropBoilerplate(want)
	if len(part) > len(whole) || !sameTokens(part, whole[:len(part)]) {
		t.Fatalf("textTokens(%q) is not a start of the whole text's tokens less boilerplate:\n got %+v", text, part)
	}
	cut := func(toks []token) []token { return toks[:min(len(toks), MaxTextWords)] }
	if got, all := cut(part), cut(whole); !sameTokens(got, all) {
		t.Fatalf("textTokens(%q) keeps %d words, the whole text %d", text, len(got), len(all))
	}
}

// dropBoilerplate removes the sentences isBoilerplate finds from tokens of
// a whole text, as Extract did before textTokens read only a start of it.
func dropBoilerplate(toks []token) []token {
	out := toks[:0:0]
	for start := 0; start < len(toks); {
		end := start + 1
		for end < len(toks) && !toks[end].sentence {
			end++
		}
		if !isBoilerplate(toks[start:end]) {
			out = append(out, toks[start:end]...)
		}
		start = end
	}
	return out
}

// sameTokens is reflect.DeepEqual, an empty list equal to none.
func sameTokens(a, b []token) bool {
	return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b)
}

// FuzzTokenize checks tokenize against the rune-by-rune tokenizer, and
// textTokens against the whole text, on any input.
func FuzzTokenize(f *testing.F) {
	for _, text := range tokenizerCases {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkTokenize(t, text)
	})
}
