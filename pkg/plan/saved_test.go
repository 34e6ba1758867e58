package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

var planTime = time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)

func savedFixture(t *testing.T) (path string, f *spec.Fleet, l []modelarts.Notebook, p *Plan) {
	t.Helper()
	f, l, p = everyAction()
	dir := t.TempDir()
	path = filepath.Join(dir, "plan.nbplan")
	meta := Meta{CreatedAt: planTime, FleetFile: filepath.Join(dir, "fleets", "ml101.yaml"), FleetFingerprint: FleetFingerprint(f), Target: f.Target, Live: l}
	if err := Save(path, p, meta); err != nil {
		t.Fatal(err)
	}
	return path, f, l, p
}

func TestSavedRoundTrip(t *testing.T) {
	path, f, l, p := savedFixture(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	for _, secret := range []string{"SECRET", "tok-"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("saved plan contains %q", secret)
		}
	}
	if bytes.Contains(raw, []byte("someone-else")) {
		t.Error("saved plan records a notebook the plan does not name")
	}
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != SavedKind || s.FormatVersion != FormatVersion || !s.CreatedAt.Equal(planTime) || s.Fleet != "ml101" ||
		s.FleetFile != "fleets/ml101.yaml" || s.Target.ProjectID != "p1" || s.Applied() {
		t.Errorf("header = %+v", s)
	}
	// The plan reads back the same, up to JSON numbers.
	var want, got bytes.Buffer
	WriteJSON(&want, p)
	WriteJSON(&got, s.Plan)
	if want.String() != got.String() {
		t.Errorf("plan changed in the round trip:\nwant %s\ngot  %s", want.String(), got.String())
	}
	for i := range p.Changes {
		for j, st := range p.Changes[i].Steps {
			g := s.Plan.Changes[i].Steps[j]
			if st.Create != nil && (g.Create == nil || g.Create.Name != st.Create.Name || g.Create.Lease == nil) {
				t.Errorf("%s: create step lost: %+v", p.Changes[i].Name, g)
			}
		}
	}
	if err := s.CheckFresh(FleetFingerprint(f), l); err != nil {
		t.Errorf("CheckFresh on unchanged state: %v", err)
	}
}

func TestSavedStale(t *testing.T) {
	path, f, l, _ := savedFixture(t)
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	fp := FleetFingerprint(f)
	mod := func(fn func([]modelarts.Notebook) []modelarts.Notebook) []modelarts.Notebook {
		c := append([]modelarts.Notebook(nil), l...)
		return fn(c)
	}
	tests := []struct {
		name string
		fp   string
		live []modelarts.Notebook
		want []string
	}{
		{"fleet file", "sha256:other", l, []string{"fleets/ml101.yaml changed"}},
		{"status", fp, mod(func(c []modelarts.Notebook) []modelarts.Notebook {
			c[0].Status = modelarts.StatusStopped
			return c
		}), []string{"notebook ml101-bob (id-bob) changed status RUNNING→STOPPED"}},
		{"fields", fp, mod(func(c []modelarts.Notebook) []modelarts.Notebook {
			c[0].Flavor = "x"
			return c
		}), []string{"notebook ml101-bob (id-bob) was modified"}},
		{"update_at", fp, mod(func(c []modelarts.Notebook) []modelarts.Notebook {
			c[1].UpdateAt++
			return c
		}), []string{"notebook ml101-carol (id-carol) was modified"}},
		{"gone", fp, mod(func(c []modelarts.Notebook) []modelarts.Notebook { return c[1:] }),
			[]string{"notebook ml101-bob (id-bob) is gone"}},
		{"appeared", fp, append(append([]modelarts.Notebook(nil), l...), live("ml101-alice", "id-alice", unmarked)),
			[]string{"a new notebook ml101-alice (id-alice) appeared"}},
		{"several", "sha256:other", mod(func(c []modelarts.Notebook) []modelarts.Notebook {
			c[0].Status = modelarts.StatusStopped
			return c[:len(c)-3]
		}), []string{"fleet file", "RUNNING→STOPPED", "ml101-heidi (id-heidi) is gone", "ml101-old (id-old) is gone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CheckFresh(tt.fp, tt.live)
			if !errors.Is(err, ErrStale) {
				t.Fatalf("CheckFresh = %v, want ErrStale", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// A foreign notebook the plan does not name may come and go.
	other := append(append([]modelarts.Notebook(nil), l...), live("unrelated", "id-u", unmarked))
	if err := s.CheckFresh(fp, other); err != nil {
		t.Errorf("CheckFresh with an unrelated new notebook: %v", err)
	}
}

// TestClaim: a claim marks the plan applied on disk, once; a second claim
// of the same plan, or of a file changed since it was read, is refused.
func TestClaim(t *testing.T) {
	path, _, _, _ := savedFixture(t)
	first, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := planTime.Add(time.Hour)
	if err := first.Claim(at); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Applied() || !s.AppliedAt.Equal(at) || !first.Applied() {
		t.Errorf("AppliedAt = %v", s.AppliedAt)
	}
	if err := second.Claim(at); !errors.Is(err, ErrApplied) {
		t.Errorf("a second claim of one plan: %v, want ErrApplied", err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode after Claim = %v", st.Mode().Perm())
	}

	// A plan rewritten between reading and claiming is not claimed.
	path2, f, l, p := savedFixture(t)
	old, err := Open(path2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(path2, p, Meta{CreatedAt: planTime.Add(time.Minute), FleetFingerprint: FleetFingerprint(f), Target: f.Target, Live: l}); err != nil {
		t.Fatal(err)
	}
	if err := old.Claim(at); err == nil || !strings.Contains(err.Error(), "changed since it was read") {
		t.Errorf("claim of a rewritten plan: %v", err)
	}
}

// TestSavedFleetPath: the fleet file is found from the saved plan's
// directory, whatever the working directory when it was saved or applied.
func TestSavedFleetPath(t *testing.T) {
	dir := t.TempDir()
	f, l, p := everyAction()
	path := filepath.Join(dir, "plans", "p.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	fleetFile := filepath.Join(dir, "fleets", "ml101.yaml")
	if err := Save(path, p, Meta{CreatedAt: planTime, FleetFile: fleetFile, FleetFingerprint: FleetFingerprint(f), Target: f.Target, Live: l}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.FleetFile != "../fleets/ml101.yaml" {
		t.Errorf("fleet_file = %q, want it relative to the plan's directory", s.FleetFile)
	}
	if got := s.FleetPath(); got != fleetFile {
		t.Errorf("FleetPath() = %q, want %q", got, fleetFile)
	}
}

func TestOpenCorrupt(t *testing.T) {
	path, _, _, _ := savedFixture(t)
	good, _ := os.ReadFile(path)
	edit := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("fixture lacks %q", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	var generic map[string]any
	json.Unmarshal(good, &generic)
	delete(generic, "applied_at")
	generic["extra"] = 1
	extra, _ := json.Marshal(generic)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a valid saved plan"},
		{"not json", []byte("hello"), "not a valid saved plan"},
		{"truncated", good[:len(good)/2], "not a valid saved plan"},
		{"wrong kind", []byte(`{"format_version":2,"kind":"report"}`), "kind is \"report\""},
		{"future version", edit(`"format_version": 2,`, `"format_version": 9,`), "format_version 9 is not 2"},
		{"version 1", edit(`"format_version": 2,`, `"format_version": "1",`), "format_version 1 is not 2"},
		{"hand-edited action", edit(`"action": "delete"`, `"action": "no-op"`), "checksum does not match"},
		{"hand-edited id", edit(`"id-old"`, `"id-xxx"`), "checksum does not match"},
		{"bad checksum", edit(`"checksum": "sha256:`, `"checksum": "sha256:0`), "checksum does not match"},
		{"unknown field", extra, "not a valid saved plan"},
		{"unknown action", edit(`"action": "delete"`, `"action": "explode"`), "not a valid saved plan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "p.json")
			os.WriteFile(p, tt.data, 0o600)
			_, err := Open(p, nil)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %q lacks %q or the path", err, tt.want)
			}
		})
	}
	// A create without the notebook it sends, checksum and all.
	bare := filepath.Join(t.TempDir(), "bare.json")
	if err := Save(bare, &Plan{FormatVersion: FormatVersion, Fleet: "ml101", Changes: []Change{{Name: "a", Action: Create, Steps: []Step{{Op: StepCreate}}}}}, Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bare, nil); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "create without a notebook") {
		t.Errorf("Open of a create without its notebook = %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing"), nil); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("Open of a missing file = %v", err)
	}
}

// TestSignedPlans: a plan saved with a key opens only with that key; an
// edit with the checksum recomputed (as anyone can, with sha256sum) is
// refused, whether it keeps a signature or swaps it for a plain digest.
// Without a key a plain checksum still opens: it detects damage only.
func TestSignedPlans(t *testing.T) {
	key := []byte("0123456789abcdef-user-key")
	other := []byte("another-key-of-16+bytes")
	f, l, p := everyAction()
	dir := t.TempDir()
	path := filepath.Join(dir, "signed.json")
	if err := Save(path, p, Meta{CreatedAt: planTime, FleetFingerprint: FleetFingerprint(f), Live: l, Key: key}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, key)
	if err != nil || !s.Signed() || !strings.HasPrefix(s.Checksum, "hmac-sha256:") {
		t.Fatalf("Open with the key: %v (signed %v)", err, s != nil && s.Signed())
	}
	// Claim keeps it signed: it opens again with the key.
	if err := s.Claim(planTime); err != nil {
		t.Fatal(err)
	}
	if s2, err := Open(path, key); err != nil || !s2.Applied() || !s2.Signed() {
		t.Fatalf("after Claim: %v", err)
	}
	if err := Save(path, p, Meta{CreatedAt: planTime, FleetFingerprint: FleetFingerprint(f), Live: l, Key: key}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)

	// resign rewrites the plan's body with an edit and a checksum made as
	// an attacker can: a digest, or an HMAC under a key of their own.
	resign := func(edit func(*Saved), sign func(body []byte) string) string {
		var doc Saved
		dec := json.NewDecoder(bytes.NewReader(good))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		edit(&doc)
		doc.Checksum = ""
		body, _ := json.Marshal(&doc)
		doc.Checksum = sign(body)
		out, _ := json.MarshalIndent(&doc, "", "  ")
		p := filepath.Join(t.TempDir(), "edited.json")
		os.WriteFile(p, out, 0o600)
		return p
	}
	prune := func(s *Saved) {
		for i := range s.Plan.Changes {
			if s.Plan.Changes[i].Action == Delete {
				s.Plan.Changes[i].ID = "someone-elses-notebook"
			}
		}
	}
	digest := resign(prune, func(b []byte) string { return checksum(b) })
	mine := resign(prune, func(b []byte) string { return sum(b, other) })
	for _, tc := range []struct {
		name string
		path string
		key  []byte
		want error
		says string
	}{
		{"signed, no key", path, nil, ErrKey, "the plan is signed, and NBFLEET_PLAN_KEY is not set"},
		{"signed, another key", path, other, ErrCorrupt, "the signature does not match"},
		{"edited, digest recomputed, key set", digest, key, ErrKey, "the plan carries no signature, and NBFLEET_PLAN_KEY is set"},
		{"edited, signed with the attacker's key", mine, key, ErrCorrupt, "the signature does not match"},
		{"short key", path, []byte("short"), nil, "the signing key is 5 bytes; use at least 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.path, tc.key)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Open = %v, want %v saying %q", err, tc.want, tc.says)
			}
		})
	}
	// Without a key, a plain checksum is all there is: the edited plan
	// opens. The executor's ownership check is what keeps it from touching
	// a stranger's notebook (package execute, TestOwnershipRechecked).
	if _, err := Open(digest, nil); err != nil {
		t.Errorf("an unsigned plan without a key: %v", err)
	}
	if err := Save(filepath.Join(dir, "x.json"), p, Meta{Key: []byte("short")}); err == nil {
		t.Error("Save accepted a 5-byte key")
	}
}

func TestFleetFingerprint(t *testing.T) {
	a := fleet(nb("a"), nb("b"))
	b := fleet(nb("a"), nb("b"))
	b.Notebooks[0].Origin = spec.Origin{File: "other.yaml", Line: 99}
	b.File = "elsewhere.yaml"
	if FleetFingerprint(a) != FleetFingerprint(b) {
		t.Error("fingerprint depends on origins or the file path")
	}
	b.Notebooks[1].Flavor = "big"
	if FleetFingerprint(a) == FleetFingerprint(b) {
		t.Error("fingerprint ignores a flavor change")
	}
	if a.Notebooks[0].Origin.Line != 10 {
		t.Error("FleetFingerprint modified the fleet")
	}
}

func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	fl, l, p := everyAction()
	good := filepath.Join(dir, "good.json")
	if err := Save(good, p, Meta{CreatedAt: planTime, FleetFingerprint: FleetFingerprint(fl), Live: l}); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	f.Add(b)
	f.Add([]byte(`{"format_version":2,"kind":"nbfleet-plan"}`))
	f.Add([]byte(`{"format_version":2,"kind":"nbfleet-plan","plan":{"changes":[{"action":"create","steps":[{"op":"create"}]}]}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "p.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path, nil)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrKey) {
				t.Fatalf("Open error does not wrap ErrCorrupt or ErrKey: %v", err)
			}
			return
		}
		// Whatever opens must be self-consistent and usable.
		if s.Plan == nil {
			t.Fatal("Open returned no plan")
		}
		if !bytes.Equal(data, b) && !strings.Contains(string(data), s.Checksum) {
			t.Fatalf("opened a document whose checksum is not in it")
		}
		var out bytes.Buffer
		WriteText(&out, s.Plan, TextOptions{})
		WriteJSON(&out, s.Plan)
		WriteMarkdown(&out, s.Plan, MarkdownOptions{})
		s.CheckFresh("", nil)
	})
}
