#!/usr/bin/env bash
# Unattended apply for cron or a Kubernetes CronJob.
#   - --auto-approve: there is no terminal to confirm on;
#   - the per-fleet lock makes an overlapping run fail fast (exit 1) instead
#     of acting on the fleet twice; --lock-timeout waits a little first;
#   - --json: newline-delimited JSON events, one per line, for log shippers;
#   - one report directory per run, kept for 30 days.
# Exit codes: 0 all notebooks as declared; 1 nothing could run (bad fleet
# file, credentials, lock held); 3 finished but some notebooks failed (see
# report.md); 130 interrupted.
set -uo pipefail

fleet=${1:?usage: nbfleet-cron.sh FLEET}
nbfleet=${NBFLEET:-nbfleet}
reports=${NBFLEET_REPORTS:-/var/lib/nbfleet/reports}
run="$reports/$(date -u +%Y%m%dT%H%M%SZ)"
export NBFLEET_IN_AUTOMATION=1

mkdir -p "$run"
"$nbfleet" apply "$fleet" --auto-approve --json --lock-timeout 2m --report-dir "$run" --max-deletes 10
code=$?
case $code in
	0) echo "nbfleet: fleet converged; report in $run" >&2 ;;
	3) echo "nbfleet: some notebooks failed; see $run/report.md" >&2 ;;
	130) echo "nbfleet: interrupted; the next run finishes the job" >&2 ;;
	*) echo "nbfleet: nothing could run (exit $code)" >&2 ;;
esac
find "$reports" -mindepth 1 -maxdepth 1 -type d -mtime +30 -exec rm -rf {} + 2>/dev/null || true
exit $code
