package web

import (
	"net/http"
	"strings"
)

// contentSecurityPolicy allows no script at all, styles only from this
// site, and no framing; forms post only here.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// setSecurityHeaders sets the headers every response but a 304 carries
// (answerWriter); tls says the request came over TLS.
func setSecurityHeaders(h http.Header, tls bool) {
	// Assigned prebuilt (canonical keys, shared values): every response,
	// the hot cached feed included, pays for these.
	h["Content-Security-Policy"] = cspHeader
	h["X-Content-Type-Options"] = nosniffHeader
	h["X-Frame-Options"] = denyHeader
	h["Referrer-Policy"] = sameOriginHeader
	h["Cross-Origin-Opener-Policy"] = sameOriginHeader
	if tls {
		h["Strict-Transport-Security"] = hstsHeader
	}
}

// Security header values, shared by every response; net/http only reads
// them.
var (
	cspHeader        = []string{contentSecurityPolicy}
	nosniffHeader    = []string{"nosniff"}
	denyHeader       = []string{"DENY"}
	sameOriginHeader = []string{"same-origin"}
	hstsHeader       = []string{"max-age=31536000"}
)

// secureCookies reports whether cookies must be marked Secure: the request
// came over TLS, or the public URL is https (TLS ends at a proxy).
func (s *Server) secureCookies(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.opts.BaseURL, "https://")
}
