#!/bin/sh
# bench/audit.sh — the patch audit: this machine's own package list (/var/lib/dpkg/status)
# against BENCH_AUDIT_RECORDS synthetic OSV records (default 100,000; bench/audit-gen.py says
# what they hold), end to end:
#
#     vigia audit packages --osv bench/data/osv-100000.json --json > /dev/null
#
# that is reading and parsing the status file and the 100,000 JSON records, scoring their
# CVSS vectors, sorting, matching with dpkg's version order and writing the JSON report.
# Best wall time of BENCH_RUNS runs (default 3) with its CPU time and the peak memory
# (bench/measure.py).  Target (issue 10): under 1 s.
#
#     sh bench/audit.sh [path/to/vigia]
set -eu
VIGIA=${1:-build/vigia}
here=$(cd "$(dirname "$0")" && pwd)
n=${BENCH_AUDIT_RECORDS:-100000}
runs=${BENCH_RUNS:-3}
status=${BENCH_AUDIT_STATUS:-/var/lib/dpkg/status}
data=$here/data
mkdir -p "$data"
osv=$data/osv-$n.json
if [ ! -s "$osv" ] || [ "$here/audit-gen.py" -nt "$osv" ]; then
	python3 "$here/audit-gen.py" "$status" "$n" "$osv"
fi
pkgs=$(grep -c '^Package:' "$status")
set -- $(python3 "$here/measure.py" "$runs" "$data/audit.json" "$data/audit.err" -- \
	"$VIGIA" audit packages --status "$status" --osv "$osv" --json)
findings=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["fix_available"]), len(d["no_fix_yet"]), d["advisories"])' "$data/audit.json")
set -- "$@" $findings
echo "audit packages: $pkgs packages x $n OSV records ($7 advisories): best $1 s wall, $2 s CPU, peak RSS $3 kB, exit $4; findings: $5 with a fix, $6 without"
# where the load time goes (CPU of jansson alone vs vigia's normalisation), when built:
#     make build/bench/audit_json
aj=$(dirname "$VIGIA")/bench/audit_json
if [ -x "$aj" ]; then
	"$aj" "$osv" "$runs"
fi
