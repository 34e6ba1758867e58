#!/usr/bin/env bash
# make demo: the main job against the built-in emulator, on a fresh machine.
# build → start `nbfleet emulator` on a free loopback port → validate → plan →
# apply → status → reports → stop the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=./bin/nbfleet
fleet=examples/fleets/classroom.yaml
work=.demo
rm -rf "$work"
mkdir -p "$work"

# Bold headings only on a terminal that shows them: `make demo > file`
# writes no escape codes (NO_COLOR and TERM=dumb honoured too).
bold='' reset=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	bold=$'\033[1m' reset=$'\033[0m'
fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$reset"; }

# The emulator's documented demo credentials (not a secret: they only open the emulator).
export HUAWEICLOUD_SDK_AK=NBFLEETDEMOAK000000000
export HUAWEICLOUD_SDK_SK=nbfleet-demo-secret-key-not-a-real-secret
export HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef
# Saved plans are signed with a key the user holds, as a pipeline should
# (docs/plans-and-apply.md#saved-plans); a demo key, like the credentials.
export NBFLEET_PLAN_KEY=nbfleet-demo-plan-key-not-a-secret
# On a terminal apply draws its live view on stderr; redirected, or in CI,
# it writes log lines.

step "start the emulator (create takes ~3 s, some faults injected)"
"$bin" emulator --listen 127.0.0.1:0 --project-id "$HUAWEICLOUD_SDK_PROJECT_ID" \
	--ak "$HUAWEICLOUD_SDK_AK" --sk "$HUAWEICLOUD_SDK_SK" \
	--latency 40ms --jitter 30ms --create-time 3s --start-time 2s --stop-time 1s --delete-time 1s \
	--rate-limit 50 --faults "500=0.02,503=0.02,lost-create=0.03,create-failed=0.05" --seed 7 \
	--log warn >"$work/emulator.out" 2>"$work/emulator.log" &
emu=$!
trap 'kill "$emu" 2>/dev/null || true; wait "$emu" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
	grep -q 'listening on' "$work/emulator.out" 2>/dev/null && break
	kill -0 "$emu" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
	sleep 0.1
done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/emulator.out")
[ -n "$url" ] || { echo "demo: the emulator did not start" >&2; cat "$work/emulator.log" >&2; exit 1; }
export NBFLEET_ENDPOINT=$url NBFLEET_IAM_ENDPOINT=$url/v3
echo "emulator at $url"

step "nbfleet validate $fleet"
"$bin" validate "$fleet"

step "nbfleet plan $fleet --out $work/plan.json"
"$bin" plan "$fleet" --out "$work/plan.json"

step "nbfleet apply $work/plan.json"
rc=0
"$bin" apply "$work/plan.json" --report-dir "$work/report" --poll-interval 500ms || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then exit "$rc"; fi

if [ "$rc" -eq 3 ]; then
	step "some notebooks failed (injected faults): apply again converges"
	"$bin" apply "$fleet" --auto-approve --report-dir "$work/report" --poll-interval 500ms
fi

step "nbfleet status $fleet   (what an instructor mails out)"
"$bin" status "$fleet"

step "nbfleet plan $fleet   (nothing left to do)"
"$bin" plan "$fleet" --detailed-exitcode

step "reports"
ls -l "$work/report"
echo
echo "demo finished: reports in $work/report (report.json, report.csv, report.md, report.html: open it in a browser)"
