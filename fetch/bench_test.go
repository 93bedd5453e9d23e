package fetch

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

// benchFeed is a police-style RSS feed of 30 items, about 40 KB.
func benchFeed() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel><title>News</title><link>https://force.example/news</link><description>News</description>\n")
	for i := range 30 {
		fmt.Fprintf(&b, "<item><title>Appeal for witnesses after incident %d</title><link>https://force.example/news/%d</link><guid isPermaLink=\"false\">news-%d</guid>"+
			"<pubDate>Mon, 23 Nov 2026 10:%02d:00 +0000</pubDate><description>&lt;p&gt;%s&lt;/p&gt;</description></item>\n",
			i, i, i, i%60, strings.Repeat("Officers are appealing for information. ", 30))
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}

// BenchmarkUnchangedBody is what a poll of an unchanged body costs after
// the download: hashing it.
func BenchmarkUnchangedBody(b *testing.B) {
	body := benchFeed()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		_ = bodyHash(body)
	}
}

// BenchmarkParseBody is what the hash saves: decoding, parsing, capping,
// normalizing and sanitizing the same body.
func BenchmarkParseBody(b *testing.B) {
	body := benchFeed()
	p := NewPoller(nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	base, _ := url.Parse("https://force.example/news/feed")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		feed, _, err := readFeed(body, "application/rss+xml", p.opts.Limits)
		if err != nil {
			b.Fatal(err)
		}
		capFeed(feed, p.opts.Limits)
		if items := p.normalizeFeed(feed, base); len(items) != 30 {
			b.Fatalf("%d items", len(items))
		}
	}
}

// BenchmarkDecode is the decoding step alone, on a feed that needs none and
// on one that must be converted from windows-1252.
func BenchmarkDecode(b *testing.B) {
	utf8Body := benchFeed()
	latin1 := []byte(strings.Replace(strings.Replace(string(utf8Body), `encoding="UTF-8"`, `encoding="windows-1252"`, 1), "witnesses", "t\xe9moins", -1))
	for _, bc := range []struct {
		name string
		body []byte
	}{{"utf-8", utf8Body}, {"windows-1252", latin1}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			for b.Loop() {
				if _, err := decodeFeed(bc.body, "application/rss+xml"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
