#!/usr/bin/env bash
# Unattended apply for cron or a Kubernetes CronJob:
#   nbfleet-cron.sh FLEET [APPLY FLAGS...]
#   - --auto-approve: there is no terminal to confirm on;
#   - the per-fleet lock makes an overlapping run fail fast (exit 1) instead
#     of acting on the fleet twice; --lock-timeout waits a little first;
#   - --json: newline-delimited JSON events on stdout, one per line, for log
#     shippers; errors and this script's own lines go to stderr;
#   - one report directory per run ($NBFLEET_REPORTS/RUN), kept for 30 days,
#     and $NBFLEET_REPORTS/latest pointing at the newest.
# Credentials come from the environment; cron starts with an empty one, so
# the file $NBFLEET_ENV_FILE (default /etc/nbfleet/env, mode 0600, lines
# like "export HUAWEICLOUD_SDK_AK=…") is read first when it exists.
# Extra flags are passed to nbfleet apply (a later flag wins over the same
# flag set here). Notebooks their lease stopped are left stopped, unchanged
# (not drift): pass --restart-after-lease to start them again, or set
# restart_after_lease: true in the fleet file.
# Exit codes: 0 all notebooks as declared; 1 nothing could run (bad fleet
# file, credentials, lock held, --max-deletes exceeded); 3 finished but
# some notebooks failed (see report.md); 130 interrupted.
set -uo pipefail

fleet=${1:?usage: nbfleet-cron.sh FLEET [APPLY FLAGS...]}
shift
env_file=${NBFLEET_ENV_FILE:-/etc/nbfleet/env}
if [ -r "$env_file" ]; then
	# shellcheck disable=SC1090
	. "$env_file"
fi
nbfleet=${NBFLEET:-nbfleet}
reports=${NBFLEET_REPORTS:-/var/lib/nbfleet/reports}
# The process id keeps two runs started in the same second apart.
run="$reports/$(date -u +%Y%m%dT%H%M%SZ)-$$"
export NBFLEET_IN_AUTOMATION=1

mkdir -p "$run" || exit 1
"$nbfleet" apply "$fleet" --auto-approve --json --lock-timeout 2m --report-dir "$run" --max-deletes 10 "$@"
code=$?
case $code in
	0) echo "nbfleet-cron: fleet converged; report in $run" >&2 ;;
	3) echo "nbfleet-cron: some notebooks failed; see $run/report.md" >&2 ;;
	130) echo "nbfleet-cron: interrupted; the next run finishes the job" >&2 ;;
	*) echo "nbfleet-cron: nothing could run (exit $code); see the error above" >&2 ;;
esac
if [ -f "$run/report.json" ]; then
	ln -sfn "$(basename "$run")" "$reports/latest"
else
	rmdir "$run" 2>/dev/null
fi
find "$reports" -mindepth 1 -maxdepth 1 -type d -mtime +30 -exec rm -rf {} + 2>/dev/null || true
exit $code
