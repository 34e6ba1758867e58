// Package report owns what nbfleet writes for people about a fleet's
// notebooks. The record of one apply or destroy run — what was done to
// each notebook, how it ended and why — and the writers that turn it into
// report.json (the complete record), report.csv (what an instructor mails
// out), report.md (a pull request or CI job summary) and report.html (a
// self-contained page with the status table and a timeline of the run,
// printable on A4 landscape). And the hand-out ([Handout]): which
// notebook, at which address, is whose, as a CSV for mail merge and a
// printable page of cards with QR codes.
//
// It holds no notebook tokens and has no field for one: a report or a
// hand-out can be handed to anybody. It performs no calls and reads no
// clock; every time in a report was put there by its maker. Every value it
// did not make itself — names, messages, URLs, labels — is written through
// internal/safetext, so it stays inert text in every format.
package report

import "time"

// FormatVersion is the version of the report.json document. Version 2
// made it an integer, as in every JSON document nbfleet writes.
const FormatVersion = 2

// Outcome is how one notebook's change ended.
type Outcome string

const (
	// Succeeded: every step was carried out and the notebook reached the
	// wanted status (or, with --wait none, every call was accepted).
	Succeeded Outcome = "succeeded"
	// Failed: a step failed, timed out or was interrupted while in flight.
	Failed Outcome = "failed"
	// Skipped: nothing was done (interrupted before it started, a
	// conflict, a protected notebook).
	Skipped Outcome = "skipped"
	// Unchanged: the notebook already matched the fleet.
	Unchanged Outcome = "unchanged"
)

// outcomes lists every outcome in display order.
var outcomes = []Outcome{Succeeded, Failed, Skipped, Unchanged}

// Report is the record of one run. Notebooks are in plan order.
type Report struct {
	FormatVersion int       `json:"format_version"`
	Fleet         string    `json:"fleet"`
	RunID         string    `json:"run_id"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at"`
	// Interrupted is true when the run was stopped by an interrupt before
	// every change was carried out.
	Interrupted bool    `json:"interrupted"`
	Summary     Summary `json:"summary"`
	Notebooks   []Entry `json:"notebooks"`
}

// Summary counts the notebooks of a report.
type Summary struct {
	Total int `json:"total"`
	// Outcomes counts notebooks per outcome; every outcome is present.
	Outcomes map[Outcome]int `json:"outcomes"`
	// Actions counts notebooks per plan action ("create", "delete", …).
	Actions map[string]int `json:"actions"`
}

// Entry is what happened to one notebook.
type Entry struct {
	Name string `json:"name"`
	// Labels are the fleet's labels of this notebook (student, email, …),
	// written to every report format and never sent to the cloud.
	Labels  map[string]string `json:"labels,omitempty"`
	ID      string            `json:"id,omitempty"`
	Action  string            `json:"action"`
	Outcome Outcome           `json:"outcome"`
	// Status is the last status seen ("" when gone or never seen).
	Status string `json:"status,omitempty"`
	URL    string `json:"url,omitempty"`
	// Flavor is the flavor the notebook got, as last seen: the first of
	// its list, or a fallback when that was sold out or not offered (Note
	// then says so). "" when gone or never seen.
	Flavor string `json:"flavor,omitempty"`
	// FailReason is the service's fail_reason of the last failed attempt.
	FailReason string `json:"fail_reason,omitempty"`
	// FailReasons keeps the fail_reason of every attempt that ended in a
	// failure status, in order (a CREATE_FAILED notebook is recreated).
	FailReasons []string `json:"fail_reasons,omitempty"`
	Error       *Error   `json:"error,omitempty"`
	// Note explains to people a skipped or unchanged notebook (a conflict,
	// a notebook its lease stopped), or a fallback flavor.
	Note string `json:"note,omitempty"`
	// Attempts is how many times the notebook was tried: 1 for a change
	// that ran, more when a failed create was deleted and created again,
	// 0 when nothing was done.
	Attempts   int        `json:"attempts"`
	ElapsedMS  int64      `json:"elapsed_ms"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Error is why a notebook failed. Code is the service's error code
// ("ModelArts.6302", "APIG.0308") or one of nbfleet's own: "timeout",
// "interrupted", "canceled", "create_failed", "start_failed",
// "delete_failed", "error_status", "unknown".
type Error struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	HTTPStatus int    `json:"http_status,omitempty"`
	RequestID  string `json:"request_id,omitempty"`
}

// Summarize recomputes r.Summary from r.Notebooks.
func (r *Report) Summarize() {
	s := Summary{Total: len(r.Notebooks), Outcomes: map[Outcome]int{}, Actions: map[string]int{}}
	for _, o := range outcomes {
		s.Outcomes[o] = 0
	}
	for _, e := range r.Notebooks {
		s.Outcomes[e.Outcome]++
		s.Actions[e.Action]++
	}
	r.Summary = s
}

// summary is r.Summary, or one computed from r.Notebooks when the maker
// left it unset.
func (r *Report) summary() Summary {
	if r.Summary.Outcomes != nil {
		return r.Summary
	}
	c := *r
	c.Summarize()
	return c.Summary
}

// Count returns how many notebooks ended with outcome o.
func (r *Report) Count(o Outcome) int {
	n := 0
	for _, e := range r.Notebooks {
		if e.Outcome == o {
			n++
		}
	}
	return n
}

// Failures returns the failed entries, in plan order.
func (r *Report) Failures() []Entry {
	var out []Entry
	for _, e := range r.Notebooks {
		if e.Outcome == Failed {
			out = append(out, e)
		}
	}
	return out
}
