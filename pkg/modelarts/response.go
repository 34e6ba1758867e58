package modelarts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBody caps how much of a response body the client reads.
const maxBody = 8 << 20

// parseRetryAfter reads a Retry-After header: seconds (fractions allowed)
// or an HTTP date. It returns 0 when absent or unparseable.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil {
		if s <= 0 || s > 24*3600 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// errorBody holds every error envelope the service and IAM use.
type errorBody struct {
	ErrorCode json.RawMessage `json:"error_code"`
	ErrorMsg  string          `json:"error_msg"`
	Code      json.RawMessage `json:"code"`
	Message   string          `json:"message"`
	RequestID string          `json:"request_id"`
	Error     *errorBody      `json:"error"`
}

// rawString turns a JSON string or number into a string.
func rawString(r json.RawMessage) string {
	if len(r) == 0 || string(r) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(r, &n) == nil {
		return n.String()
	}
	return ""
}

// parseAPIError builds the *APIError for a non-2xx answer. It never fails:
// a body that is not one of the known envelopes gives a sanitised snippet.
func parseAPIError(status int, h http.Header, body []byte, truncated bool, now time.Time, secrets []string) *APIError {
	e := &APIError{HTTPStatus: status, RequestID: h.Get("X-Request-Id")}
	if ra := parseRetryAfter(h.Get("Retry-After"), now); ra > 0 {
		e.RetryAfter = ra.Seconds()
	}
	var eb errorBody
	if !truncated && json.Unmarshal(body, &eb) == nil {
		for b := &eb; b != nil && e.Code == "" && e.Message == ""; b = b.Error {
			switch {
			case rawString(b.ErrorCode) != "" || b.ErrorMsg != "":
				e.Code, e.Message = rawString(b.ErrorCode), b.ErrorMsg
			case rawString(b.Code) != "" || b.Message != "":
				e.Code, e.Message = rawString(b.Code), b.Message
			}
			if e.RequestID == "" {
				e.RequestID = b.RequestID
			}
		}
		e.Code = sanitize([]byte(e.Code), 64, secrets)
		e.Message = sanitize([]byte(e.Message), 300, secrets)
		e.RequestID = sanitize([]byte(e.RequestID), 64, secrets)
		if e.Code != "" || e.Message != "" {
			return e
		}
	}
	e.RequestID = sanitize([]byte(e.RequestID), 64, secrets)
	switch {
	case truncated:
		e.Message = fmt.Sprintf("response body larger than %d MiB", maxBody>>20)
	case len(bytes.TrimSpace(body)) == 0:
		e.Message = http.StatusText(status)
	default:
		e.Message = "unexpected response: " + sanitize(body, 120, secrets)
	}
	return e
}
