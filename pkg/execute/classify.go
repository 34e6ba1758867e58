package execute

// The classification of API errors belongs to package modelarts; the
// executor calls it only through these functions.

import (
	"errors"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

func apiError(err error) *modelarts.APIError {
	var ae *modelarts.APIError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// isBusy: another operation is running on the notebook, or it is already
// in (or heading to) the requested state.
func isBusy(err error) bool { return modelarts.IsBusy(err) }

// isAmbiguous: the request may have been carried out although no answer
// says so.
func isAmbiguous(err error) bool { return modelarts.IsAmbiguous(err) }

// isTerminal: trying again cannot succeed (quota, sold out, bad request,
// authentication, a notebook the ownership check refused).
func isTerminal(err error) bool { return modelarts.IsTerminal(err) || errors.Is(err, ErrNotOwned) }

// isFlavorUnavailable: the call was refused because its flavor is sold
// out, short of resources (ModelArts.6329, 6716, 6528, 6360) or not
// offered (6323); the next flavor of the notebook's list may do.
func isFlavorUnavailable(err error) bool {
	ae := apiError(err)
	return ae != nil && (modelarts.IsSoldOut(err) || ae.Code == "ModelArts.6323")
}
