package execute

import (
	"encoding/json"
	"io"
	"time"

	"github.com/nbfleet/nbfleet/internal/safetext"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// EventsFormatVersion is the format_version of every event EventWriter
// writes.
const EventsFormatVersion = 1

// EventWriter is an Observer that writes newline-delimited JSON events,
// one per call: planned, started, progress, finished and summary, each
// with its type, format_version and time (`nbfleet apply --json`).
type EventWriter struct {
	w   io.Writer
	now func() time.Time
}

// NewEventWriter returns an EventWriter writing to w, with times from now.
func NewEventWriter(w io.Writer, now func() time.Time) *EventWriter {
	return &EventWriter{w: w, now: now}
}

// event is one line. Fields are in the order a reader scans them.
type event struct {
	Type          string    `json:"type"`
	FormatVersion int       `json:"format_version"`
	Time          time.Time `json:"time"`
	Fleet         string    `json:"fleet,omitempty"`
	Total         *int      `json:"total,omitempty"`
	Name          string    `json:"name,omitempty"`
	ID            string    `json:"id,omitempty"`
	Action        string    `json:"action,omitempty"`
	Step          string    `json:"step,omitempty"`
	Status        string    `json:"status,omitempty"`
	// Notebook is the finished notebook's report entry.
	Notebook *report.Entry `json:"notebook,omitempty"`
	// Summary and Interrupted close the run.
	Summary     *report.Summary `json:"summary,omitempty"`
	Interrupted *bool           `json:"interrupted,omitempty"`
}

// emit writes one event as one line. Names, statuses and errors are cloud
// text: characters a terminal could act on are written as \u escapes
// (safetext.JSON; encoding/json already escapes control characters), so
// the stream is inert on a terminal and still one event per line.
func (j *EventWriter) emit(ev event) {
	ev.Time = j.now().UTC()
	ev.FormatVersion = EventsFormatVersion
	data, err := json.Marshal(ev)
	if err != nil {
		return
	}
	j.w.Write(append(safetext.JSON(data), '\n'))
}

// Planned writes a "planned" event with the fleet and the number of changes.
func (j *EventWriter) Planned(p *plan.Plan) {
	n := len(p.Changes)
	j.emit(event{Type: "planned", Fleet: p.Fleet, Total: &n})
}

// Started writes a "started" event.
func (j *EventWriter) Started(c *plan.Change) {
	j.emit(event{Type: "started", Name: c.Name, ID: c.ID, Action: c.Action.String()})
}

// Progress writes a "progress" event.
func (j *EventWriter) Progress(ev Event) {
	j.emit(event{Type: "progress", Name: ev.Name, ID: ev.ID, Step: string(ev.Step), Status: ev.Status})
}

// Finished writes a "finished" event with the notebook's report entry.
func (j *EventWriter) Finished(e report.Entry) {
	j.emit(event{Type: "finished", Name: e.Name, Notebook: &e})
}

// Summary writes the closing "summary" event.
func (j *EventWriter) Summary(r *report.Report) {
	s := r.Summary
	in := r.Interrupted
	j.emit(event{Type: "summary", Fleet: r.Fleet, Summary: &s, Interrupted: &in})
}
