package fetch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"pressfeed"
)

// feedAccept names the feed types first, so servers that negotiate send a
// feed rather than a page.
const feedAccept = "application/atom+xml, application/rss+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1"

// response is a fetched document.
type response struct {
	URL          *url.URL // after redirects
	Status       int
	NotModified  bool
	Body         []byte
	ContentType  string
	ETag         string
	LastModified string
}

// get fetches rawURL with the validators in st. The body is capped after
// decompression (the transport undoes gzip), so a small compressed bomb
// cannot exceed the cap either.
func (p *Poller) get(ctx context.Context, rawURL, accept string, st pressfeed.SourceState) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, &Error{Category: CatConnect, Err: fmt.Errorf("bad request URL %q: %w", rawURL, err)}
	}
	req.Header.Set("User-Agent", p.opts.UserAgent)
	req.Header.Set("Accept", accept)
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, categorize(fmt.Errorf("get %s: %w", rawURL, err))
	}
	defer resp.Body.Close()
	out := &response{
		URL:          resp.Request.URL,
		Status:       resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
	}
	if resp.StatusCode == http.StatusNotModified {
		out.NotModified = true
		return out, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return out, &Error{Category: CatHTTPStatus, Err: fmt.Errorf("get %s: server answered %s", rawURL, resp.Status)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, p.opts.MaxBodyBytes+1))
	if err != nil {
		return out, categorize(fmt.Errorf("read %s: %w", rawURL, err))
	}
	if int64(len(body)) > p.opts.MaxBodyBytes {
		return out, &Error{Category: CatTooLarge, Err: fmt.Errorf("get %s: body is larger than %d bytes", rawURL, p.opts.MaxBodyBytes)}
	}
	out.Body = body
	return out, nil
}
