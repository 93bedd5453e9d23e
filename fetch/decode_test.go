package fetch

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

func encodeWith(t *testing.T, enc interface{ Bytes([]byte) ([]byte, error) }, s string) []byte {
	t.Helper()
	b, err := enc.Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeFeed(t *testing.T) {
	rss := func(prolog, title string) string {
		return prolog + `<rss version="2.0"><channel><title>Feed</title><item><title>` + title + `</title><guid>1</guid></item></channel></rss>`
	}
	utf16BE := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder()
	utf32LE := utf32.UTF32(utf32.LittleEndian, utf32.UseBOM).NewEncoder()
	for _, tc := range []struct {
		name, body, contentType string
		title, charset, warning string // want; warning "" means none
	}{
		{"plain utf-8", rss(`<?xml version="1.0" encoding="utf-8"?>`, "Café"), "application/rss+xml", "Café", "utf-8", ""},
		{"prolog latin-1", rss(`<?xml version="1.0" encoding="ISO-8859-1"?>`, "Caf\xe9"), "", "Café", "windows-1252", ""},
		{"prolog wins over the header", rss(`<?xml version="1.0" encoding="ISO-8859-1"?>`, "Caf\xe9"), "text/xml; charset=utf-8", "Café", "windows-1252", ""},
		{"header only", rss(`<?xml version="1.0"?>`, "\xcf\xf0\xe8\xe2\xe5\xf2"), "text/xml; charset=windows-1251", "Привет", "windows-1251", ""},
		{"header with spaces", rss(``, "\xcf\xf0\xe8\xe2\xe5\xf2"), "text/xml;charset = windows-1251", "Привет", "windows-1251", ""},
		{"koi8-r prolog", rss(`<?xml version="1.0" encoding="KOI8-R"?>`, "\xf0\xd2\xc9\xd7\xc5\xd4"), "", "Привет", "koi8-r", ""},
		{"prolog lies: says latin-1, is utf-8", rss(`<?xml version="1.0" encoding="ISO-8859-1"?>`, "Café"), "", "Café", "utf-8", "says ISO-8859-1 but the bytes are valid UTF-8"},
		{"unknown prolog encoding", rss(`<?xml version="1.0" encoding="x-fake"?>`, "Café"), "", "Café", "utf-8", `unknown encoding "x-fake"`},
		{"utf-16 declared on 8-bit bytes", rss(`<?xml version="1.0" encoding="UTF-16"?>`, "Café"), "", "Café", "utf-8", "says UTF-16 but the bytes are 8-bit"},
		{"undeclared windows-1252", rss(``, "don\x92t"), "", "don’t", "windows-1252", "read as windows-1252"},
		{"windows-1252 as C1 controls", rss(``, "don\u0092t \u0080 5"), "", "don’t € 5", "utf-8", "2 windows-1252 characters written as C1 controls repaired"},
		{"stray byte in utf-8", rss(``, "Café \xff menu"), "", "Café \uFFFD menu", "utf-8", "1 bytes that are not valid UTF-8 replaced"},
		{"utf-8 bom", "\xEF\xBB\xBF" + rss(`<?xml version="1.0" encoding="utf-8"?>`, "Café"), "", "Café", "utf-8 (byte order mark)", ""},
		{"utf-16be without bom", string(encodeWith(t, utf16BE, rss(`<?xml version="1.0" encoding="UTF-16"?>`, "Café"))), "", "Café", "utf-16be", ""},
		{"utf-32le bom", string(encodeWith(t, utf32LE, rss(`<?xml version="1.0" encoding="UTF-32"?>`, "Café"))), "", "Café", "utf-32le", ""},
		{"late root", rss(`<?xml version="1.0"?><!--`+strings.Repeat("x", 8000)+`-->`, "Late"), "", "Late", "utf-8", ""},
		{"comment before the declaration", rss(`<!-- generator --><?xml version="1.0" encoding="ISO-8859-1"?>`, "Caf\xe9"), "", "Café", "windows-1252", ""},
		{"feed served as text/html", rss(`<?xml version="1.0"?>`, "Mislabelled"), "text/html", "Mislabelled", "utf-8", ""},
		{"json feed with bom", "\xEF\xBB\xBF" + `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","title":"Café"}]}`, "application/feed+json", "Café", "utf-8 (byte order mark)", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := decodeFeed([]byte(tc.body), tc.contentType)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if dec.Charset != tc.charset {
				t.Errorf("read as %q, want %q", dec.Charset, tc.charset)
			}
			warnings := strings.Join(dec.Warnings, "; ")
			if tc.warning == "" && warnings != "" || !strings.Contains(warnings, tc.warning) {
				t.Errorf("warnings %q, want %q", warnings, tc.warning)
			}
			feed, _, err := readFeed([]byte(tc.body), tc.contentType, Limits{}.withDefaults())
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := feed.Items[0].Title; got != tc.title {
				t.Errorf("title %q, want %q", got, tc.title)
			}
		})
	}
}

func TestDecodeRefusesWhatIsNotAFeed(t *testing.T) {
	for _, tc := range []struct {
		name, body, contentType, want string
	}{
		{"empty", "  \n", "application/rss+xml", "the response is empty, not a feed"},
		{"html page", "<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head><body></body></html>", "text/html", `got an HTML page, not a feed (Content-Type "text/html", titled "Just a moment...")`},
		{"html page labelled xml", "<html><head><title>Error 404</title></head></html>", "application/xml", `got an HTML page, not a feed (Content-Type "application/xml", titled "Error 404")`},
		{"unparseable html", "<!doctype html><p>unclosed <b>tags &", "text/html; charset=utf-8", "got an HTML page, not a feed"},
		{"other xml", `<?xml version="1.0"?><note><to>Tove</to></note>`, "application/xml", "not an RSS, Atom or JSON feed: the document is a <note>"},
		{"plain text", "Service temporarily unavailable", "text/plain", `neither XML nor JSON (it starts "Service temporarily ")`},
		{"json that is not a feed", `{"error": "rate limited"}`, "application/json", `a JSON document, but not a JSON Feed`},
		{"broken json feed", `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1"`, "application/feed+json", "the JSON feed is broken"},
		{"truncated xml", `<?xml version="1.0"?><rss version="2.0"><channel><item><title>Cut`, "application/rss+xml", "the feed is broken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readFeed([]byte(tc.body), tc.contentType, Limits{}.withDefaults())
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want %q", err, tc.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
		html     bool
		want     string
	}{
		{"short text kept", "short", 10, false, "short"},
		{"text on a rune boundary", "ééééé", 8, false, "éé…"},
		{"html before an open tag", "<p>one two</p><p class=\"x\">three", 24, true, "<p>one two</p>…"},
		{"html before an open entity", "<p>fish &amp; chips &amp;", 24, true, "<p>fish &amp; chips …"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cut := truncateText
			if tc.html {
				cut = truncateHTML
			}
			got, did := cut(tc.in, tc.max)
			if got != tc.want || did != (tc.in != tc.want) {
				t.Errorf("got %q (%v), want %q", got, did, tc.want)
			}
			if len(got) > tc.max {
				t.Errorf("%d bytes, over the %d cap", len(got), tc.max)
			}
		})
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"120", 2 * time.Minute},
		{" 7 ", 7 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"", 0},
		{"Thu, 26 Nov 2026 10:30:00 GMT", 90 * time.Minute},
		{"Thu, 26 Nov 2026 08:00:00 GMT", 0},
		{"99999999999999999999", 0},
		{"9999999999", 365 * 24 * time.Hour},
	} {
		if got := retryAfter(tc.in, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestAddrClass(t *testing.T) {
	for _, tc := range []struct{ ip, want string }{
		{"127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"192.168.1.1", "private"},
		{"100.64.0.1", "carrier-grade NAT (CGNAT)"},
		{"169.254.169.254", "link-local"},
		{"224.0.0.1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"255.255.255.255", "reserved"},
		{"::1", "loopback"},
		{"fe80::1", "link-local"},
		{"fc00::1", "private"},
		{"ff02::1", "multicast"},
		{"::", "unspecified"},
		{"::ffff:10.0.0.1", "private"},
		{"8.8.8.8", ""},
		{"2a00:1450:4009:81f::200e", ""},
	} {
		if got := addrClass(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("addrClass(%s) = %q, want %q", tc.ip, got, tc.want)
		}
	}
}
