package fetch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
)

// Limits cap what one feed can put in the store, so a runaway or hostile
// feed costs bounded space and time. Field sizes are in bytes of the
// feed's own text, before sanitizing. Zero fields take the defaults noted.
type Limits struct {
	MaxItems   int // items kept per fetch, in document order; 500
	MaxTitle   int // title; 1 KiB
	MaxSummary int // summary or description; 64 KiB
	MaxContent int // full content; 256 KiB
	MaxURL     int // a link, image or enclosure URL; longer ones are dropped; 2 KiB
	MaxGUID    int // an item's guid; a longer one is replaced by its hash; 1 KiB
	MaxNames   int // authors and categories per item, each at most MaxTitle; 20
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxItems, 500)
	def(&l.MaxTitle, 1<<10)
	def(&l.MaxSummary, 64<<10)
	def(&l.MaxContent, 256<<10)
	def(&l.MaxURL, 2<<10)
	def(&l.MaxGUID, 1<<10)
	def(&l.MaxNames, 20)
	return l
}

// capFeed applies lim to a parsed feed in place, before the items are
// normalized (so the sanitizer never sees a 5 MB description), and returns
// one note per kind of cut, for the source's state.
func capFeed(feed *gofeed.Feed, lim Limits) []string {
	var notes []string
	if n := len(feed.Items); n > lim.MaxItems {
		feed.Items = feed.Items[:lim.MaxItems]
		notes = append(notes, fmt.Sprintf("the feed has %d items; kept the first %d", n, lim.MaxItems))
	}
	cuts := map[string]int{} // what was cut → in how many items
	cut := func(what string, did bool) {
		if did {
			cuts[what]++
		}
	}
	for _, fi := range feed.Items {
		if fi == nil {
			continue
		}
		var did bool
		fi.Title, did = truncateText(fi.Title, lim.MaxTitle)
		cut(fmt.Sprintf("title cut to %s", byteSize(int64(lim.MaxTitle))), did)
		fi.Description, did = truncateHTML(fi.Description, lim.MaxSummary)
		cut(fmt.Sprintf("summary cut to %s", byteSize(int64(lim.MaxSummary))), did)
		fi.Content, did = truncateHTML(fi.Content, lim.MaxContent)
		cut(fmt.Sprintf("content cut to %s", byteSize(int64(lim.MaxContent))), did)
		if len(fi.GUID) > lim.MaxGUID {
			sum := sha256.Sum256([]byte(fi.GUID))
			fi.GUID = "guid-sha256:" + hex.EncodeToString(sum[:])
			cut(fmt.Sprintf("guid over %s replaced by its hash", byteSize(int64(lim.MaxGUID))), true)
		}
		if len(fi.Link) > lim.MaxURL {
			fi.Link = ""
			cut(fmt.Sprintf("link over %s dropped", byteSize(int64(lim.MaxURL))), true)
		}
		fi.Links = dropLong(fi.Links, lim.MaxURL)
		if fi.Image != nil && len(fi.Image.URL) > lim.MaxURL {
			fi.Image = nil
		}
		var encl []*gofeed.Enclosure
		for _, e := range fi.Enclosures {
			if e != nil && len(e.URL) <= lim.MaxURL {
				encl = append(encl, e)
			}
		}
		fi.Enclosures = encl
		if len(fi.Authors) > lim.MaxNames {
			fi.Authors = fi.Authors[:lim.MaxNames]
			cut(fmt.Sprintf("authors beyond %d dropped", lim.MaxNames), true)
		}
		for _, a := range fi.Authors {
			if a != nil {
				a.Name, _ = truncateText(a.Name, lim.MaxTitle)
				a.Email, _ = truncateText(a.Email, lim.MaxTitle)
			}
		}
		if len(fi.Categories) > lim.MaxNames {
			fi.Categories = fi.Categories[:lim.MaxNames]
			cut(fmt.Sprintf("categories beyond %d dropped", lim.MaxNames), true)
		}
		for i, c := range fi.Categories {
			fi.Categories[i], _ = truncateText(c, lim.MaxTitle)
		}
	}
	kinds := make([]string, 0, len(cuts))
	for k := range cuts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		notes = append(notes, fmt.Sprintf("%d item(s) had their %s", cuts[k], k))
	}
	return notes
}

func dropLong(urls []string, max int) []string {
	var out []string
	for _, u := range urls {
		if len(u) <= max {
			out = append(out, u)
		}
	}
	return out
}

// truncateText cuts s to at most max bytes on a rune boundary, marking the
// cut with an ellipsis, and reports whether it cut.
func truncateText(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	s = s[:runeStart(s, max-len("…"))]
	return strings.TrimSpace(s) + "…", true
}

// truncateHTML is truncateText for an HTML fragment: it also backs off to
// before a tag or entity left open by the cut, so the sanitizer sees no
// half tag. Unclosed elements are left for the sanitizer and the reader.
func truncateHTML(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	s = s[:runeStart(s, max-len("…"))]
	if lt := strings.LastIndexByte(s, '<'); lt > strings.LastIndexByte(s, '>') {
		s = s[:lt]
	}
	if amp := strings.LastIndexByte(s, '&'); amp >= 0 && !strings.ContainsRune(s[amp:], ';') {
		s = s[:amp]
	}
	return s + "…", true
}

// runeStart returns the largest index ≤ n that starts a rune of s.
func runeStart(s string, n int) int {
	if n <= 0 {
		return 0
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// capXMLItems cuts an XML feed before its item number max+1 (an RSS <item>
// or Atom <entry> directly under the root or the channel) and closes the
// elements left open, so a feed of tens of thousands of items costs the
// parser no more than max of them. It reports whether it cut. A document
// it cannot scan is returned whole, for the parser to judge.
func capXMLItems(doc []byte, max int) ([]byte, bool) {
	if bytes.Count(doc, []byte("item"))+bytes.Count(doc, []byte("entry")) <= max {
		return doc, false // cannot hold more than max items: skip the scan
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var open []xml.Name
	n := 0
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			return doc, false
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			local := strings.ToLower(tok.Name.Local)
			if (local == "item" || local == "entry") && len(open) >= 1 && len(open) <= 2 {
				if n++; n > max {
					out := bytes.NewBuffer(make([]byte, 0, off+64))
					out.Write(doc[:off])
					for i := len(open) - 1; i >= 0; i-- {
						out.WriteString("</" + qualified(open[i]) + ">")
					}
					return out.Bytes(), true
				}
			}
			open = append(open, tok.Name)
		case xml.EndElement:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
}

// qualified writes a raw token's name as it appeared: prefix:local.
func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}
