package plan

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/nbfleet/nbfleet/internal/safetext"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// jsonPlan is the document WriteJSON writes: close to Terraform's
// `terraform show -json` resource_changes, so jq habits carry over.
type jsonPlan struct {
	FormatVersion   int          `json:"format_version"`
	Fleet           string       `json:"fleet"`
	Cloud           string       `json:"cloud,omitempty"`
	Region          string       `json:"region,omitempty"`
	ProjectID       string       `json:"project_id,omitempty"`
	ResourceChanges []jsonChange `json:"resource_changes"`
	Summary         Summary      `json:"summary"`
	HasChanges      bool         `json:"has_changes"`
	Notes           []string     `json:"notes,omitempty"`
}

type jsonChange struct {
	Name         string            `json:"name"`
	Action       Action            `json:"action"`
	Reason       string            `json:"reason"`
	ID           string            `json:"id,omitempty"`
	IDs          []string          `json:"ids,omitempty"`
	Before       map[string]any    `json:"before"`
	After        map[string]any    `json:"after"`
	Fields       []FieldChange     `json:"fields,omitempty"`
	Steps        []Step            `json:"steps,omitempty"`
	Notebook     *spec.Notebook    `json:"notebook,omitempty"`
	DestroysData bool              `json:"destroys_data,omitempty"`
	Protected    bool              `json:"protected,omitempty"`
	WantStatus   string            `json:"want_status,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Note         string            `json:"note,omitempty"`
}

// WriteJSON writes the plan as one indented JSON document:
//
//	{"format_version": 2, "fleet": …, "cloud", "region", "project_id",
//	 "resource_changes": [{"name", "action",
//	 "reason", "id", "ids", "before", "after", "fields", "steps", "notebook",
//	 "destroys_data", "protected", "want_status", "labels", "note"}],
//	 "summary": {"create": …, …},
//	 "has_changes": …, "notes": […]}
//
// Every change is listed, no-ops included. before and after map the changed
// field paths to their values; a create has before null and after the
// notebook it creates; a delete has before {"name", "id"} and after null.
// notebook is the declared notebook as the steps send it, in the form
// `nbfleet expand` prints; labels are the declared notebook's (never
// sent); note says what else people should know (a notebook its lease
// stopped).
func WriteJSON(w io.Writer, p *Plan) error {
	doc := jsonPlan{
		FormatVersion:   FormatVersion,
		Fleet:           p.Fleet,
		Cloud:           p.Cloud,
		Region:          p.Region,
		ProjectID:       p.ProjectID,
		ResourceChanges: make([]jsonChange, 0, len(p.Changes)),
		Summary:         p.Summary(),
		HasChanges:      p.HasChanges(),
		Notes:           p.Notes,
	}
	for _, c := range p.Changes {
		jc := jsonChange{
			Name: c.Name, Action: c.Action, Reason: c.Reason, ID: c.ID, IDs: c.IDs,
			Fields: c.Fields, Steps: c.Steps, Notebook: c.Notebook, DestroysData: c.DestroysData,
			Protected: c.Protected, WantStatus: c.WantStatus, Labels: c.Labels, Note: c.Note,
		}
		switch c.Action {
		case Create:
			jc.After = createAfter(c)
		case Delete:
			jc.Before = map[string]any{"name": c.Name, "id": c.ID}
		default:
			if len(c.Fields) > 0 {
				jc.Before, jc.After = map[string]any{}, map[string]any{}
				for _, f := range c.Fields {
					jc.Before[f.Path] = f.Before
					jc.After[f.Path] = f.After
				}
			}
		}
		doc.ResourceChanges = append(doc.ResourceChanges, jc)
	}
	// Names, reasons and live values are cloud text: characters a
	// terminal could act on are written as \u escapes (safetext.JSON).
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(safetext.JSON(b.Bytes()))
	return err
}

// createAfter is the notebook a create change creates, as plain JSON.
func createAfter(c Change) map[string]any {
	if c.Notebook == nil {
		return nil
	}
	b, err := json.Marshal(c.Notebook)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}
