// Package synthtext makes the text of synthetic news items for tests and
// benchmarks: made-up words drawn with Zipf frequencies, so a few words are
// in nearly every item and most are rare, as in real news (bench/scale
// serves feeds of it and index's search benchmark stores it), and words no
// other item shares (Unique), for tests that must not exercise story
// clustering.
package synthtext

import (
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Unique returns n made-up eight-letter words derived from seed, each
// followed by a space: different seeds give words no other item has.
func Unique(seed string, n int) string {
	var b strings.Builder
	for j := 0; j < n; j++ {
		sum := sha256.Sum256([]byte(seed + "/" + strconv.Itoa(j)))
		for _, c := range sum[:8] {
			b.WriteByte('a' + c%26)
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// Vocabulary is 5,000 made-up words, the same on every run. A small
// vocabulary would make every item look like a near-duplicate of every
// other, a worst case for story clustering rather than a measure of it.
var Vocabulary = func() []string {
	syllables := strings.Fields("ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu")
	out := make([]string, 5000)
	for i := range out {
		n := i
		var w strings.Builder
		for k := 0; k < 2+i%3; k++ {
			w.WriteString(syllables[n%len(syllables)])
			n = n/len(syllables) + k*7 + i
		}
		out[i] = w.String()
	}
	return out
}()

// Words draws words from Vocabulary with Zipf frequencies (s = 1.1).
type Words struct{ z *rand.Zipf }

// NewWords returns a source of words seeded by seed1 and seed2: the same
// seeds give the same words.
func NewWords(seed1, seed2 uint64) Words {
	return Words{rand.NewZipf(rand.New(rand.NewPCG(seed1, seed2)), 1.1, 2, uint64(len(Vocabulary)-1))}
}

// Writer is what Words writes to: a bytes.Buffer or a strings.Builder.
type Writer interface {
	io.ByteWriter
	io.StringWriter
}

// Write writes the next n words, separated by spaces.
func (w Words) Write(b Writer, n int) {
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Vocabulary[w.z.Uint64()])
	}
}
