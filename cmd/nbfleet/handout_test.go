package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/internal/browsertest"
	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// TestHandoutInChromium runs the real `nbfleet apply` and `nbfleet
// handout` on the spreadsheet-exported example roster against the
// emulator, then opens the handout.html the command wrote in headless
// Chromium: each card holds its student's label, the full URL of that
// student's own notebook as text and link, and a QR code that decodes to
// it; the student whose name another fleet holds and the one not created
// yet get no URL and no code. The screenshot and the printed PDF are kept
// in $NBFLEET_SCREENSHOT_DIR (CI artifacts).
func TestHandoutInChromium(t *testing.T) {
	bin := browsertest.Find(t)
	srv, err := emulator.New(testEmulatorOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	for _, f := range []string{"ds200.yaml", "ds200-roster.csv"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, "examples", "fleets", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fleet := filepath.Join(dir, "ds200.yaml")
	nbfleet := func(args ...string) {
		t.Helper()
		e, out, errb := cliEnv(t, srv, nil)
		if code := run(args, e); code != exitOK {
			t.Fatalf("nbfleet %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errb)
		}
	}
	nbfleet("apply", fleet, "--auto-approve", "--poll-interval", "20ms", "--report-dir", filepath.Join(dir, "report"))
	roster, err := os.OpenFile(filepath.Join(dir, "ds200-roster.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	roster.WriteString("1006;Ada;Brandt;ada.brandt@students.example.edu;\r\n1007;Ben;Castell;ben@students.example.edu;\r\n")
	roster.Close()
	if _, err := srv.Seed("", emulator.SeedNotebook{Name: "ds200-1006-brandt", Description: "theirs " + spec.OwnerMarker("physics")}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "handout")
	nbfleet("handout", fleet, "--out", out)

	f, err := os.Open(filepath.Join(out, "handout.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 8 || strings.Join(rows[0], ",") != "student,email,name,status,url" {
		t.Fatalf("handout.csv: %v %q", err, rows)
	}
	live := map[string]string{} // name → URL of the fleet's notebook
	for _, nb := range srv.Notebooks("") {
		if owner, _ := plan.Owner(nb.Description); owner == "ds200" {
			live[nb.Name] = nb.URL
		}
	}

	b := browsertest.Start(t, bin)
	b.Media("screen")
	b.Open("file://"+filepath.Join(out, "handout.html"), 1280, 900)
	var height float64
	b.Eval(`document.documentElement.scrollHeight`, &height)
	browsertest.KeepArtifact(t, "handout-cli.png", b.Screenshot(browsertest.Rect{Width: 1280, Height: height}, 1))
	cards := b.Cards()
	if len(cards) != len(rows)-1 {
		t.Fatalf("%d cards for %d students", len(cards), len(rows)-1)
	}
	withURL := 0
	for i, c := range cards {
		student, email, name, url := rows[i+1][0], rows[i+1][1], rows[i+1][2], rows[i+1][4]
		if !slices.Contains(c.Labels, student) || !slices.Contains(c.Labels, email) || !strings.Contains(c.Text, name) {
			t.Errorf("card %d: labels %q, text %q; want %s <%s> of %s", i+1, c.Labels, c.Text, student, email, name)
		}
		if url == "" {
			if c.QR != nil || c.Href != "" || live[name] != "" && strings.Contains(c.Text, live[name]) {
				t.Errorf("card %d (%s) has an address or a QR code: %+v", i+1, name, c)
			}
			continue
		}
		withURL++
		if url != live[name] {
			t.Errorf("%s is handed %s, its notebook is at %s", name, url, live[name])
		}
		if c.Href != url || c.URL != url || !strings.Contains(c.Text, url) {
			t.Errorf("card %d (%s): link %q, text %q, want the full URL %s", i+1, name, c.Href, c.URL, url)
		}
		got, shot, err := b.HandoutQR(c)
		if err != nil || got != url {
			t.Errorf("card %d (%s): QR code decodes to %q (%v), want %s", i+1, name, got, err, url)
			browsertest.KeepArtifact(t, "handout-cli-qr-failed-"+c.ID+".png", shot)
		}
	}
	if withURL != 5 {
		t.Errorf("%d cards with an address, want the 5 created", withURL)
	}
	b.Media("print")
	browsertest.KeepArtifact(t, "handout-cli.pdf", b.PrintPDF())
}
