package web

import (
	"slices"
	"sort"
	"strings"

	"pressfeed"
	"pressfeed/syndicate"
)

// resolveQuery checks q's source and area filters against the store's
// sources: an unknown source id or area is a 400 naming it (a typo must not
// look like a quiet feed), and an area matches whatever its case, taking the
// spelling the sources use.
func resolveQuery(q pressfeed.Query, sources []pressfeed.Source) (pressfeed.Query, error) {
	ids := make(map[string]bool, len(sources))
	areas := make(map[string]string)
	for _, src := range sources {
		ids[src.ID] = true
		if src.Area != "" {
			areas[strings.ToLower(src.Area)] = src.Area
		}
	}
	for _, id := range q.Sources {
		if !ids[id] {
			return q, badRequest("source %q is not one of this server's sources (see /sources.json)", id)
		}
	}
	if len(q.Areas) == 0 {
		return q, nil
	}
	resolved := make([]string, 0, len(q.Areas))
	for _, a := range q.Areas {
		canon, ok := areas[strings.ToLower(a)]
		if !ok {
			known := make([]string, 0, len(areas))
			for _, v := range areas {
				known = append(known, v)
			}
			sort.Strings(known)
			return q, badRequest("area %q is not the area of any source (areas: %s)", a, strings.Join(known, ", "))
		}
		resolved = append(resolved, canon)
	}
	q.Areas = resolved
	return q.Normalize(), nil
}

// covers reports whether src's items can appear in q's view.
func covers(q pressfeed.Query, src pressfeed.Source) bool {
	return within(q.Sources, src.ID) && within(q.Areas, src.Area) && within(q.Kinds, src.Kind)
}

// within reports whether v is in list, an empty list holding everything.
func within[T comparable](list []T, v T) bool {
	return len(list) == 0 || slices.Contains(list, v)
}

// originOf names a source for the JSON Feed extension.
func originOf(src pressfeed.Source) syndicate.Origin {
	return syndicate.Origin{ID: src.ID, Title: src.Name, FeedURL: src.URL, Kind: string(src.Kind), Area: src.Area}
}
