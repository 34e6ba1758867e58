package execute

// The classification of API errors belongs to package modelarts
// (IsThrottled, IsAmbiguous, IsTerminal, IsBusy, IsRetryable). The
// executor calls it only through these five functions, so that the rules
// live in one place.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

func apiError(err error) *modelarts.APIError {
	var ae *modelarts.APIError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// isThrottled: the gateway refused the request; nothing was done.
func isThrottled(err error) bool {
	ae := apiError(err)
	return ae != nil && (ae.HTTPStatus == http.StatusTooManyRequests || ae.Code == "APIG.0308")
}

// isBusy: another operation is running on the notebook, or it is already
// in (or heading to) the requested state.
func isBusy(err error) bool {
	ae := apiError(err)
	if ae == nil {
		return false
	}
	switch ae.Code {
	case "ModelArts.6357", "ModelArts.6305", "ModelArts.6306", "ModelArts.6307", "ModelArts.6308":
		return true
	}
	return false
}

// isAmbiguous: the request may have been carried out although no answer
// says so.
func isAmbiguous(err error) bool {
	if ae := apiError(err); ae != nil {
		return ae.HTTPStatus >= 500
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || (errors.As(err, &ne) && ne.Timeout())
}

// isRetryable: trying again may succeed.
func isRetryable(err error) bool {
	return isThrottled(err) || isAmbiguous(err) || errors.Is(err, syscall.ECONNREFUSED)
}

// isTerminal: trying again cannot succeed (quota, sold out, bad request,
// authentication).
func isTerminal(err error) bool {
	ae := apiError(err)
	if ae == nil {
		return false
	}
	if isThrottled(err) || isBusy(err) || errors.Is(err, modelarts.ErrNotFound) {
		return false
	}
	return ae.HTTPStatus >= 400 && ae.HTTPStatus < 500
}
