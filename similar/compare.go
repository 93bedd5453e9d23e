package similar

import "cmp"

// Params are the thresholds a comparison decides with.
type Params struct {
	TitleShared  int     // least significant title words both titles have, for the title rule
	TitleOverlap float64 // least title overlap coefficient, for the title rule
	WordsShared  int     // least significant words both title-and-texts have, for the text rule
	WordsOverlap float64 // least overlap coefficient of those words, for the text rule
}

// DefaultParams returns the thresholds tuned on testdata/pairs.json and
// checked on testdata/holdout.json. The title rule is the starting point
// the project set (three shared words, overlap 0.6); the text rule catches a
// commissioner's rewrite of a force's release, whose title shares little.
func DefaultParams() Params {
	return Params{TitleShared: 3, TitleOverlap: 0.6, WordsShared: 5, WordsOverlap: 0.4}
}

// Scores are the measurements a comparison is decided on.
type Scores struct {
	TitleShared  int     // significant title words both titles have
	TitleOverlap float64 // TitleShared over the shorter title's word count
	WordsShared  int     // significant words both title-and-texts have
	WordsOverlap float64 // WordsShared over the shorter one's word count
}

// Strength orders two matches: the one whose words overlap more wins.
func (s Scores) Strength() float64 { return s.WordsOverlap + s.TitleOverlap }

// Verdict is the outcome of a comparison and the reason for it.
type Verdict struct {
	Same   bool
	Reason string // one of the Reason constants
	Scores
}

// The reasons a Verdict gives. The first three are vetoes: they hold
// whatever the words say.
const (
	ReasonNames   = "they name different places"
	ReasonNumbers = "their numbers disagree"
	ReasonDays    = "they happened on different days"
	ReasonTitle   = "their titles share enough words"
	ReasonText    = "their texts share enough words"
	ReasonTooFew  = "they share too few words"
)

// Compare decides whether a and b tell the same story. Two reports of one
// event name the same places and state the same facts, so they are apart
// when their place names or their street names are disjoint, when each
// states numbers the other does not (and they agree on no more than that),
// or when they mention different weekdays.
// Otherwise they are one story when their titles, or their titles and texts
// together, share enough significant words.
func (p Params) Compare(a, b Features) Verdict {
	return CompareSets(p, Sets[string](a), Sets[string](b))
}

// Sets are the lists of Features as values of any ordered kind: Features'
// own words, or numbers standing for them one for one (a store's
// vocabulary), which compare faster. Each list is sorted and holds each
// value once.
type Sets[T cmp.Ordered] struct {
	Title, Words, Names, Streets, Numbers, Days []T
}

// CompareSets is Compare on Sets. Comparisons count shared values and
// nothing else, so numbers that stand for words one for one give the
// verdict the words give, whatever order the numbers sort the words in.
func CompareSets[T cmp.Ordered](p Params, a, b Sets[T]) Verdict {
	v := Verdict{Scores: Scores{}}
	v.TitleShared, v.TitleOverlap = overlap(a.Title, b.Title)
	v.WordsShared, v.WordsOverlap = overlap(a.Words, b.Words)
	switch {
	case disjoint(a.Names, b.Names), disjoint(a.Streets, b.Streets):
		v.Reason = ReasonNames
	case disagree(a.Numbers, b.Numbers):
		v.Reason = ReasonNumbers
	case disjoint(a.Days, b.Days):
		v.Reason = ReasonDays
	case v.TitleShared >= p.TitleShared && v.TitleOverlap >= p.TitleOverlap:
		v.Same, v.Reason = true, ReasonTitle
	case v.WordsShared >= p.WordsShared && v.WordsOverlap >= p.WordsOverlap:
		v.Same, v.Reason = true, ReasonText
	default:
		v.Reason = ReasonTooFew
	}
	return v
}

// disjoint reports whether both lists are non-empty and share nothing.
func disjoint[T cmp.Ordered](a, b []T) bool {
	n, _ := overlap(a, b)
	return len(a) > 0 && len(b) > 0 && n == 0
}

// disagree reports whether each side states numbers the other does not and
// the two agree on no more numbers than either states alone: "jailed for 46
// years" and "jailed for five years and four months" share a five, but not
// the story; nor do a 45-year-old and a 55-year-old jailed for four years.
func disagree[T cmp.Ordered](a, b []T) bool {
	n, _ := overlap(a, b)
	onlyA, onlyB := len(a)-n, len(b)-n
	return onlyA > 0 && onlyB > 0 && n <= max(onlyA, onlyB)
}

// overlap counts the values two sorted sets share and divides by the size
// of the smaller one (the overlap coefficient); 0 when either is empty.
func overlap[T cmp.Ordered](a, b []T) (int, float64) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 0
	}
	n := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch c := cmp.Compare(a[i], b[j]); {
		case c == 0:
			n++
			i++
			j++
		case c < 0:
			i++
		default:
			j++
		}
	}
	return n, float64(n) / float64(min(len(a), len(b)))
}
