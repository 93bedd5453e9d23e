// Package sourcelist reads and writes lists of sources: the [[source]]
// tables of a settings file or import file (TOML), and OPML, the outline
// format feed readers import and export. Both carry every field, so an export
// imports back unchanged. It knows the files' shapes only; what makes a
// source valid beyond its own fields (selectors, rules, schedules) is the
// Check its caller passes.
package sourcelist

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/unicode/norm"

	"pressfeed"
)

// Check validates one source read from a list and returns a
// pressfeed.ValidationError naming each bad field, or nil. A nil Check
// is Source.Validate, the domain's own rules.
type Check func(pressfeed.Source) error

// Error lists every problem found in one source list or settings file. Each
// problem names the source (or key) it is about.
type Error struct {
	File     string
	Problems []string
}

func (e *Error) Error() string {
	name := e.File
	if name == "" {
		name = "settings"
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = name + ": " + p
	}
	return strings.Join(lines, "\n")
}

// Parse reads a list of sources from an import file, TOML or OPML
// (recognised by its first character), and validates every source with
// check. name is used in messages. It returns an *Error listing every
// problem, each naming the source it is about; nothing is returned
// half-read.
func Parse(name string, data []byte, check Check) ([]pressfeed.Source, error) {
	if check == nil {
		check = pressfeed.Source.Validate
	}
	if bytes.HasPrefix(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), []byte("<")) {
		return parseOPML(name, data, check)
	}
	return parseTOML(name, data, check)
}

// ParseError turns the TOML decoder's error into an *Error naming the line.
func ParseError(name string, err error) *Error {
	var perr toml.ParseError
	if errors.As(err, &perr) {
		return &Error{File: name, Problems: []string{fmt.Sprintf("line %d: %s", perr.Position.Line, perr.Message)}}
	}
	return &Error{File: name, Problems: []string{err.Error()}}
}

func parseTOML(name string, data []byte, check Check) ([]pressfeed.Source, error) {
	var doc struct {
		Source []toml.Primitive `toml:"source"`
	}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
	if err != nil {
		return nil, ParseError(name, err)
	}
	sources, problems := Decode(md, doc.Source, check)
	for _, k := range md.Undecoded() {
		if len(k) > 0 && k[0] != "source" {
			problems = append(problems, fmt.Sprintf("unknown key %q (a source list holds [[source]] tables only)", k.String()))
		}
	}
	if len(sources) == 0 && len(problems) == 0 {
		problems = append(problems, "no [[source]] tables")
	}
	if len(problems) > 0 {
		return nil, &Error{File: name, Problems: problems}
	}
	return sources, nil
}

// Slug makes a source id from a name: lower-case ASCII letters and digits
// joined by single hyphens, at most 64 characters. Accents are dropped, so
// "Ynys Môn" becomes "ynys-mon"; other letters outside ASCII separate words.
func Slug(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent: the letter before it stays
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= 64 {
			break
		}
	}
	return strings.Trim(b.String()[:min(b.Len(), 64)], "-")
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
