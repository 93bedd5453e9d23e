package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"pressfeed"
)

// fetchFeed reads a feed source's URL (see fetchFeedURL).
func (p *Poller) fetchFeed(ctx context.Context, src pressfeed.Source, st pressfeed.SourceState) ([]pressfeed.Item, *response, error) {
	return p.fetchFeedURL(ctx, src, src.URL, st)
}

// bodyHash identifies a response body.
func bodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}
