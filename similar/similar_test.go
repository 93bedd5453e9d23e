package similar_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"pressfeed/similar"
)

// labelledItem and labelledPair are the records of testdata/pairs.json and
// testdata/holdout.json.
type labelledItem struct {
	Source, Title, Summary, Published, Link string
}

type labelledPair struct {
	ID   string
	Same bool
	Kind string
	A, B labelledItem
}

func loadPairs(t *testing.T, path string) []labelledPair {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []labelledPair
	if err := json.Unmarshal(data, &pairs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pairs
}

func loadPublishers(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("testdata/sources.json")
	if err != nil {
		t.Fatal(err)
	}
	var names map[string]string
	if err := json.Unmarshal(data, &names); err != nil {
		t.Fatal(err)
	}
	return names
}

// TestLabelledPairs measures Compare on the labelled set: the tuning pairs
// and the holdout pairs written after the thresholds were frozen. Pairs of
// kind "link" are one story only by their canonical URL, which the store
// decides, so they are left to the index package's evaluation.
func TestLabelledPairs(t *testing.T) {
	publishers := loadPublishers(t)
	p := similar.DefaultParams()
	var total [3]int // tp, fp, fn
	for _, file := range []string{"testdata/pairs.json", "testdata/holdout.json", "testdata/boilerplate.json"} {
		var tp, fp, fn int
		for _, pr := range loadPairs(t, file) {
			if pr.Kind == "link" {
				continue
			}
			a := similar.Extract(similar.Doc{Title: pr.A.Title, Text: pr.A.Summary, Publisher: publishers[pr.A.Source]})
			b := similar.Extract(similar.Doc{Title: pr.B.Title, Text: pr.B.Summary, Publisher: publishers[pr.B.Source]})
			v := p.Compare(a, b)
			switch {
			case v.Same && pr.Same:
				tp++
			case v.Same:
				fp++
				t.Logf("false merge %s: %s", pr.ID, v.Reason)
			case pr.Same:
				fn++
				t.Logf("missed %s: %s", pr.ID, v.Reason)
			}
		}
		t.Logf("%s: precision %.3f recall %.3f (%d found, %d wrongly, %d missed)", file, ratio(tp, tp+fp), ratio(tp, tp+fn), tp, fp, fn)
		total[0], total[1], total[2] = total[0]+tp, total[1]+fp, total[2]+fn
	}
	precision, recall := ratio(total[0], total[0]+total[1]), ratio(total[0], total[0]+total[2])
	t.Logf("all pairs: precision %.3f recall %.3f", precision, recall)
	if precision < 0.98 || recall < 0.90 {
		t.Errorf("precision %.3f recall %.3f, want at least 0.98 and 0.90", precision, recall)
	}
}

// TestBoilerplatePairs: appeals that end in the same call for information
// ("call 101 quoting log …, or Crimestoppers anonymously on 0800 555 111")
// are told apart by what happened, and copies of one appeal whose calls
// differ still agree. Every pair must be decided right.
func TestBoilerplatePairs(t *testing.T) {
	publishers := loadPublishers(t)
	for _, pr := range loadPairs(t, "testdata/boilerplate.json") {
		a := similar.Extract(similar.Doc{Title: pr.A.Title, Text: pr.A.Summary, Publisher: publishers[pr.A.Source]})
		b := similar.Extract(similar.Doc{Title: pr.B.Title, Text: pr.B.Summary, Publisher: publishers[pr.B.Source]})
		if v := similar.DefaultParams().Compare(a, b); v.Same != pr.Same {
			t.Errorf("%s: same %v (%s, %+v), want %v\n  %v\n  %v", pr.ID, v.Same, v.Reason, v.Scores, pr.Same, a.Words, b.Words)
		}
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		doc  similar.Doc
		got  func(similar.Features) []string
		want []string
	}{
		{"sums and spelled numbers agree",
			similar.Doc{Text: "Twenty-six people and £1 million, then £2.3m and 2,000 plants at 6.15 am in 2026."},
			func(f similar.Features) []string { return f.Numbers },
			[]string{"1m", "2.3m", "2000", "26", "6.15am"}},
		{"ages and sums are numbers, years are not",
			similar.Doc{Title: "Man, 34, jailed", Text: "A 34-year-old man was jailed in 2025 for 12 years and fined £2000."},
			func(f similar.Features) []string { return f.Numbers },
			[]string{"12", "2000", "34"}},
		{"generic words leave the place",
			similar.Doc{Text: "He appeared at Manchester Crown Court after North Wales Police and Greater Manchester Police arrested him."},
			func(f similar.Features) []string { return f.Names },
			[]string{"greater manchester", "manchester", "north wales"}},
		{"a sentence's first word is not a name",
			similar.Doc{Text: "Officers attended. Missing Wrexham woman found. Cannabis was seized in Bolton."},
			func(f similar.Features) []string { return f.Names },
			[]string{"bolton", "missing wrexham", "wrexham"}},
		{"title case says nothing about names",
			similar.Doc{Title: "Man Charged After Burglary In Southport", Text: "A man was charged."},
			func(f similar.Features) []string { return f.Names },
			nil},
		{"inflections meet",
			similar.Doc{Title: "Graded grading grade charges charged stabbing stabbed"},
			func(f similar.Features) []string { return f.Title },
			[]string{"charg", "grad", "stab"}},
		{"the publisher's own name leaves the title only",
			similar.Doc{Title: "Lancashire Constabulary launches knife amnesty", Text: "Lancashire Constabulary is running an amnesty.", Publisher: "Lancashire Constabulary"},
			func(f similar.Features) []string { return f.Title },
			[]string{"amnesty", "knif", "launch"}},
		{"streets apart from places",
			similar.Doc{Text: "It happened on Church Road, Bolton, near the High Street."},
			func(f similar.Features) []string { return append(f.Names, f.Streets...) },
			[]string{"bolton", "church road", "high street"}},
		{"weekdays",
			similar.Doc{Text: "It happened on Friday night, or early on Saturday."},
			func(f similar.Features) []string { return f.Days },
			[]string{"friday", "saturday"}},
		{"a call for information is left out, numbers and all",
			similar.Doc{Text: "Two cars were damaged in Runcorn on Friday. Anyone with information should call 101 quoting log 0412, or Crimestoppers anonymously on 0800 555 111."},
			func(f similar.Features) []string { return append(append(f.Words, f.Numbers...), f.Names...) },
			[]string{"car", "damag", "runcorn", "2", "runcorn"}},
		{"a 999 call that happened is a fact, kept",
			similar.Doc{Text: "A 999 call reported a fire at a house in Widnes."},
			func(f similar.Features) []string { return append(f.Words, f.Numbers...) },
			[]string{"call", "fire", "hous", "report", "widn", "999"}},
		{"possessives and accents",
			similar.Doc{Text: "The force's team visited Caernârfon and Ysbyty Glan Clwyd's ward."},
			func(f similar.Features) []string { return f.Names },
			[]string{"caernarfon", "ysbyty glan clwyd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(similar.Extract(tt.doc)); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCompareReasons(t *testing.T) {
	p := similar.DefaultParams()
	doc := func(title, text string) similar.Features {
		return similar.Extract(similar.Doc{Title: title, Text: text})
	}
	tests := []struct {
		name string
		a, b similar.Features
		same bool
		why  string
	}{
		{"stabbings in two towns",
			doc("Man charged with attempted murder after stabbing in Bootle", "A man was stabbed on Stanley Road, Bootle."),
			doc("Man charged with attempted murder after stabbing in Wigan", "A man was stabbed on Wallgate, Wigan."),
			false, similar.ReasonNames},
		{"one street name, two towns",
			doc("Appeal after burglary in Bolton", "A house on Church Road, Bolton, was broken into at 3am on Monday."),
			doc("Appeal after burglary in Trafford", "A house on Church Road, Trafford, was broken into at 3am on Monday."),
			false, similar.ReasonNames},
		{"one town, two streets",
			doc("Appeal after burglary in Bolton", "A house on Church Road, Bolton, was broken into at 3am on Monday."),
			doc("Appeal after burglary in Bolton", "A house on Mill Lane, Bolton, was broken into at 3am on Monday."),
			false, similar.ReasonNames},
		{"two warrants in one operation",
			doc("Operation Alderwood: warrant in Kirkby", "A 31-year-old woman was arrested in Kirkby as part of Operation Alderwood."),
			doc("Operation Alderwood: second warrant in Kirkby", "A 40-year-old man was arrested in Kirkby as part of Operation Alderwood."),
			false, similar.ReasonNumbers},
		{"same place, different nights",
			doc("Shop window smashed in Kendal", "A shop window in Kendal was smashed on Friday."),
			doc("Shop window smashed in Kendal", "A shop window in Kendal was smashed on Tuesday."),
			false, similar.ReasonDays},
		{"same title",
			doc("Regional organised crime unit graded outstanding by inspectors", ""),
			doc("Inspectors grade the regional organised crime unit 'outstanding'", ""),
			true, similar.ReasonTitle},
		{"a rewrite with a different title",
			doc("Commissioner funds four new rural crime officers", "Four more officers will join the rural crime team next month to tackle thefts of machinery, livestock worrying and fuel theft."),
			doc("Rural team grows", "The rural crime team is growing by four officers to tackle machinery theft, livestock worrying and fuel theft."),
			true, similar.ReasonText},
		{"nothing in common",
			doc("Road closures for the parade", "Roads will be closed."),
			doc("Funding for victim services", "Charities will share funding."),
			false, similar.ReasonTooFew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := p.Compare(tt.a, tt.b)
			if v.Same != tt.same || v.Reason != tt.why {
				t.Errorf("got same=%v (%s), want same=%v (%s); scores %+v", v.Same, v.Reason, tt.same, tt.why, v.Scores)
			}
			if w := p.Compare(tt.b, tt.a); w.Same != v.Same || w.Reason != v.Reason {
				t.Errorf("not symmetric: %v (%s) one way, %v (%s) the other", v.Same, v.Reason, w.Same, w.Reason)
			}
		})
	}
}
