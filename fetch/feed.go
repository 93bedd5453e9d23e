package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"pressfeed"
)

// fetchFeed fetches, decodes, parses, caps and normalizes a feed source. A
// 304, or a body identical to the last successful one (servers that ignore
// validators), returns a response marked NotModified and costs no parse.
func (p *Poller) fetchFeed(ctx context.Context, src pressfeed.Source, st pressfeed.SourceState) ([]pressfeed.Item, *response, error) {
	resp, err := p.get(ctx, src.URL, feedAccept, st)
	if err != nil || resp.NotModified {
		return nil, resp, err
	}
	resp.BodyHash = bodyHash(resp.Body)
	if resp.BodyHash == st.BodyHash && !st.LastSuccess.IsZero() {
		resp.NotModified = true
		return nil, resp, nil
	}
	feed, warnings, err := readFeed(resp.Body, resp.ContentType, p.opts.Limits)
	if err != nil {
		return nil, resp, err
	}
	resp.Warnings = append(warnings, capFeed(feed, p.opts.Limits)...)
	return p.normalizeFeed(feed, resp.URL), resp, nil
}

// bodyHash identifies a response body.
func bodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}
