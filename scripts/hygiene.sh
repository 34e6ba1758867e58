#!/usr/bin/env bash
# hygiene.sh — keep build outputs and test debris out of the repository.
#
# Fails when a tracked file outside a testdata/ directory is larger than
# 1 MiB (a committed binary, a coverage profile, a dump), or when a tracked
# file is a rapid failure record (testdata/rapid/…: rapid writes one for
# every failing property run; the seed belongs in the test, not the tree).
#
# Usage: scripts/hygiene.sh        (from anywhere inside the repository)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
limit=$((1024 * 1024))
bad=0
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue # deleted in the work tree, not yet committed
	case "/$f" in
	*/testdata/rapid/*)
		echo "hygiene: $f is a rapid failure record; delete it (testdata/rapid/ is ignored)" >&2
		bad=1
		continue
		;;
	*/testdata/*) continue ;;
	esac
	size=$(wc -c <"$f")
	if [ "$size" -gt "$limit" ]; then
		echo "hygiene: $f is $size bytes, over 1 MiB: build outputs and data dumps do not belong in the repository" >&2
		bad=1
	fi
done < <(git ls-files -z)
exit $bad
