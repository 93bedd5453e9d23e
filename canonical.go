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
// like new pages), lower-case host, no "www.", no default
// port, no fragment, no tracking parameters, remaining parameters sorted, and
// no trailing slash except on the root path. It returns raw unchanged when it
// is not an absolute http(s) URL. Item identity depends on it, so a change
// here re-keys link-identified items: change it only with a migration.
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
	host = strings.TrimSuffix(host, ".")
	port := u.Port()
	if port == defaultPort {
		port = ""
	}
	if port != "" {
		host += ":" + port
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	path := u.EscapedPath()
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
			if part == "" {
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
