package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/golden"
)

// sampleHandout is a class: students with an address, one stopped, one
// not created yet, one with a label named like a fixed column.
func sampleHandout() *Handout {
	return &Handout{
		Title:  "ml101-fall",
		At:     time.Date(2026, 9, 1, 17, 30, 0, 0, time.UTC),
		Labels: []string{"student", "email"},
		Rows: []HandoutRow{
			{Labels: map[string]string{"student": "Alice Ng", "email": "alice@example.edu"}, Name: "ml101-alice",
				Status: "RUNNING", URL: "https://authoring-modelarts-cnnorth4.huaweicloud.com/6b9f3c1e-0d4a-4f2b-9e7c-2a1d5c8e4b70/lab"},
			{Labels: map[string]string{"student": "Zoë O'Brien", "email": "=zoe@example.edu"}, Name: "ml101-zoe-obrien",
				Status: "RUNNING", URL: "https://authoring-modelarts-cnnorth4.huaweicloud.com/0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b/lab?tab=files&lang=en"},
			{Labels: map[string]string{"student": "Bob Stopped"}, Name: "ml101-bob", Status: "STOPPED"},
			{Labels: map[string]string{"student": "Carol 张", "email": "carol@example.edu"}, Name: "ml101-carol"},
		},
	}
}

// classHandout is n students with an address each.
func classHandout(n int) *Handout {
	h := &Handout{Title: "ml101-fall", Labels: []string{"student", "email"}}
	for i := range n {
		h.Rows = append(h.Rows, HandoutRow{
			Labels: map[string]string{"student": fmt.Sprintf("Student %02d Lastname", i+1), "email": fmt.Sprintf("s%02d@example.edu", i+1)},
			Name:   fmt.Sprintf("ml101-s%03d", i+1), Status: "RUNNING",
			URL: fmt.Sprintf("https://authoring-modelarts-cnnorth4.huaweicloud.com/%08x-0d4a-4f2b-9e7c-2a1d5c8e%04x/lab", 0x6b9f3c1e+i*7919, i),
		})
	}
	return h
}

func TestWriteHandoutGolden(t *testing.T) {
	empty := &Handout{Title: "empty"}
	for name, h := range map[string]*Handout{"handout": sampleHandout(), "handout-empty": empty} {
		t.Run(name, func(t *testing.T) {
			var c, p, again bytes.Buffer
			if err := WriteHandoutCSV(&c, h); err != nil {
				t.Fatal(err)
			}
			if err := WriteHandoutHTML(&p, h); err != nil {
				t.Fatal(err)
			}
			if err := WriteHandoutHTML(&again, h); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p.Bytes(), again.Bytes()) {
				t.Fatal("two writes of one hand-out differ")
			}
			golden.Check(t, filepath.Join("testdata", name+".csv"), c.Bytes())
			golden.Check(t, filepath.Join("testdata", name+".html"), p.Bytes())
		})
	}
}

func writeHandout(t testing.TB, h *Handout) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHandoutHTML(&b, h); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestHandoutCards(t *testing.T) {
	page := writeHandout(t, sampleHandout())
	if n := strings.Count(page, `<article class="card"`); n != 4 {
		t.Errorf("%d cards, want 4", n)
	}
	if n := strings.Count(page, `<svg class="qr"`); n != 2 {
		t.Errorf("%d QR codes, want 2", n)
	}
	for _, s := range []string{
		`No address yet: this notebook is STOPPED.`,
		`No address: this notebook does not exist yet.`,
		`lab?tab=files&amp;lang=en</a>`, // in full
		`<dd>Zoë O&#39;Brien</dd>`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if strings.Contains(page, "…") {
		t.Error("page cuts something with an ellipsis")
	}
}

// TestHandoutNote: a card whose notebook must not be handed out says why,
// in the maker's words (inert); a note is shown only on a card without an
// address.
func TestHandoutNote(t *testing.T) {
	page := writeHandout(t, &Handout{Rows: []HandoutRow{
		{Name: "ml101-s005", Status: "CONFLICT", Note: "Another notebook has this name: ask your instructor\x1b[2J."},
		{Name: "ml101-s006", Status: "RUNNING", URL: "https://x.example/lab", Note: "ignored"},
	}})
	if !strings.Contains(page, `<p class="missing">Another notebook has this name: ask your instructor\x1b[2J.</p>`) {
		t.Errorf("the note is not shown, inert, on the card:\n%s", page)
	}
	if strings.Contains(page, "ignored") || strings.Count(page, `<svg class="qr"`) != 1 {
		t.Error("a note showed on a card with an address")
	}
}
