package web

import (
	"context"

	"pressfeed"
)

// Topics returns the URLs a WebSub publisher announces to hubs: the merged
// feed, unfiltered, in each format, at the configured BaseURL. Only these
// carry <link rel="hub">: advertising a hub on a filtered view that no hub
// is ever told about would leave its subscribers waiting for pings that
// never come. It returns nil without hubs or a BaseURL.
func (s *Server) Topics() []string {
	if len(s.opts.Hubs) == 0 || s.opts.BaseURL == "" {
		return nil
	}
	return []string{s.opts.BaseURL + formatAtom.path, s.opts.BaseURL + formatRSS.path, s.opts.BaseURL + formatJSON.path}
}

// isTopic reports whether the view of q at base is one of Topics.
func (s *Server) isTopic(base string, q pressfeed.Query) bool {
	return len(s.opts.Hubs) > 0 && s.opts.BaseURL != "" && base == s.opts.BaseURL && encodeQuery(q, q.Cursor) == ""
}

// TopicVersion returns a token that changes when the merged feed's content
// changes: the strong ETag of its Atom rendering. It renders through the
// cache, so asking is cheap and warms the cache for readers.
func (s *Server) TopicVersion(ctx context.Context) (string, error) {
	rd, err := s.feed(ctx, formatAtom, s.opts.BaseURL, pressfeed.Query{}.Normalize())
	if err != nil {
		return "", err
	}
	return rd.etag, nil
}
