package spec

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMarker(t *testing.T) {
	hooks := &Hooks{PreStart: &Hook{Script: "ZWNobyBoaQ==", Type: "COMMAND"}}
	d := HooksDigest(hooks)
	if len(d) != HooksDigestLen || strings.Trim(d, "0123456789abcdef") != "" {
		t.Fatalf("digest %q", d)
	}
	for _, tc := range []struct {
		name  string
		h     *Hooks
		equal bool
	}{
		{"same hooks", &Hooks{PreStart: &Hook{Script: "ZWNobyBoaQ==", Type: "command"}}, true},
		{"other script", &Hooks{PreStart: &Hook{Script: "ZWNobyBobw==", Type: "COMMAND"}}, false},
		{"other hook", &Hooks{PostStart: &Hook{Script: "ZWNobyBoaQ==", Type: "COMMAND"}}, false},
		{"other type", &Hooks{PreStart: &Hook{Script: "ZWNobyBoaQ==", Type: "SCRIPT"}}, false},
	} {
		if got := HooksDigest(tc.h) == d; got != tc.equal {
			t.Errorf("%s: same digest %v, want %v", tc.name, got, tc.equal)
		}
	}
	if HooksDigest(nil) != "" || HooksDigest(&Hooks{}) != "" {
		t.Error("no hooks must have no digest")
	}
	if HooksDigest(&Hooks{PostStart: &Hook{Script: "/x.sh"}}) != HooksDigest(&Hooks{PostStart: &Hook{Script: "/x.sh", Type: "SCRIPT"}}) {
		t.Error("an empty hook type is SCRIPT")
	}

	for _, tc := range []struct {
		desc, user, fleet, digest string
		ok                        bool
	}{
		{"intro [nbfleet:ml101]", "intro", "ml101", "", true},
		{"[nbfleet:ml101]", "", "ml101", "", true},
		{"intro [nbfleet:ml101 h=" + d + "]", "intro", "ml101", d, true},
		{"[nbfleet:ml101 h=" + d + "]", "", "ml101", d, true},
		{"intro [nbfleet:ml101 h=XYZ]", "", "", "", false},
		{"intro [nbfleet:ml101 x=1]", "", "", "", false},
		{"intro [nbfleet:]", "", "", "", false},
		{"intro [nbfleet:ml101] trailing", "", "", "", false},
		{"no marker", "", "", "", false},
	} {
		user, fleet, digest, ok := ParseMarker(tc.desc)
		if ok != tc.ok || ok && (user != tc.user || fleet != tc.fleet || digest != tc.digest) {
			t.Errorf("ParseMarker(%q) = %q %q %q %v", tc.desc, user, fleet, digest, ok)
		}
	}

	// Round trip, the API's forbidden characters, and the room.
	fleet := strings.Repeat("f", 64)
	nb := &Notebook{Description: strings.Repeat("d", DescriptionRoom(fleet)), Hooks: hooks}
	full := MarkedDescription(fleet, nb)
	if n := utf8.RuneCountInString(full); n != MaxDescription {
		t.Errorf("longest description with the longest marker: %d characters, want %d", n, MaxDescription)
	}
	if strings.ContainsAny(Marker(fleet, d), `&<>"'/`) {
		t.Errorf("marker %q has a character the API forbids", Marker(fleet, d))
	}
	if user, f, digest, ok := ParseMarker(full); !ok || user != nb.Description || f != fleet || digest != d {
		t.Errorf("round trip: %q %q %q %v", user, f, digest, ok)
	}
	if got := MarkedDescription("ml101", &Notebook{}); got != "[nbfleet:ml101]" {
		t.Errorf("no description, no hooks: %q", got)
	}
}
