package pressfeed

import (
	"net/url"
	"sort"
	"strings"
)

// trackingParams are query parameters that say who shared a link, not what
// it points at. Prefixes end in "_".
var trackingParams = []string{
	"utm_", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl",
	"yclid", "igshid", "twclid", "li_fat_id", "ref_src", "s_cid", "wt.mc_id", "cmpid",
}

func isTracking(name string) bool {
	name = strings.ToLower(name)
	for _, p := range trackingParams {
		if strings.HasSuffix(p, "_") && strings.HasPrefix(name, p) || name == p {
			return true
		}
	}
	return false
}

// CanonicalURL returns the form of raw used to recognise the same page under
// different spellings: scheme https (a site moving from http must not look
// like new pages), lower-case host, no "www.", no default port, no
// fragment, no tracking parameters, remaining parameters sorted, percent
// escapes in upper case with unreserved characters unescaped (RFC 3986
// 6.2.2), and no trailing slash except on the root path. It returns raw
// unchanged when it is not an absolute http(s) URL.
//
// Two things depend on it. Items from different sources with the same
// canonical URL are one story. And an item whose feed gives no guid is
// identified by its canonical link, so any change here re-keys such items
// (new keys, new entry ids, the old copies left behind): the escape
// normalization was added before any store was deployed; later changes need
// a migration.
func CanonicalURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return raw
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return raw
	}
	defaultPort := map[string]string{"http": "80", "https": "443"}[scheme]
	host := strings.ToLower(u.Hostname())
	host = strings.TrimPrefix(host, "www.")
	host = strings.TrimRight(host, ".") // the root's dot: "example.org." is "example.org"
	if host == "" {
		return raw // nothing but dots: no host to canonicalize
	}
	port := u.Port()
	if port == defaultPort {
		port = ""
	}
	if port != "" {
		host += ":" + port
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	path := normalizeEscapes(u.EscapedPath())
	for strings.Contains(path, "//") {
		path = strings.ReplaceAll(path, "//", "/")
	}
	path = strings.TrimRight(path, "/")
	if path == "" {
		path = "/"
	}
	var kept []string
	if u.RawQuery != "" {
		for _, part := range strings.Split(u.RawQuery, "&") {
			// Blanks around a part would be trimmed off the whole URL
			// when it is canonicalized again: "?a &" is "?a".
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			name, _, _ := strings.Cut(part, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			if !isTracking(name) {
				kept = append(kept, part)
			}
		}
		sort.Strings(kept)
	}
	out := "https://" + host + path
	if len(kept) > 0 {
		out += "?" + strings.Join(kept, "&")
	}
	return out
}

// normalizeEscapes upper-cases the hex digits of percent escapes and
// unescapes the ones that stand for unreserved characters, so "%7e", "%7E"
// and "~" agree. Reserved characters such as "%2F" stay escaped: unescaped
// they would mean something else.
func normalizeEscapes(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			c := unhex(p[i+1])<<4 | unhex(p[i+2])
			if isUnreserved(c) {
				b.WriteByte(c)
			} else {
				b.WriteByte('%')
				b.WriteString(strings.ToUpper(p[i+1 : i+3]))
			}
			i += 2
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
