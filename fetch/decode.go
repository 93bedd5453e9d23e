package fetch

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"pressfeed"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// docFormat is the syntax a decoded document is in.
type docFormat int

const (
	formatXML docFormat = iota + 1
	formatJSON
)

// decoded is a response body turned into UTF-8, ready for gofeed.
type decoded struct {
	Doc      []byte
	Format   docFormat
	Charset  string   // the encoding the bytes were read as
	Root     string   // the XML root element's local name, lower case
	Warnings []string // repairs a person may want to know about
}

// decodeFeed turns a feed body into UTF-8 that gofeed parses exactly once.
//
// The encoding is decided once, here, and the document handed on says
// UTF-8, so nothing downstream decodes it a second time ("CafÃ©"). In
// order: a byte order mark (UTF-8, UTF-16, UTF-32); UTF-16 or UTF-32 without
// one, seen from the first bytes; the XML prolog's encoding; the HTTP
// charset, which applies only when the prolog declares none (servers label
// everything "utf-8" more often than feeds lie in their prologs); else
// UTF-8. Two lies are caught: a prolog naming a legacy charset over bytes
// that are valid UTF-8 (read as UTF-8), and UTF-8 that is not (read as
// windows-1252 when no valid multi-byte sequence exists at all, otherwise
// the bad bytes become U+FFFD). Each repair is a warning.
//
// An XML document is cut to start at its root element, under a fresh UTF-8
// prolog: gofeed only looks for the root in the first 4 KB, and whatever
// precedes the root (comments, a DOCTYPE and its entity declarations) is of
// no use to a feed reader. An HTML page is refused here, before parsing, as
// "got an HTML page, not a feed". Errors are *Error values of category
// not_a_feed.
func decodeFeed(body []byte, contentType string) (decoded, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return decoded{}, failure(pressfeed.CatNotAFeed, nil, "the response is empty, not a feed")
	}
	doc, name, warnings := toUTF8(body, headerCharset(contentType))
	doc, warnings = demoronize(doc, warnings)
	out := decoded{Charset: name, Warnings: warnings}
	trimmed := bytes.TrimLeft(doc, " \t\r\n")
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		out.Format, out.Doc = formatJSON, trimmed
		return out, nil
	case len(trimmed) > 0 && trimmed[0] == '<':
		root, off, err := findRoot(doc)
		switch {
		case root == "html" || (err != nil || !isFeedRoot(root)) && (isHTMLType(contentType) || startsLikeHTML(trimmed)):
			return decoded{}, htmlPageError(contentType, doc)
		case err != nil:
			return decoded{}, failure(pressfeed.CatNotAFeed, err, "not a feed: no root element could be read (%v)", err)
		case !isFeedRoot(root):
			return decoded{}, failure(pressfeed.CatNotAFeed, nil, "not an RSS, Atom or JSON feed: the document is a <%s>", root)
		}
		out.Format, out.Root = formatXML, root
		out.Doc = append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), doc[off:]...)
		return out, nil
	case isHTMLType(contentType):
		return decoded{}, htmlPageError(contentType, doc)
	}
	start := trimmed
	if len(start) > 20 {
		start = start[:20]
	}
	return decoded{}, failure(pressfeed.CatNotAFeed, nil, "not a feed: the response is neither XML nor JSON (it starts %q)", start)
}

func isFeedRoot(name string) bool { return name == "rss" || name == "rdf" || name == "feed" }

// findRoot returns the lower-cased local name of the first element of an
// XML document and the byte offset where its start tag begins.
func findRoot(doc []byte) (string, int, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	// The bytes are UTF-8 already, whatever the prolog still says.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("the document has no elements")
			}
			return "", 0, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return strings.ToLower(se.Name.Local), int(off), nil
		}
	}
}

// headerCharset returns the charset parameter of a Content-Type, read
// leniently ("text/xml;charset = us-ascii" is seen in the wild).
func headerCharset(contentType string) string {
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		return params["charset"]
	}
	if m := headerCharsetRE.FindStringSubmatch(contentType); m != nil {
		return m[1]
	}
	return ""
}

var headerCharsetRE = regexp.MustCompile(`(?i)charset\s*=\s*["']?([A-Za-z0-9._:-]+)`)

// prologRE finds an XML declaration's encoding in the first bytes, allowing
// a comment or white space before it (ill-formed, but seen).
var prologRE = regexp.MustCompile(`<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']`)

// prologEncoding returns the encoding named in the XML declaration, if any.
func prologEncoding(body []byte) string {
	head := body
	if len(head) > 1024 {
		head = head[:1024]
	}
	if m := prologRE.FindSubmatch(head); m != nil {
		return strings.TrimSpace(string(m[1]))
	}
	return ""
}

// sniffUnicode recognises a byte order mark, or UTF-16 and UTF-32 without
// one from a leading '<' or '{'. It returns the encoding, its name and the
// length of the mark.
func sniffUnicode(b []byte) (encoding.Encoding, string, int) {
	has := func(p ...byte) bool { return bytes.HasPrefix(b, p) }
	switch {
	case has(0xEF, 0xBB, 0xBF):
		return unicode.UTF8, "utf-8", 3
	case has(0x00, 0x00, 0xFE, 0xFF):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", 4
	case has(0xFF, 0xFE, 0x00, 0x00):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", 4
	case has(0xFE, 0xFF):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 2
	case has(0xFF, 0xFE):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 2
	case has(0x00, 0x00, 0x00, '<'), has(0x00, 0x00, 0x00, '{'):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", 0
	case has('<', 0x00, 0x00, 0x00), has('{', 0x00, 0x00, 0x00):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", 0
	case has(0x00, '<'), has(0x00, '{'):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 0
	case has('<', 0x00), has('{', 0x00):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 0
	}
	return nil, "", 0
}

// toUTF8 decides body's encoding as decodeFeed describes and returns the
// body in UTF-8, the encoding's name and any repairs made.
func toUTF8(body []byte, httpLabel string) ([]byte, string, []string) {
	if enc, name, skip := sniffUnicode(body); enc != nil {
		if name == "utf-8" {
			return validUTF8(body[skip:], "utf-8 (byte order mark)")
		}
		out, err := enc.NewDecoder().Bytes(body[skip:])
		if err != nil {
			return validUTF8(body[skip:], name)
		}
		return out, name, nil
	}
	var warnings []string
	label, from := prologEncoding(body), "the XML prolog"
	if label != "" && !knownCharset(label) {
		warnings = append(warnings, fmt.Sprintf("the XML prolog names an unknown encoding %q; ignored", label))
		label = ""
	}
	if label == "" {
		label, from = httpLabel, "the Content-Type header"
		if label != "" && !knownCharset(label) {
			warnings = append(warnings, fmt.Sprintf("the Content-Type header names an unknown charset %q; ignored", label))
			label = ""
		}
	}
	if label == "" {
		out, name, w := validUTF8(body, "utf-8")
		return out, name, append(warnings, w...)
	}
	enc, name := charset.Lookup(label)
	switch {
	case name == "utf-8":
		out, name, w := validUTF8(body, "utf-8")
		return out, name, append(warnings, w...)
	case strings.HasPrefix(name, "utf-16") || strings.HasPrefix(name, "utf-32"):
		// A UTF-16 document starts with a mark or a zero byte, caught above:
		// these bytes are 8-bit whatever the label says.
		out, name, w := validUTF8(body, "utf-8")
		warnings = append(warnings, fmt.Sprintf("%s says %s but the bytes are 8-bit; read as %s", from, label, name))
		return out, name, append(warnings, w...)
	case utf8.Valid(body) && !isASCII(body):
		return body, "utf-8", append(warnings, fmt.Sprintf("%s says %s but the bytes are valid UTF-8; read as UTF-8", from, label))
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		warnings = append(warnings, fmt.Sprintf("the bytes are not valid %s (%v); read as UTF-8", label, err))
		out, name, w := validUTF8(body, "utf-8")
		return out, name, append(warnings, w...)
	}
	return out, name, warnings
}

// validUTF8 returns b if it is valid UTF-8. If not, a document with no
// valid multi-byte sequence at all is legacy 8-bit text and is read as
// windows-1252 (what browsers assume); otherwise it is UTF-8 with stray
// bytes, each replaced by U+FFFD.
func validUTF8(b []byte, name string) ([]byte, string, []string) {
	if utf8.Valid(b) {
		return b, name, nil
	}
	bad, multi := 0, 0
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			bad++
		case size > 1:
			multi++
		}
		i += size
	}
	if multi == 0 {
		out, _ := charmap.Windows1252.NewDecoder().Bytes(b)
		return out, "windows-1252", []string{fmt.Sprintf("the document is not valid %s (%d stray bytes, no UTF-8 sequences); read as windows-1252", name, bad)}
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD")), name, []string{fmt.Sprintf("%d bytes that are not valid UTF-8 replaced with U+FFFD", bad)}
}

// demoronize replaces C1 control characters (U+0080–U+009F), which no text
// means, with the windows-1252 characters they stand for: a feed converted
// from windows-1252 as if it were latin-1 writes its curly quotes, dashes and
// euro signs this way ("don\u0092t" for "don’t").
func demoronize(doc []byte, warnings []string) ([]byte, []string) {
	if !bytes.Contains(doc, []byte{0xC2}) {
		return doc, warnings
	}
	n := 0
	out := make([]byte, 0, len(doc))
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		if r >= 0x80 && r <= 0x9F {
			if w := charmap.Windows1252.DecodeByte(byte(r)); w != utf8.RuneError && w != r {
				out = utf8.AppendRune(out, w)
				n++
				i += size
				continue
			}
		}
		out = append(out, doc[i:i+size]...)
		i += size
	}
	if n == 0 {
		return doc, warnings
	}
	return out, append(warnings, fmt.Sprintf("%d windows-1252 characters written as C1 controls repaired", n))
}

func knownCharset(label string) bool {
	enc, _ := charset.Lookup(label)
	return enc != nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// startsLikeHTML reports whether a document opens as an HTML page does.
func startsLikeHTML(doc []byte) bool {
	head := doc
	if len(head) > 512 {
		head = head[:512]
	}
	head = bytes.ToLower(head)
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// isHTMLType reports whether a Content-Type names an HTML page.
func isHTMLType(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// htmlPageError is the not_a_feed error for an HTML page, quoting its
// title, which for a bot challenge or an error page usually says which.
func htmlPageError(contentType string, doc []byte) error {
	detail := fmt.Sprintf("Content-Type %q", contentType)
	if title := htmlTitle(doc); title != "" {
		detail += fmt.Sprintf(", titled %q", title)
	}
	return failure(pressfeed.CatNotAFeed, nil, "got an HTML page, not a feed (%s)", detail)
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// htmlTitle returns the text of an HTML page's <title>, shortened.
func htmlTitle(doc []byte) string {
	if len(doc) > 64<<10 {
		doc = doc[:64<<10]
	}
	m := titleRE.FindSubmatch(doc)
	if m == nil {
		return ""
	}
	title := plainText(strings.ToValidUTF8(string(m[1]), "\uFFFD"))
	if r := []rune(title); len(r) > 100 {
		title = string(r[:100]) + "…"
	}
	return title
}
