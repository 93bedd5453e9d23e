package syndicate

import (
	"strings"
	"unicode/utf8"
)

// xmlWriter writes an XML document into memory the way encoding/xml's
// Encoder does with Indent("", " "): each element on a line of its own,
// indented a space a level, its text on the same line, an element without
// children or text as a start and an end tag, and encoding/xml's escapes.
// WriteAtom uses it.
type xmlWriter struct {
	b          []byte
	depth      int
	indentedIn bool // the last thing written was a start tag
	putNewline bool // something was written: the next tag starts a line
}

// raw appends s as it is.
func (x *xmlWriter) raw(s string) { x.b = append(x.b, s...) }

// indent is encoding/xml's printer.writeIndent.
func (x *xmlWriter) indent(delta int) {
	if delta < 0 {
		x.depth--
		if x.indentedIn {
			x.indentedIn = false
			return
		}
		x.indentedIn = false
	}
	if x.putNewline {
		x.b = append(x.b, '\n')
	} else {
		x.putNewline = true
	}
	for range x.depth {
		x.b = append(x.b, ' ')
	}
	if delta > 0 {
		x.depth++
		x.indentedIn = true
	}
}

// begin starts the start tag of name; attributes follow, then end.
func (x *xmlWriter) begin(name string) {
	x.indent(1)
	x.b = append(x.b, '<')
	x.b = append(x.b, name...)
}

// attr writes an attribute.
func (x *xmlWriter) attr(name, value string) {
	x.b = append(x.b, ' ')
	x.b = append(x.b, name...)
	x.b = append(x.b, `="`...)
	x.escape(value)
	x.b = append(x.b, '"')
}

// attrs writes name, value pairs, leaving out those whose value is empty
// (encoding/xml's omitempty).
func (x *xmlWriter) attrs(pairs ...string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			x.attr(pairs[i], pairs[i+1])
		}
	}
}

// end ends a start tag.
func (x *xmlWriter) end() { x.b = append(x.b, '>') }

// open writes a start tag of name with attrs (as attrs writes them).
func (x *xmlWriter) open(name string, attrs ...string) {
	x.begin(name)
	x.attrs(attrs...)
	x.end()
}

// close writes the end tag of name.
func (x *xmlWriter) close(name string) {
	x.indent(-1)
	x.b = append(x.b, "</"...)
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
}

// leaf writes an element of name holding only text, with attrs.
func (x *xmlWriter) leaf(name, text string, attrs ...string) {
	x.open(name, attrs...)
	x.escape(text)
	x.close(name)
}

// link writes an Atom link element; its href is written even when empty.
func (x *xmlWriter) link(l atomLink) {
	x.begin("link")
	x.attrs("rel", l.Rel, "type", l.Type)
	x.attr("href", l.Href)
	x.attrs("title", l.Title)
	x.end()
	x.close("link")
}

// escape appends s escaped as encoding/xml escapes text and attribute
// values: the five markup characters, tab, newline and carriage return as
// references, and a character XML cannot hold (or a byte that is not
// UTF-8) as U+FFFD.
func (x *xmlWriter) escape(s string) {
	last := 0
	for i := 0; i < len(s); {
		if plainASCII[s[i]] {
			i++ // the common case
			continue
		}
		r, width := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !xmlChar(r) || r == utf8.RuneError && width == 1 {
				esc = "\uFFFD"
				break
			}
			i += width
			continue
		}
		x.b = append(x.b, s[last:i]...)
		x.b = append(x.b, esc...)
		i += width
		last = i
	}
	x.b = append(x.b, s[last:]...)
}

// plainASCII marks the bytes escape copies as they are without decoding:
// printable ASCII but for the markup characters.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = !strings.ContainsRune(`"'&<>`, rune(c))
	}
	return t
}()

// xmlChar reports whether XML 1.0 can hold r (its Char production).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
