package similar

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Doc is what similarity reads of one item: plain text, no markup.
type Doc struct {
	Title     string
	Text      string // the summary or the start of the content
	Publisher string // the publishing organisation's name
}

// Features is a Doc reduced to what comparisons use. Every list is sorted
// and holds each value once. It encodes to JSON, so a store can keep it
// rather than extract it again.
type Features struct {
	Title   []string `json:"title,omitempty"`   // significant title words, stemmed, publisher's name removed
	Words   []string `json:"words,omitempty"`   // significant words of title and text, stemmed
	Names   []string `json:"names,omitempty"`   // proper names of title and text, less generic words: places, operations, organisations
	Streets []string `json:"streets,omitempty"` // names ending in Road, Street, Lane and the like: "school lane"
	Numbers []string `json:"numbers,omitempty"` // ages, counts, sums, times and sentence lengths; not years
	Days    []string `json:"days,omitempty"`    // weekdays mentioned
}

// MaxTextWords is how much of Doc.Text is read. The first paragraph of a
// release carries its facts (who, where, when, how many); reading whole
// articles would let boilerplate outweigh them.
const MaxTextWords = 100

// Extract computes the features of d.
func Extract(d Doc) Features {
	var f Features
	publisher := make(map[string]bool)
	for _, t := range tokenize(d.Publisher) {
		publisher[stem(t.word)] = true
	}
	title := tokenize(d.Title)
	text := textTokens(d.Text)
	if len(text) > MaxTextWords {
		text = text[:MaxTextWords]
	}
	titleNames := !titleCased(title)

	for _, t := range title {
		if w, ok := significant(t); ok && !publisher[w] {
			f.Title = append(f.Title, w)
		}
	}
	for part, toks := range [][]token{title, text} {
		for _, t := range toks {
			if w, ok := significant(t); ok {
				f.Words = append(f.Words, w)
			}
			if weekdays[t.word] {
				f.Days = append(f.Days, t.word)
			}
		}
		if part == 1 || titleNames {
			places, streets := names(toks)
			f.Names = append(f.Names, places...)
			f.Streets = append(f.Streets, streets...)
		}
	}
	f.Numbers = append(numbers(title), numbers(text)...)
	f.Title = sortedSet(f.Title)
	f.Words = sortedSet(f.Words)
	f.Names = sortedSet(f.Names)
	f.Streets = sortedSet(f.Streets)
	f.Numbers = sortedSet(f.Numbers)
	f.Days = sortedSet(f.Days)
	return f
}

// textTokens returns the tokens of text less the sentences that ask for
// information the same way in every appeal ("Anyone with information is
// asked to call 101 quoting log 123, or Crimestoppers anonymously on 0800
// 555 111"). Their words and numbers are shared by unrelated releases, so
// kept they would make two different appeals one story, and their numbers
// would keep two releases whose own numbers differ from being told apart.
//
// It reads text only as far as the end of the sentence that brings the
// words kept to MaxTextWords, all that Extract reads: a release's facts
// are in its first paragraph, and a long summary read whole was most of
// the time Extract took.
func textTokens(text string) []token {
	var kept []token
	done := 0 // the tokens looked at: whole sentences
	keep := func(sentence []token) {
		if !isBoilerplate(sentence) {
			kept = append(kept, sentence...)
		}
	}
	toks := tokenizeUntil(text, func(toks []token) bool {
		keep(toks[done:])
		done = len(toks)
		return len(kept) >= MaxTextWords
	})
	if done < len(toks) { // the last sentence, when the text ran out first
		keep(toks[done:])
	}
	return kept
}

// isBoilerplate reports whether a sentence is a call for information: it
// names a reporting line or asks anyone with information to come forward.
func isBoilerplate(sentence []token) bool {
	anyone, information := false, false
	for _, t := range sentence {
		switch t.word {
		case "101", "crimestoppers", "anonymously", "quoting", "quote":
			return true
		case "anyone", "anybody":
			anyone = true
		case "information":
			information = true
		}
	}
	return anyone && information
}

// significant returns the stemmed form of a word that says something about
// a story: not a stopword, not a number, not a date, not a single letter.
func significant(t token) (string, bool) {
	if t.number || len([]rune(t.word)) < 2 || stopwords[t.word] || weekdays[t.word] || months[t.word] {
		return "", false
	}
	if _, ok := numberWords[t.word]; ok {
		return "", false
	}
	return stem(t.word), true
}

// names returns the proper names in toks: each run of capitalized words
// not broken by punctuation, less the generic ones, is one name ("North
// Wales", "Greater Manchester", "St Helens"; "Manchester Crown Court" is
// "manchester"). A sentence's first word is capitalized whatever it is, so a
// lone one is taken for an ordinary word unless it is an acronym, and a run
// it starts is also given without it ("Missing Wrexham woman" names both
// "missing wrexham" and "wrexham"). Runs that end in a street word are
// returned apart, whole: every town has a Church Road, so a shared street
// name says nothing about a shared place, while two different streets do.
func names(toks []token) (places, streets []string) {
	for i := 0; i < len(toks); {
		if !toks[i].capital || toks[i].number {
			i++
			continue
		}
		j := i + 1
		for j < len(toks) && toks[j].capital && !toks[j].number && !toks[j].after {
			j++
		}
		run := toks[i:j]
		i = j
		if len(run) == 1 && run[0].sentence && !isAcronym(run[0].raw) {
			continue
		}
		if len(run) > 1 && streetWords[run[len(run)-1].word] {
			if run[0].sentence && !isAcronym(run[0].raw) && len(run) > 2 {
				streets = append(streets, joinWords(run[1:]))
			}
			streets = append(streets, joinWords(run))
			continue
		}
		if name := nameOf(run); name != "" {
			places = append(places, name)
		}
		if run[0].sentence && !isAcronym(run[0].raw) {
			if name := nameOf(run[1:]); name != "" {
				places = append(places, name)
			}
		}
	}
	return places, streets
}

// nameOf joins the words of a run of capitalized words that are not
// generic.
func nameOf(run []token) string {
	var parts []string
	for _, t := range run {
		w := t.word
		if _, num := numberWords[w]; num || len([]rune(w)) < 2 || genericNames[w] || stopwords[w] || weekdays[w] || months[w] {
			continue
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, " ")
}

func joinWords(run []token) string {
	parts := make([]string, len(run))
	for i, t := range run {
		parts[i] = t.word
	}
	return strings.Join(parts, " ")
}

func isAcronym(s string) bool {
	n := 0
	for _, r := range s {
		if !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2
}

// titleCased reports whether a title capitalizes most of its words ("Man
// Charged After Stabbing"), in which case capitals say nothing about names.
func titleCased(toks []token) bool {
	long, caps := 0, 0
	for _, t := range toks {
		if len([]rune(t.word)) < 4 || t.number {
			continue
		}
		long++
		if t.capital {
			caps++
		}
	}
	return long >= 3 && caps*4 >= long*3
}

// numbers returns the quantities in toks, normalized so that "£1 million"
// and "£1m", "twenty-six" and "26", "6.15 am" and "6.15am" agree. Years are
// left out: every release this year mentions this year.
func numbers(toks []token) []string {
	var out []string
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].word
		}
		if n, ok := numberWords[t.word]; ok && t.word != "one" {
			if n >= 20 && n%10 == 0 {
				if u, ok := numberWords[next]; ok && u < 10 {
					n += u
					i++
				}
			}
			out = append(out, strconv.Itoa(n))
			continue
		}
		if !t.number {
			continue
		}
		w := t.word
		switch next {
		case "million", "am", "pm":
			w += strings.TrimSuffix(next, "illion")
			i++
		}
		if isYear(w) && !t.money && !strings.Contains(t.raw, ",") {
			continue
		}
		out = append(out, w)
	}
	return out
}

func isYear(w string) bool {
	if len(w) != 4 || !(strings.HasPrefix(w, "19") || strings.HasPrefix(w, "20")) {
		return false
	}
	_, err := strconv.Atoi(w)
	return err == nil
}

func sortedSet(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
