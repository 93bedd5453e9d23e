package similar

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// BenchmarkExtract extracts the features of every labelled release (both
// sides of each pair in testdata/pairs.json): the work a new item costs
// before its story lookup. Its long case gives each release the text of
// eight releases (1 to 2 KB, as a feed that puts a whole article in its
// summary does), of which Extract reads the first MaxTextWords words.
func BenchmarkExtract(b *testing.B) {
	docs := labelledDocs(b)
	b.Run("releases", func(b *testing.B) { benchExtract(b, docs) })
	long := make([]Doc, len(docs))
	for i, d := range docs {
		var texts []string
		for j := range 8 {
			texts = append(texts, docs[(i+j)%len(docs)].Text)
		}
		long[i] = Doc{Title: d.Title, Text: strings.Join(texts, " "), Publisher: d.Publisher}
	}
	b.Run("long", func(b *testing.B) { benchExtract(b, long) })
}

func labelledDocs(b *testing.B) []Doc {
	data, err := os.ReadFile("testdata/pairs.json")
	if err != nil {
		b.Fatal(err)
	}
	var pairs []struct {
		A, B struct{ Source, Title, Summary string }
	}
	if err := json.Unmarshal(data, &pairs); err != nil {
		b.Fatal(err)
	}
	var docs []Doc
	for _, p := range pairs {
		docs = append(docs, Doc{Title: p.A.Title, Text: p.A.Summary, Publisher: p.A.Source}, Doc{Title: p.B.Title, Text: p.B.Summary, Publisher: p.B.Source})
	}
	return docs
}

func benchExtract(b *testing.B, docs []Doc) {
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			Extract(d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/doc")
}
