#!/usr/bin/env bash
# govulncheck.sh — run govulncheck on ./... against an offline copy of the Go
# vulnerability database.
#
# vuln.go.dev is not reachable from here or from CI; the Go module proxy is.
# The proxy serves golang.org/x/vulndb, whose data/osv/ holds every report as
# OSV JSON, and whose cmd/indexdb turns such a folder into the v1 database
# layout govulncheck reads with -db file://DIR (index/db.json,
# index/modules.json, index/vulns.json, ID/GO-YYYY-NNNN.json). This script
# builds that database once per vulndb version under a cache directory, then
# runs govulncheck against it.
#
# Usage: scripts/govulncheck.sh [govulncheck flags]    (./... is appended)
#
# Environment:
#   GO               the go command (default: go)
#   VULN_VERSION     golang.org/x/vuln version providing govulncheck
#   VULNDB_VERSION   golang.org/x/vulndb version providing the data and indexdb
#   NBFLEET_VULNDB_CACHE  where the database (db/VERSION) and the govulncheck
#                    binary (bin/VERSION) are kept
#                    (default: $(go env GOCACHE)/nbfleet-vulndb)
#
# Exit status is govulncheck's: 0 no vulnerability affects the code, 3 some
# do, anything else an error (including a database that could not be built).
set -euo pipefail

GO=${GO:-go}
VULN_VERSION=${VULN_VERSION:-v1.9.0}
VULNDB_VERSION=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}

cd "$(dirname "$0")/.."
root=$PWD

say() { printf 'govulncheck.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

cache=${NBFLEET_VULNDB_CACHE:-}
if [ -z "$cache" ]; then
	gocache=$("$GO" env GOCACHE)
	if [ -z "$gocache" ] || [ "$gocache" = off ]; then
		die "GOCACHE is off; set NBFLEET_VULNDB_CACHE to a directory for the vulnerability database"
	fi
	cache=$gocache/nbfleet-vulndb
fi
db=$cache/db/$VULNDB_VERSION
# Keyed by the Go version too: govulncheck type-checks the code with the
# go/types it was built with, which must know the language version in use.
bin=$cache/bin/$VULN_VERSION-$("$GO" env GOVERSION)/govulncheck

if [ ! -f "$db/index/modules.json" ]; then
	mkdir -p "$cache/db"
	work=$(mktemp -d "$cache/.build.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	say "building the vulnerability database from golang.org/x/vulndb@$VULNDB_VERSION (once per version)"

	# Outside any module, so that nothing here touches nbfleet's go.mod.
	cd "$work"
	json=$(GOWORK=off "$GO" mod download -json "golang.org/x/vulndb@$VULNDB_VERSION") ||
		die "cannot download golang.org/x/vulndb@$VULNDB_VERSION from the module proxy ($("$GO" env GOPROXY)): $(printf '%s\n' "${json:-}" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p'); check GOPROXY and VULNDB_VERSION"
	src=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
	[ -n "$src" ] && [ -d "$src/data/osv" ] ||
		die "golang.org/x/vulndb@$VULNDB_VERSION has no data/osv folder; pick a version that does (VULNDB_VERSION)"

	GOWORK=off "$GO" run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" \
		-vulns "$src/data/osv" -out "$work/db" ||
		die "indexdb failed to build the database from $src/data/osv"
	[ -f "$work/db/index/modules.json" ] || die "indexdb wrote no index/modules.json"

	# The OSV files in x/vulndb carry zero "modified" times (the real
	# pipeline stamps them from git history), so the index says year 1.
	# Stamp the database with the vulndb commit time from the pseudo-version
	# instead: the data is exactly as of that commit.
	stamp=${VULNDB_VERSION%-*}
	stamp=${stamp##*.}
	stamp=${stamp##*-}
	if [[ $stamp =~ ^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})$ ]]; then
		m=("${BASH_REMATCH[@]}")
		printf '{"modified":"%s-%s-%sT%s:%s:%sZ"}' "${m[1]}" "${m[2]}" "${m[3]}" "${m[4]}" "${m[5]}" "${m[6]}" \
			>"$work/db/index/db.json"
		gzip -9nc "$work/db/index/db.json" >"$work/db/index/db.json.gz"
	fi

	# Appear whole or not at all; another run may have won the race.
	if [ ! -e "$db" ]; then
		mv "$work/db" "$db" || [ -f "$db/index/modules.json" ]
	fi
	# Databases of other versions are dead weight (about 40 MB each).
	for old in "$cache"/db/*; do
		[ "$old" = "$db" ] || rm -rf "$old"
	done
	cd "$root"
	rm -rf "$work"
	trap - EXIT
	say "database ready: $db"
fi

# Installed rather than "go run": go run reports every non-zero exit as 1,
# and govulncheck's 3 (vulnerabilities found) is worth keeping.
if [ ! -x "$bin" ]; then
	rm -rf "$cache/bin"
	(cd "$cache" && GOWORK=off GOBIN="$(dirname "$bin")" "$GO" install "golang.org/x/vuln/cmd/govulncheck@$VULN_VERSION") ||
		die "cannot install golang.org/x/vuln/cmd/govulncheck@$VULN_VERSION"
fi

exec "$bin" -db "file://$db" "$@" ./...
