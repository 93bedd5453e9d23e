package bench_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"pressfeed"
)

// The synthetic region: the shape of the real one (thirteen publishers,
// about 150 releases a day, one in ten cross-posted by a second publisher
// within hours under its own title), with words drawn from the vocabulary
// real releases use, so that the word index has real-looking lists: a few
// words ("charged", "appeal") in many releases, most in few.
var (
	benchSources = []string{"merseyside-police", "greater-manchester-police", "cheshire-police", "north-wales-police",
		"lancashire-police", "cumbria-police", "lancashire-pcc", "merseyside-pcc", "greater-manchester-mayor",
		"cheshire-pcc", "cumbria-pfcc", "north-wales-pcc", "nw-rocu"}
	towns = []string{"Bootle", "Kirkby", "Huyton", "Birkenhead", "Wallasey", "Southport", "St Helens", "Widnes", "Runcorn",
		"Warrington", "Chester", "Crewe", "Macclesfield", "Northwich", "Ellesmere Port", "Wigan", "Bolton", "Bury", "Oldham",
		"Rochdale", "Salford", "Stockport", "Tameside", "Trafford", "Wythenshawe", "Preston", "Blackpool", "Blackburn",
		"Burnley", "Lancaster", "Morecambe", "Chorley", "Accrington", "Carlisle", "Barrow", "Kendal", "Workington",
		"Whitehaven", "Penrith", "Wrexham", "Mold", "Rhyl", "Bangor", "Holyhead", "Colwyn Bay", "Llandudno", "Flint"}
	streets = []string{"High Street", "Church Road", "Station Road", "Park Lane", "Victoria Street", "Mill Lane",
		"Market Street", "London Road", "Manchester Road", "Liverpool Road", "Chapel Street", "King Street",
		"Queen Street", "Bridge Street", "Green Lane", "New Road", "School Lane", "North Road", "Albert Road"}
	offences = []string{"burglary", "robbery", "stabbing", "assault", "arson attack", "theft of a car", "cash machine raid",
		"shop theft", "drugs seizure", "firearms discharge", "hit and run", "criminal damage", "fraud", "dog theft",
		"catalytic converter theft", "break-in", "carjacking", "pursuit", "disorder", "knife attack"}
	charges = []string{"wounding with intent", "robbery", "burglary", "possession with intent to supply", "dangerous driving",
		"affray", "fraud by false representation", "possession of a firearm", "arson", "theft"}
	operations = []string{"Alderwood", "Brackenfield", "Copperbeech", "Duneside", "Elmstead", "Fellgate", "Greystone",
		"Hawthorn Vale", "Ironbridge", "Juniper", "Kestrel Moor", "Larchfield", "Millrace", "Northcote"}
	projects = []string{"youth boxing project", "CCTV scheme", "street lighting", "victim support service",
		"knife crime education programme", "neighbourhood watch scheme", "rural crime team", "safe space"}
	weekdays  = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	roleWords = []string{"man", "woman", "teenager", "boy", "girl"}
)

// release is one synthetic press release; rewrite gives another
// publisher's version of the same story.
type release struct {
	kind                     int
	town, street, offence    string
	charge, operation, proj  string
	age, n, amount, hour     int
	day, who                 string
	publishedBy              string
	published                time.Time
	title, summary, guidBase string
}

func newRelease(r *rand.Rand, at time.Time, seq int) release {
	rel := release{
		kind:        r.IntN(5),
		town:        towns[r.IntN(len(towns))],
		street:      streets[r.IntN(len(streets))],
		offence:     offences[r.IntN(len(offences))],
		charge:      charges[r.IntN(len(charges))],
		operation:   operations[r.IntN(len(operations))],
		proj:        projects[r.IntN(len(projects))],
		age:         16 + r.IntN(50),
		n:           2 + r.IntN(30),
		amount:      (1 + r.IntN(400)) * 1000,
		hour:        1 + r.IntN(11),
		day:         weekdays[r.IntN(7)],
		who:         roleWords[r.IntN(len(roleWords))],
		publishedBy: benchSources[r.IntN(len(benchSources))],
		published:   at,
		guidBase:    fmt.Sprintf("rel-%d", seq),
	}
	rel.title, rel.summary = rel.text(0)
	return rel
}

// facts is what a reader could tell two releases apart by, other than the
// wording: their numbers and proper names (acronyms such as CCTV are not
// names). The generator never repeats
// them: two releases that agree on all of them, published the same week,
// are one story to any reader, whatever the template put between them.
func (rel release) facts() string {
	_, summary := rel.text(0)
	var out []string
	for _, w := range strings.FieldsFunc(summary, func(r rune) bool { return r == ' ' || r == ',' || r == '.' }) {
		if strings.ContainsAny(w, "0123456789") || w[0] >= 'A' && w[0] <= 'Z' && strings.ToUpper(w) != w {
			out = append(out, w)
		}
	}
	return fmt.Sprint(rel.kind, out)
}

// text renders the release in one of two voices: the original and a
// rewrite that says the same facts with another title.
func (rel release) text(voice int) (string, string) {
	switch rel.kind {
	case 0:
		titles := []string{
			fmt.Sprintf("%s charged after %s in %s", cap(rel.who), rel.offence, rel.town),
			fmt.Sprintf("Charge after %s on %s, %s", rel.offence, rel.street, rel.town),
		}
		return titles[voice], fmt.Sprintf("A %d-year-old %s has been charged with %s after a %s on %s, %s, at around %dpm on %s.",
			rel.age, rel.who, rel.charge, rel.offence, rel.street, rel.town, rel.hour, rel.day)
	case 1:
		titles := []string{
			fmt.Sprintf("Appeal for witnesses after %s in %s", rel.offence, rel.town),
			fmt.Sprintf("Can you help? %s on %s", cap(rel.offence), rel.street),
		}
		return titles[voice], fmt.Sprintf("Officers are appealing for information after a %s on %s, %s, at about %dam on %s. Anyone with dashcam footage is asked to get in touch.",
			rel.offence, rel.street, rel.town, rel.hour, rel.day)
	case 2:
		titles := []string{
			fmt.Sprintf("Operation %s: %d arrested in %s", rel.operation, rel.n, rel.town),
			fmt.Sprintf("%d arrests as Operation %s targets drug supply in %s", rel.n, rel.operation, rel.town),
		}
		return titles[voice], fmt.Sprintf("%d people were arrested and £%d in cash seized when officers executed warrants in %s on %s as part of Operation %s.",
			rel.n, rel.amount, rel.town, rel.day, rel.operation)
	case 3:
		titles := []string{
			fmt.Sprintf("%s jailed for %d years for %s in %s", cap(rel.who), 2+rel.n%15, rel.charge, rel.town),
			fmt.Sprintf("Jail for %s who committed %s in %s", rel.who, rel.charge, rel.town),
		}
		return titles[voice], fmt.Sprintf("A %d-year-old %s from %s has been jailed for %d years at Crown Court for %s following a %s on %s.",
			rel.age, rel.who, rel.town, 2+rel.n%15, rel.charge, rel.offence, rel.street)
	default:
		titles := []string{
			fmt.Sprintf("Commissioner awards £%d to %s in %s", rel.amount, rel.proj, rel.town),
			fmt.Sprintf("Funding boost for %s in %s", rel.proj, rel.town),
		}
		return titles[voice], fmt.Sprintf("A %s in %s will receive £%d from the Commissioner's community fund to help keep people safe.",
			rel.proj, rel.town, rel.amount)
	}
}

func cap(s string) string { return string(s[0]-'a'+'A') + s[1:] }

func (rel release) item(source string, voice int) pressfeed.Item {
	title, summary := rel.text(voice)
	guid := rel.guidBase + "-" + source
	return pressfeed.Item{
		GUID:      guid,
		Title:     title,
		Link:      "https://" + source + ".example/news/" + guid,
		Summary:   "<p>" + summary + "</p>",
		Published: rel.published,
	}
}

// crossPoster picks another publisher for a rewrite.
func crossPoster(r *rand.Rand, not string) string {
	for {
		if s := benchSources[r.IntN(len(benchSources))]; s != not {
			return s
		}
	}
}
