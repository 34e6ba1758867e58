#!/usr/bin/env bash
# Fuzz every Fuzz* target in the module for a bounded time each.
#
# usage: scripts/fuzz.sh FUZZTIME   (GO names the go command; default go)
#
# `go test -fuzz` fuzzes one target per run, so each target gets its own.
# A run with a duration -fuzztime can end in a bare "context deadline
# exceeded" failure that no input caused: Go's fuzzing coordinator races its
# own deadline when a worker is mid-call as the time runs out on a loaded
# machine (golang/go#75804). A real finding always writes its input under
# testdata/fuzz/<target>/ and says "Failing input written to". So a failure
# counts only when it is a real finding or anything other than that bare
# deadline; after a bare deadline the target's corpus is replayed
# deterministically, and that replay must pass.
set -euo pipefail

fuzztime=${1:?usage: scripts/fuzz.sh FUZZTIME}
go=${GO:-go}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

failed=0
while IFS=: read -r file fn; do
	name=${fn#func }
	dir=./$(dirname "$file")
	echo "== fuzz $dir $name ($fuzztime)"
	corpus() { { find "$dir/testdata/fuzz/$name" -type f 2>/dev/null || true; } | wc -l; }
	before=$(corpus)
	if "$go" test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$dir" 2>&1 | tee "$log"; then
		continue
	fi
	after=$(corpus)
	# The lines of the FAIL block other than the deadline and go test's own.
	other=$(sed -n '/^--- FAIL: /,$p' "$log" |
		grep -Ev "^--- FAIL: $name |^[[:space:]]*context deadline exceeded\$|^FAIL\$|^FAIL[[:space:]]|^exit status 1\$" || true)
	if [ "$after" = "$before" ] && [ -z "$other" ] && grep -q "^--- FAIL: $name " "$log" &&
		grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written to' "$log"; then
		echo "== $name: the fuzzing coordinator ran into its own deadline (golang/go#75804); no input failed. Replaying the corpus:"
		if "$go" test -count=1 -run "^$name\$" "$dir"; then
			continue
		fi
	fi
	failed=1
	echo "== $name FAILED" >&2
done < <(grep -rHo '^func Fuzz[A-Za-z0-9_]*' --include='*_test.go' pkg internal cmd | sort -u)
exit $failed
