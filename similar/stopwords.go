package similar

import "strings"

// stopwords carry no story of their own: English function words, and the
// words nearly every police press release uses ("police", "officers",
// "man", "appeal", and the CCTV appeal's "released an image of a man they
// would like to speak to"), which would otherwise make any two releases
// look alike.
var stopwords = setOf(`
a about above after again against all also am an and any are around as at be
because been before being below between both but by can could did do does
doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just last
latest least many may me more most much must my myself near new next no nor
not now of off on once only or other our ours ourselves out over own per
same she should since so some such than that the their theirs them
themselves then there these they this those through to today too under
until up upon us very via was we were what when where which while who whom
why will with within without would yesterday you your yours yourself
yourselves
police officer officers force forces constabulary man men woman women operation
boy girl people person year years old aged week weeks day days
news update statement appeal appeals urged asked asks help public
like speak released image images
`)

// weekdays and months are dates, not names: "Friday" must not count as a
// place two stories share.
var weekdays = setOf(`monday tuesday wednesday thursday friday saturday sunday`)

var months = setOf(`january february march april may june july august
september october november december`)

// genericNames are capitalized words that name roles and institutions
// every release mentions, so they say nothing about where or what.
var genericNames = setOf(`
police constabulary force commissioner commissioners pcc pfcc chief
constable deputy mayor crime crimes panel unit regional organised
organized uk british national
crown court courts magistrates magistrate judge officers officer
road street lane drive avenue way close place square hill park
town city centre center county borough council hall station
his her majesty majestys inspectorate inspectorates constabulary
fire rescue services service home office border agency
operation op team mr mrs ms dr sir
criminal justice policing hmicfrs peel hm prisons rocu nwrocu
safer streets fund funding community victims cctv pcso pcsos plan band
violence reduction partnership
`)

// streetWords end the names of streets.
var streetWords = setOf(`road street lane drive avenue way close crescent
terrace place square gardens grove row walk parade`)

// numberWords are the quantities press releases spell out.
var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
	"twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
	"sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
	"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
	"seventy": 70, "eighty": 80, "ninety": 90,
}

func setOf(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
