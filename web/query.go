package web

import (
	"fmt"
	"net/url"

	"pressfeed"
)

// BadRequest is an error caused by the request, answered with 400.
type BadRequest struct{ Msg string }

func (e *BadRequest) Error() string { return e.Msg }

func badRequest(format string, args ...any) error {
	return &BadRequest{Msg: fmt.Sprintf(format, args...)}
}

// parseQuery reads the filter parameters of a feed or page URL
// (pressfeed.ParseQuery); a bad one is a *BadRequest.
func parseQuery(v url.Values) (pressfeed.Query, error) {
	q, err := pressfeed.ParseQuery(v)
	if err != nil {
		return q, &BadRequest{Msg: err.Error()}
	}
	return q, nil
}
