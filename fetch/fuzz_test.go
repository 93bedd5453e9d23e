package fetch

import (
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"pressfeed"
)

// fuzzSeeds are documents that steer the fuzzer towards each branch of
// decoding: marks, prologs, headers, JSON, HTML, late roots.
var fuzzSeeds = []struct{ body, contentType string }{
	{"\xEF\xBB\xBF<rss version=\"2.0\"><channel><item><title>Caf\xc3\xa9</title></item></channel></rss>", "application/rss+xml"},
	{"\xFF\xFE<\x00r\x00s\x00s\x00>\x00<\x00/\x00r\x00s\x00s\x00>\x00", ""},
	{"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item><title>Caf\xe9</title><guid>1</guid></item></channel></rss>", "text/xml; charset=utf-8"},
	{"<rss><channel><item><title>\xcf\xf0\xe8</title></item></channel></rss>", "text/xml;charset = windows-1251"},
	{"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><rss><channel><item><title>&x;</title></item></channel></rss>", ""},
	{"<!-- " + strings.Repeat("x", 5000) + " --><feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>1</id><title>t</title><link href=\"/a\"/></entry></feed>", ""},
	{"\xEF\xBB\xBF{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[{\"id\":\"1\",\"content_html\":\"<script>x</script><a href='javascript:alert(1)'>a</a>\"}]}", "application/feed+json"},
	{"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>", "text/html"},
	{"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><item><title>r</title><link>x</link></item><item/><item/></rdf:RDF>", ""},
	{"", ""},
}

// FuzzDecodeParseNormalize runs any body and Content-Type through the whole
// path a fetched feed takes: decode, cap, parse, cap, normalize, sanitize.
// It must never panic; a rejection is an *Error of category not_a_feed or
// parse with a sentence; an accepted feed yields capped, valid UTF-8 items
// with identities and no script.
func FuzzDecodeParseNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s.body), s.contentType)
	}
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json", "noguid.rss", "challenge.html"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b, "")
		}
	}
	lim := Limits{MaxItems: 20, MaxTitle: 200, MaxSummary: 2000, MaxContent: 4000, MaxURL: 300, MaxGUID: 200, MaxNames: 3}
	p := NewPoller(nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: lim})
	base, _ := url.Parse("https://force.example/news/feed")
	script := regexp.MustCompile(`(?i)<script|\son\w+\s*=|(href|src)\s*=\s*"\s*javascript:`)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		if dec, err := decodeFeed(body, contentType); err == nil && !utf8.Valid(dec.Doc) {
			t.Fatalf("decoded document is not UTF-8: %q", dec.Doc)
		}
		feed, _, err := readFeed(body, contentType, p.opts.Limits)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || (fe.Category != pressfeed.CatNotAFeed && fe.Category != pressfeed.CatParse) || strings.TrimSpace(fe.Error()) == "" {
				t.Fatalf("rejection %v is not a not_a_feed or parse *Error with a sentence", err)
			}
			return
		}
		capFeed(feed, p.opts.Limits)
		items := p.normalizeFeed(feed, base)
		if len(items) > lim.MaxItems {
			t.Fatalf("%d items, over the cap of %d", len(items), lim.MaxItems)
		}
		for _, it := range items {
			if it.GUID == "" || it.Title == "" {
				t.Fatalf("item without identity or title: %+v", it)
			}
			if len(it.Title) > lim.MaxTitle {
				t.Fatalf("title of %d bytes, over the cap", len(it.Title))
			}
			for field, s := range map[string]string{"title": it.Title, "summary": it.Summary, "content": it.Content, "link": it.Link, "guid": it.GUID} {
				if !utf8.ValidString(s) {
					t.Fatalf("%s is not valid UTF-8: %q", field, s)
				}
			}
			if script.MatchString(it.Summary + it.Content) {
				t.Fatalf("script survived sanitizing: %q", it.Summary+it.Content)
			}
		}
	})
}

// FuzzURLHandling feeds arbitrary base and reference URLs through what
// fetch does with URLs: resolving links, absolutizing and sanitizing
// fragments, canonicalizing for identity. Nothing may panic; canonical URLs
// are stable under a second canonicalization; no javascript: link survives.
func FuzzURLHandling(f *testing.F) {
	for _, s := range [][2]string{
		{"https://force.example/news/feed", "../img/a.png"},
		{"https://force.example/news/", "//other.example/x?utm_source=rss&id=7#top"},
		{"http://WWW.Force.Example:80/a/b/", "javascript:alert(1)"},
		{"https://[::1]:8443/", "?q=%zz"},
		{"https://force.example/", "https://force.example/news/story?id=7&utm_medium=feed"},
		{"https://xn--caf-dma.example/", " http://a b.example/ "},
	} {
		f.Add(s[0], s[1])
	}
	p := NewPoller(nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	jsLink := regexp.MustCompile(`(?i)(href|src)\s*=\s*"\s*javascript:`)
	f.Fuzz(func(t *testing.T, rawBase, ref string) {
		base, err := url.Parse(rawBase)
		if err != nil {
			base = nil
		}
		abs := resolve(base, ref)
		canon := pressfeed.CanonicalURL(abs)
		if again := pressfeed.CanonicalURL(canon); again != canon {
			t.Fatalf("CanonicalURL is not stable: %q → %q → %q", abs, canon, again)
		}
		html := p.sanitizeHTML(`<a href="`+ref+`">x</a><img src="`+ref+`">`, base)
		if jsLink.MatchString(html) {
			t.Fatalf("a javascript: link survived: %q", html)
		}
		_ = pressfeed.CheckURL(abs)
	})
}
