package similar

import (
	"encoding/json"
	"os"
	"testing"
)

// BenchmarkExtract extracts the features of every labelled release (both
// sides of each pair in testdata/pairs.json): the work a new item costs
// before its story lookup.
func BenchmarkExtract(b *testing.B) {
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
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			Extract(d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/doc")
}
