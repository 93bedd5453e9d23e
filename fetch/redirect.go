package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"pressfeed"
	"strings"
)

// ErrRedirectLoop is returned when a redirect leads back to a URL already
// visited in the same fetch.
var ErrRedirectLoop = errors.New("redirect loop")

// redirectError describes a redirect chain that was stopped. It wraps
// ErrRedirectLoop or ErrTooManyRedirects.
type redirectError struct {
	chain []string // every URL visited, the refused one last
	err   error
}

func (e *redirectError) Error() string {
	if errors.Is(e.err, ErrRedirectLoop) {
		return "redirect loop: " + strings.Join(e.chain, " → ")
	}
	return fmt.Sprintf("more than %d redirects: %s", len(e.chain)-2, strings.Join(e.chain, " → "))
}

func (e *redirectError) Unwrap() error { return e.err }

// hop is one redirect followed.
type hop struct {
	status int      // the redirect's status code
	to     *url.URL // where it led
}

// redirects follows the redirects of one fetch: it stops loops and long
// chains, records each hop so a permanent move can be reported, and takes
// the politeness turn of every new host the chain reaches.
type redirects struct {
	max   int
	gate  *hostGate
	hops  []hop
	held  map[string]func() // host → release, for every turn held
	order []string
}

func newRedirects(max int, gate *hostGate) *redirects {
	return &redirects{max: max, gate: gate, held: make(map[string]func())}
}

// hold takes host's turn unless this fetch already holds it.
func (r *redirects) hold(ctx context.Context, host string) error {
	key := strings.ToLower(host)
	if _, ok := r.held[key]; ok {
		return nil
	}
	release, err := r.gate.acquire(ctx, key)
	if err != nil {
		return failure(pressfeed.CatTimeout, err, "gave up waiting for our turn to ask %s", host)
	}
	r.held[key] = release
	r.order = append(r.order, key)
	return nil
}

// releaseAll gives back every turn held, newest first.
func (r *redirects) releaseAll() {
	for i := len(r.order) - 1; i >= 0; i-- {
		r.held[r.order[i]]()
	}
}

// check is the http.Client CheckRedirect hook.
func (r *redirects) check(req *http.Request, via []*http.Request) error {
	chain := make([]string, 0, len(via)+1)
	for _, v := range via {
		chain = append(chain, v.URL.String())
	}
	next := req.URL.String()
	chain = append(chain, next)
	for _, v := range via {
		if v.URL.String() == next {
			return &redirectError{chain: chain, err: ErrRedirectLoop}
		}
	}
	if len(via) > r.max {
		return &redirectError{chain: chain, err: ErrTooManyRedirects}
	}
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	r.hops = append(r.hops, hop{status: status, to: req.URL})
	return r.hold(req.Context(), req.URL.Host)
}

// permanentTarget returns where the leading run of permanent redirects
// (301, 308) led, or "" if the first redirect was temporary or there was
// none. A permanent move followed by a temporary one still means the
// source's URL moved, to the end of the permanent part.
func (r *redirects) permanentTarget() string {
	target := ""
	for _, h := range r.hops {
		if h.status != http.StatusMovedPermanently && h.status != http.StatusPermanentRedirect {
			break
		}
		target = h.to.String()
	}
	return target
}
