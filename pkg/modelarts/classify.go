package modelarts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// RequestError is a request that got no HTTP response: a connection
// refused or reset, a timeout, a cancelled context. Written reports whether
// the request had been written to the connection, so the server may have
// executed it (see IsAmbiguous).
type RequestError struct {
	Op      string // operation, e.g. "create notebook"
	Method  string
	Path    string // URL path, never the query
	Written bool
	Err     error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the underlying transport error.
func (e *RequestError) Unwrap() error { return e.Err }

// Timeout reports whether the request timed out.
func (e *RequestError) Timeout() bool {
	var te interface{ Timeout() bool }
	return errors.Is(e.Err, context.DeadlineExceeded) || (errors.As(e.Err, &te) && te.Timeout())
}

func apiErr(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

func codeIn(code string, set ...string) bool {
	for _, s := range set {
		if code == s {
			return true
		}
	}
	return false
}

// IsThrottled reports whether err is a rate-limit answer: HTTP 429 or
// APIG.0308.
func IsThrottled(err error) bool {
	ae := apiErr(err)
	return ae != nil && (ae.HTTPStatus == http.StatusTooManyRequests || ae.Code == "APIG.0308")
}

// IsRetryable reports whether sending the same request again may succeed:
// 429, 5xx, connection errors and timeouts. A signature failure (APIG.0301)
// is never retryable: five in a row lock the access key for five minutes.
// A cancelled context is not retryable.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if ae := apiErr(err); ae != nil {
		if ae.Code == "APIG.0301" {
			return false
		}
		return ae.HTTPStatus == http.StatusTooManyRequests || ae.HTTPStatus >= 500 || ae.Code == "APIG.0308"
	}
	var re *RequestError
	if errors.As(err, &re) {
		return !errors.Is(re.Err, context.Canceled)
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// IsBusy reports whether the notebook is in another operation or already in
// the requested state (ModelArts.6357, 6305–6308): try again after the
// current operation finishes, or treat a stop/delete as done.
func IsBusy(err error) bool {
	ae := apiErr(err)
	return ae != nil && codeIn(ae.Code, "ModelArts.6357", "ModelArts.6305", "ModelArts.6306", "ModelArts.6307", "ModelArts.6308")
}

// IsQuota reports a quota answer (ModelArts.0113, 0116, 0118, 6302).
func IsQuota(err error) bool {
	ae := apiErr(err)
	return ae != nil && codeIn(ae.Code, "ModelArts.0113", "ModelArts.0116", "ModelArts.0118", "ModelArts.6302")
}

// IsSoldOut reports a sold-out or insufficient-resources answer
// (ModelArts.6329, 6716, 6528, 6360).
func IsSoldOut(err error) bool {
	ae := apiErr(err)
	return ae != nil && codeIn(ae.Code, "ModelArts.6329", "ModelArts.6716", "ModelArts.6528", "ModelArts.6360")
}

// IsAuth reports an authentication or authorisation failure (401, 403,
// APIG.0301, and 404 ModelArts.2786: a token of another project).
func IsAuth(err error) bool {
	ae := apiErr(err)
	return ae != nil && (ae.HTTPStatus == http.StatusUnauthorized || ae.HTTPStatus == http.StatusForbidden ||
		ae.Code == "APIG.0301" || ae.wrongProject())
}

// IsWrongProject reports 404 ModelArts.2786: the IAM token is scoped to
// another project than the project id in the URL (real-service.md rule 6).
func IsWrongProject(err error) bool {
	ae := apiErr(err)
	return ae != nil && ae.wrongProject()
}

// IsTerminal reports an answer that repeating will not change: quota,
// sold out, insufficient resources, a bad request, authentication or
// authorisation. Busy, not-found and throttled answers are not terminal.
func IsTerminal(err error) bool {
	ae := apiErr(err)
	if ae == nil {
		return false
	}
	if IsQuota(err) || IsSoldOut(err) || IsAuth(err) {
		return true
	}
	if IsBusy(err) || IsThrottled(err) || ae.notFound() {
		return false
	}
	return ae.HTTPStatus >= 400 && ae.HTTPStatus < 500
}

// IsAmbiguous reports whether a failed request may nevertheless have been
// executed by the service: a 5xx answer, a connection reset or timeout after
// the request was written, or the context ending while waiting for the
// response. A caller must look a create up before sending it again.
func IsAmbiguous(err error) bool {
	if err == nil {
		return false
	}
	if ae := apiErr(err); ae != nil {
		return ae.HTTPStatus >= 500
	}
	var re *RequestError
	if errors.As(err, &re) {
		return re.Written
	}
	return false
}

// sanitize makes a short printable snippet of a response body for an error
// message: every known secret replaced, in any form (see redact), tags
// dropped, whitespace collapsed, at most n runes.
func sanitize(body []byte, n int, secrets []string) string {
	// A snippet comes from the start of the body: the rest is not looked
	// at, except for a secret whose form crosses the end of what is kept.
	keep := min(len(body), snippetWindow)
	look := min(len(body), keep+snippetWindow)
	s := redactPrefix(string(body[:look]), keep, secrets)
	if strings.Contains(s, "<") {
		var b strings.Builder
		in := false
		for _, r := range s {
			switch {
			case r == '<':
				in = true
			case r == '>':
				in = false
				b.WriteByte(' ')
			case !in:
				b.WriteRune(r)
			}
		}
		s = b.String()
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return ' '
		}
		return r
	}, s)
	// Again: dropping tags and collapsing spaces may have joined one.
	s = redact(strings.Join(strings.Fields(s), " "), secrets)
	if r := []rune(s); len(r) > n || keep < len(body) {
		s = string(r[:min(n, len(r))]) + "…"
	}
	return s
}

// snippetWindow is how much of a body sanitize makes its snippet from.
const snippetWindow = 64 << 10
