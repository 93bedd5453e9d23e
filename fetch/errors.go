package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"pressfeed"
	"syscall"
)

// Error is a failed poll: a category and the underlying error, whose text
// says what happened in words an admin can act on.
type Error struct {
	Category pressfeed.ErrorCategory
	Err      error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// sentence is an error whose text is written for a person, keeping the
// technical cause reachable with errors.Is and errors.As.
type sentence struct {
	msg   string
	cause error
}

func (s *sentence) Error() string { return s.msg }
func (s *sentence) Unwrap() error { return s.cause }

// failure returns an Error of category cat whose text is the formatted
// sentence and which wraps cause (which may be nil).
func failure(cat pressfeed.ErrorCategory, cause error, format string, args ...any) *Error {
	return &Error{Category: cat, Err: &sentence{msg: fmt.Sprintf(format, args...), cause: cause}}
}

// categorize wraps err with the category that best describes it, keeping a
// category already given.
func categorize(err error) *Error { return classify(err, "") }

// classify is categorize for a request to host: it turns a transport error
// into a category and a sentence naming the host.
func classify(err error, host string) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	who := host
	if who == "" {
		who = "the server"
	}
	var (
		blocked *blockedError
		redir   *redirectError
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
		recErr  tls.RecordHeaderError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &blocked):
		return failure(pressfeed.CatBlockedAddress, err, "%s", blocked.Error())
	case errors.As(err, &redir):
		return failure(pressfeed.CatRedirects, err, "%s", redir.Error())
	case errors.Is(err, ErrTooManyRedirects):
		return failure(pressfeed.CatRedirects, err, "%s redirected too many times", who)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return failure(pressfeed.CatTimeout, err, "%s did not answer in time", who)
	case errors.Is(err, context.Canceled):
		return failure(pressfeed.CatTimeout, err, "the request to %s was cancelled (shutting down)", who)
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return failure(pressfeed.CatDNS, err, "the host name %s does not exist (DNS lookup found nothing)", dnsErr.Name)
		}
		return failure(pressfeed.CatDNS, err, "looking up the host name %s failed: %s", dnsErr.Name, dnsErr.Err)
	case errors.As(err, &certErr):
		return failure(pressfeed.CatTLS, err, "the certificate of %s is not valid: %v", who, certErr.Err)
	case errors.As(err, &unkAuth):
		return failure(pressfeed.CatTLS, err, "the certificate of %s is not valid: %v", who, unkAuth)
	case errors.As(err, &hostErr):
		return failure(pressfeed.CatTLS, err, "the certificate of %s is not valid: %v", who, hostErr)
	case errors.As(err, &recErr):
		return failure(pressfeed.CatTLS, err, "%s did not speak TLS (is the URL http rather than https?)", who)
	case errors.Is(err, syscall.ECONNREFUSED):
		return failure(pressfeed.CatConnect, err, "%s refused the connection", who)
	case errors.Is(err, syscall.ECONNRESET):
		return failure(pressfeed.CatConnect, err, "%s reset the connection", who)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return failure(pressfeed.CatConnect, err, "%s closed the connection before the response was complete", who)
	}
	return failure(pressfeed.CatConnect, err, "fetching from %s failed: %v", who, innermost(err))
}

// innermost returns the deepest error in err's single-wrap chain: the part
// of "get https://…: dial tcp …: connect: no route to host" a person needs.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
