package ops

import (
	"context"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// HandoutRequest is what `nbfleet handout` asks for.
type HandoutRequest struct {
	Fleet  string // the fleet file's path
	Select plan.Options
	Conn   Conn
}

// Notes of the hand-out's cards that have no address.
const (
	HandoutConflict = "No address: a notebook of this name exists that is not this fleet's; it is not handed out. The instructor must sort it out (nbfleet plan says why)."
	HandoutUnowned  = "No address yet: a notebook of this name exists, made outside nbfleet; it is handed out once nbfleet apply has adopted it."
	HandoutDeleting = "No address: this notebook is being deleted; nbfleet apply creates it again."
	HandoutAbsent   = "No address: this notebook does not exist yet; nbfleet apply creates it."
)

// Handout reads the fleet and the cloud and returns the hand-out of the
// declared notebooks the request selects, in declaration order, matched as
// the plan matches them (plan.Status): each card has the notebook's
// labels, name and live status, and the address of a notebook the fleet
// owns. A name the plan calls a conflict (another fleet's notebook, or
// several with the name), one not adopted yet, one absent or being
// deleted gets a card that says so, never another notebook's address.
// Tokens are never read into it: report.Handout has no field for one.
func Handout(ctx context.Context, e *Env, req HandoutRequest) (*report.Handout, error) {
	ctx, cancel := e.soft(ctx)
	defer cancel()
	h, err := e.handout(ctx, req)
	return h, e.stopped(err, "no hand-out was made")
}

func (e *Env) handout(ctx context.Context, req HandoutRequest) (*report.Handout, error) {
	fleet, _, live, err := e.openFleet(ctx, req.Fleet, req.Conn)
	if err != nil {
		return nil, err
	}
	h := &report.Handout{Title: fleet.Name, At: e.now(), Labels: fleet.Labels, Rows: []report.HandoutRow{}}
	for _, st := range plan.Status(fleet, live, req.Select) {
		r := report.HandoutRow{Labels: st.Labels, Name: st.Name, Status: st.Status}
		switch {
		case st.Status == plan.StatusConflict:
			r.Note = HandoutConflict
		case st.Status == plan.StatusAbsent:
			r.Note = HandoutAbsent
		case st.Status == modelarts.StatusDeleting:
			r.Note = HandoutDeleting
		case !st.Owned:
			r.Note = HandoutUnowned
		default:
			r.URL = st.URL
		}
		h.Rows = append(h.Rows, r)
	}
	return h, nil
}
