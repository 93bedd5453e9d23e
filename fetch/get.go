package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

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
	Header       http.Header
	NotModified  bool // a 304, or a body identical to the last success's
	Body         []byte
	ContentType  string
	ETag         string
	LastModified string
	MovedTo      string        // where permanent redirects led; "" if none
	RetryAfter   time.Duration // a 429's or 503's Retry-After; zero if none
	BodyHash     string        // set by the caller that hashes the body
	Warnings     []string      // what decoding and the caps had to do
	marks        *feedMarks    // a feed source's items left out and to mark (marks.go)
}

// get fetches rawURL, sending the validators in st (pass the zero state for
// a plain GET). It is the only way the Poller reaches the network, so every
// fetch gets the same treatment:
//
//   - politeness: it waits for the host's turn (one request at a time,
//     starts at least HostSpacing apart) before the deadline starts;
//   - a deadline of Timeout over the whole exchange, redirects and body
//     included, so a drip-fed body cannot hold a poll for ever;
//   - at most MaxRedirects redirects, a loop stopped at once, permanent
//     moves recorded in MovedTo;
//   - a body cap counted after the transport undoes gzip, so a small
//     compressed bomb cannot exceed it either.
//
// A status other than 2xx or 304 returns the response (status, Retry-After)
// with an *Error of category http_status. Other failures return an *Error
// whose category says what went wrong.
func (p *Poller) get(ctx context.Context, rawURL, accept string, st pressfeed.SourceState) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, failure(pressfeed.CatConnect, err, "%q is not an http or https URL", rawURL)
	}
	rd := newRedirects(p.opts.MaxRedirects, p.hosts)
	defer rd.releaseAll()
	if err := rd.hold(ctx, u.Host); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	ctx, stall := watchStall(ctx, p.opts.StallTimeout)
	defer stall.stop()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, failure(pressfeed.CatConnect, err, "%q is not a usable URL: %v", rawURL, err)
	}
	req.Header.Set("User-Agent", p.opts.UserAgent)
	req.Header.Set("Accept", accept)
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	client := *p.client
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		stall.redirected()
		defer stall.waiting()()
		return rd.check(req, via)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, p.transportError(ctx, u.Host, err, 0)
	}
	defer resp.Body.Close()
	stall.answered()
	out := &response{
		URL:          resp.Request.URL,
		Status:       resp.StatusCode,
		Header:       resp.Header,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		MovedTo:      rd.permanentTarget(),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return out, p.statusError(out, resp)
	}
	body, err := readCapped(stall.body(resp.Body), resp.ContentLength, p.opts.MaxBodyBytes)
	if errors.Is(err, errTooLarge) {
		after := ""
		if resp.Uncompressed {
			after = ", counted after decompression"
		}
		return out, failure(pressfeed.CatTooLarge, err, "the response from %s is larger than the %s limit%s", u.Host, byteSize(p.opts.MaxBodyBytes), after)
	}
	if err != nil {
		return out, p.transportError(ctx, u.Host, err, len(body))
	}
	out.Body = body
	if err := detectChallenge(u.Host, resp.StatusCode, resp.Header, body, p.opts.UserAgent); err != nil {
		return out, err
	}
	return out, nil
}

// transportError describes a failed exchange; got is how many body bytes
// had arrived.
func (p *Poller) transportError(ctx context.Context, host string, err error, got int) error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe // already described, by the redirect policy
	}
	var stalled *errStalled
	if errors.As(context.Cause(ctx), &stalled) {
		switch {
		case !stalled.answered:
			return failure(pressfeed.CatTimeout, err, "%s sent no answer for %s; a server that silent is treated as hung", host, stalled.window)
		case got == 0:
			return failure(pressfeed.CatTimeout, err, "%s sent headers, then nothing for %s; a server that silent is treated as hung", host, stalled.window)
		case stalled.pending == 0:
			return failure(pressfeed.CatTimeout, err, "%s stopped sending after %s, and nothing more came for %s; a server that silent is treated as hung", host, byteSize(int64(got)), stalled.window)
		}
		return failure(pressfeed.CatTimeout, err, "%s sent only %s in %s (%s so far); a server that slow is treated as hung", host, byteSize(stalled.pending), stalled.window, byteSize(int64(got)))
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		if got > 0 {
			return failure(pressfeed.CatTimeout, err, "%s was still sending the response after %s (%s so far); a server that slow is treated as hung", host, p.opts.Timeout, byteSize(int64(got)))
		}
		return failure(pressfeed.CatTimeout, err, "%s gave no complete response within %s", host, p.opts.Timeout)
	}
	return classify(err, host)
}

// statusError describes an answer other than 2xx or 304 and notes a
// Retry-After. An HTML error page's title is quoted: it often says why
// (a bot check, maintenance).
func (p *Poller) statusError(out *response, resp *http.Response) error {
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		out.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), p.opts.Now())
	}
	host := resp.Request.URL.Host
	var head []byte
	if isHTMLType(out.ContentType) {
		head, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	}
	if err := detectChallenge(host, resp.StatusCode, resp.Header, head, p.opts.UserAgent); err != nil {
		return err
	}
	msg := fmt.Sprintf("%s answered %s", host, resp.Status)
	if resp.StatusCode == http.StatusGone {
		msg += ": the feed is gone"
	}
	if head != nil {
		if title := htmlTitle(head); title != "" {
			msg += fmt.Sprintf(" (an HTML page titled %q)", title)
		}
	}
	return failure(pressfeed.CatHTTPStatus, nil, "%s", msg)
}

// errTooLarge is returned by readCapped for a body over the cap.
var errTooLarge = errors.New("body too large")

// readCapped reads at most max bytes of r. A declared length over the cap
// fails before reading anything. An honest declared length is read into
// one buffer of that size; otherwise the body is read in chunks and joined
// once at the end, so a body that turns out too large never costs more
// than the cap, and one that fits never costs the doubling copies of a
// growing buffer.
func readCapped(r io.Reader, contentLength, max int64) ([]byte, error) {
	if contentLength > max {
		return nil, errTooLarge
	}
	r = io.LimitReader(r, max+1)
	if contentLength > 0 {
		buf := make([]byte, contentLength+1)
		n, err := fill(r, buf)
		switch {
		case err != nil:
			return buf[:n], err
		case int64(n) > contentLength:
			return nil, errTooLarge // more than declared; the transport should have stopped it
		}
		return buf[:n], nil
	}
	var (
		chunks [][]byte
		total  int64
		size   = 32 << 10
	)
	for {
		chunk := make([]byte, size)
		n, err := fill(r, chunk)
		total += int64(n)
		if total > max {
			return nil, errTooLarge
		}
		chunks = append(chunks, chunk[:n])
		if err != nil {
			return bytes.Join(chunks, nil), err
		}
		if n < len(chunk) {
			break
		}
		size = min(size*2, 1<<20)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	return bytes.Join(chunks, nil), nil
}

// fill reads from r until buf is full or r ends, which is not an error:
// a body cut off early comes back as the transport's io.ErrUnexpectedEOF.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// byteSize writes n in the unit a person would use.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
