package execute_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/execute/executetest"
)

// TestEventWriter pins the events of a run (--json).
func TestEventWriter(t *testing.T) {
	var b bytes.Buffer
	executetest.Script(execute.NewEventWriter(&b, executetest.StepClock()))
	golden.Check(t, filepath.Join("testdata", "events.golden"), b.Bytes())
}

func TestEventWriterTypes(t *testing.T) {
	var b bytes.Buffer
	executetest.Script(execute.NewEventWriter(&b, executetest.StepClock()))
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var ev struct {
			Type string    `json:"type"`
			Time time.Time `json:"time"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if ev.Time.IsZero() {
			t.Errorf("event without a time: %s", line)
		}
		if len(types) == 0 || types[len(types)-1] != ev.Type {
			types = append(types, ev.Type)
		}
	}
	want := []string{"planned", "finished", "started", "progress", "finished", "progress", "finished", "summary"}
	if d := cmp.Diff(want, types); d != "" {
		t.Errorf("event types (-want +got):\n%s", d)
	}
}
