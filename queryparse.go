package pressfeed

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// queryParams are the parameters a feed or page URL may carry. Anything
// else is refused, so a typo ("sorce=") is a 400, not a silent full feed.
var queryParams = map[string]bool{
	"source": true, "kind": true, "area": true, "q": true, "since": true,
	"limit": true, "cursor": true, "dedup": true,
}

// ParseQuery reads the filter parameters of a feed or page URL (source,
// kind, area, q, since, limit, cursor, dedup). Its errors are sentences
// naming the parameter; the web server answers them with 400.
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	if len(v) == 0 {
		return q.Normalize(), nil
	}
	var unknown []string
	for k := range v {
		if !queryParams[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return q, fmt.Errorf("unknown parameter %q (known: area, cursor, dedup, kind, limit, q, since, source)", unknown[0])
	}
	for _, k := range []string{"q", "since", "limit", "cursor", "dedup"} {
		if len(v[k]) > 1 {
			return q, fmt.Errorf("%s is given %d times; give it once (only source, kind and area repeat)", k, len(v[k]))
		}
	}
	for _, s := range splitValues(v["source"]) {
		if !validSlug(s) {
			return q, fmt.Errorf("source %q is not a source id", s)
		}
		q.Sources = append(q.Sources, s)
	}
	for _, k := range splitValues(v["kind"]) {
		if !Kind(k).Valid() {
			return q, fmt.Errorf("kind %q is not one of force, pcc, rocu, other", k)
		}
		q.Kinds = append(q.Kinds, Kind(k))
	}
	q.Areas = splitValues(v["area"])
	q.Text = strings.TrimSpace(v.Get("q"))
	if len(q.Text) > 200 {
		return q, fmt.Errorf("q is longer than 200 characters")
	}
	if s := v.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return q, fmt.Errorf("since %q is not an RFC 3339 time such as 2025-05-08T09:00:00Z", s)
		}
		q.Since = t
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		var numErr *strconv.NumError
		switch {
		case errors.As(err, &numErr) && numErr.Err == strconv.ErrRange && s[0] != '-':
			n = MaxLimit // too large to hold, so too large to serve: clamp
		case err != nil || n < 1:
			return q, fmt.Errorf("limit %q is not a positive whole number", s)
		}
		q.Limit = n // Normalize clamps to MaxLimit
	}
	q.Cursor = v.Get("cursor")
	switch d := v.Get("dedup"); d {
	case "", "story":
	case "none":
		q.Ungrouped = true
	default:
		return q, fmt.Errorf("dedup %q is not one of story, none", d)
	}
	return q.Normalize(), nil
}

// splitValues accepts both repeated parameters and comma-separated lists.
func splitValues(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func validSlug(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
