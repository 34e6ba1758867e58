package modelarts

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrNotFound reports that a notebook does not exist: HTTP 400 with
// ModelArts.6309 (the documented code) or ModelArts.6404 (which Terraform
// also accepts), or HTTP 404 without a ModelArts or gateway code. A 404
// with ModelArts.2786 is a token scoped to another project and APIG.0101 an
// unknown path: neither says the notebook is gone (real-service.md rule
// 6), and reading them as "gone" would make a wrong endpoint or project
// look like a completed delete. The *APIError wraps it, so
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
	if e.HTTPStatus == http.StatusNotFound {
		return !strings.HasPrefix(e.Code, "ModelArts.") && !strings.HasPrefix(e.Code, "APIG.")
	}
	return e.HTTPStatus == http.StatusBadRequest && (e.Code == "ModelArts.6309" || e.Code == "ModelArts.6404")
}

// wrongProject reports 404 ModelArts.2786: the token's project is not the
// project id in the URL (rule 6).
func (e *APIError) wrongProject() bool {
	return e.HTTPStatus == http.StatusNotFound && e.Code == "ModelArts.2786"
}
