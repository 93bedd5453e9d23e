package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
)

// Error categories recorded with each failed poll, for the status page and
// metrics. Each is a short stable word; the error's text is the sentence.
const (
	CatTimeout        = "timeout"
	CatDNS            = "dns"
	CatTLS            = "tls"
	CatConnect        = "connect"
	CatHTTPStatus     = "http_status"
	CatTooLarge       = "too_large"
	CatNotAFeed       = "not_a_feed"
	CatParse          = "parse"
	CatBlockedAddress = "blocked_address"
	CatRobots         = "robots"
	CatRedirects      = "redirects"
	CatStore          = "store"
	CatUnsupported    = "unsupported"
)

// Error is a failed poll: a category and the underlying error, whose text
// says what happened in words an admin can act on.
type Error struct {
	Category string
	Err      error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// categorize wraps err with the category that best describes it, keeping a
// category already given.
func categorize(err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	cat := CatConnect
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
		recErr  tls.RecordHeaderError
		netErr  net.Error
	)
	switch {
	case errors.Is(err, ErrBlockedAddress):
		cat = CatBlockedAddress
	case errors.Is(err, ErrTooManyRedirects):
		cat = CatRedirects
	case errors.Is(err, context.DeadlineExceeded):
		cat = CatTimeout
	case errors.As(err, &dnsErr):
		cat = CatDNS
	case errors.As(err, &certErr), errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &recErr):
		cat = CatTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		cat = CatTimeout
	}
	return &Error{Category: cat, Err: err}
}
