package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"pressfeed/sourcelist"
)

// handleSourcesOPML serves the source list as OPML 2.0, cached and
// validated like the feeds.
func (s *Server) handleSourcesOPML(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		s.fail(w, r, badRequest("/sources.opml takes no parameters"))
		return
	}
	rd, err := s.cache.get(r.Context(), "/sources.opml", s.store.Generation(), func(ctx context.Context) ([]byte, string, time.Time, error) {
		sources, err := s.store.Sources(ctx)
		if err != nil {
			return nil, "", time.Time{}, err
		}
		var buf bytes.Buffer
		if err := sourcelist.WriteOPML(&buf, sourcelist.Title, sources); err != nil {
			return nil, "", time.Time{}, fmt.Errorf("render opml: %w", err)
		}
		return buf.Bytes(), "text/x-opml; charset=utf-8", time.Time{}, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveRendered(w, r, rd)
}
