package modelarts

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrNotFound reports that a notebook does not exist: HTTP 404, or HTTP 400
// with ModelArts.6309 or ModelArts.6404. The *APIError wraps it, so
// errors.Is(err, ErrNotFound) works on what the client returns.
var ErrNotFound = errors.New("notebook not found")

// ErrInsecureEndpoint reports an endpoint that uses plain http to a host
// that is not loopback while Config.AllowInsecureEndpoint is off; New wraps
// it, so a caller can tell the user how to allow it.
var ErrInsecureEndpoint = errors.New("plain http to a host that is not loopback")

// APIError is an error answered by ModelArts or its API gateway.
type APIError struct {
	HTTPStatus int
	Code       string // e.g. "ModelArts.6404", "APIG.0308"; may be empty
	Message    string
	RequestID  string
	// RetryAfter is the server's Retry-After in seconds, when it sent one.
	RetryAfter float64
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.HTTPStatus)
	}
	s := fmt.Sprintf("%d", e.HTTPStatus)
	if e.Code != "" {
		s += " " + e.Code
	}
	s += ": " + msg
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// Is makes errors.Is(err, ErrNotFound) true for not-found answers.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.notFound()
}

func (e *APIError) notFound() bool {
	if e.HTTPStatus == http.StatusNotFound && (e.Code == "" || e.Code != "APIG.0101") {
		return true
	}
	return e.HTTPStatus == http.StatusBadRequest && (e.Code == "ModelArts.6309" || e.Code == "ModelArts.6404")
}
