// Package similar decides whether two press releases tell the same story.
// It reads plain text only and imports only the standard library; the store
// finds the candidates and keeps the stories.
//
// A release is reduced to Features: its significant words (stopwords,
// numbers and dates removed, lightly stemmed; in the title also the
// publisher's own name), the proper names it mentions (runs of capitalized
// words less the generic ones: "Manchester Crown Court" names "manchester";
// street names kept apart, since every town has a Church Road), the numbers
// it states (ages, counts, sums, times; "£1 million" and "£1m" agree) and
// the weekdays. Sentences of the text that only ask for information ("call
// 101 quoting log …", "Crimestoppers anonymously on 0800 555 111") are left
// out first: every appeal ends with one, so their words and numbers would
// make unrelated appeals look alike. Compare then applies vetoes first: two reports of one event
// name the same places, state the same facts and agree on the day, which is
// what tells "man charged after stabbing in Bootle" from the same words
// about Wigan. Only then do shared words decide: the titles' overlap
// coefficient, or the overlap of the title-and-text words for a rewrite
// whose title says it differently.
//
// Shingles with MinHash or SimHash were considered and left out: they
// estimate resemblance so that huge collections need not be compared pair
// by pair, but the store already narrows the candidates to a few recent
// releases sharing words, which are compared exactly; and a verbatim copy,
// which is what shingles find, shares all its words anyway.
package similar
