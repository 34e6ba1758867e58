package plan

import (
	"fmt"
	"io"

	"github.com/nbfleet/nbfleet/internal/safetext"
)

// Drifted reports whether drift should alert on p: something is to be
// changed (a conflict counts), or a notebook has not settled yet — it is
// not done, and it may still end as a failure.
func (p *Plan) Drifted() bool { return p.HasChanges() || len(p.InProgress()) > 0 }

// WriteDriftText writes the text report of `drift`: one line per change
// and per notebook in progress, a summary, and the plan's notes. Names,
// reasons and notes carry cloud text: each is one inert line.
func WriteDriftText(w io.Writer, p *Plan) error {
	busy := p.InProgress()
	var err error
	printf := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	if !p.Drifted() {
		printf("No drift: the cloud matches the fleet.\n")
	}
	for _, c := range p.Changes {
		switch {
		case c.InProgress():
			printf("%s: in progress: %s\n", safetext.Terminal(c.Name), safetext.Terminal(c.Reason))
		case c.Action != NoOp:
			printf("%s: %s: %s\n", safetext.Terminal(c.Name), c.Action, safetext.Terminal(c.Reason))
		}
	}
	if p.HasChanges() {
		printf("Drift: %s\n", p.SummaryLine())
	}
	if len(busy) > 0 {
		printf("In progress: %d notebook(s) not settled yet; run drift again once they are (they may still fail).\n", len(busy))
	}
	for _, n := range p.Notes {
		printf("Note: %s.\n", safetext.Terminal(n))
	}
	return err
}
