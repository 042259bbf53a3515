#!/bin/sh
# `vigia audit packages`: the patch audit end to end on the fixtures in tests/data/audit
# (a Debian 12 dpkg status file, OSV records, Debian Security Tracker JSON): the table with
# "fix available" apart from "no fix yet", --json, --events stored with `vigia ingest`, bad
# inputs named with their file, and the audit trail commands still there.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
D=tests/data/audit
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
A="--status $D/status --os-release $D/os-release --osv $D/osv --debian-tracker $D/tracker.json"

"$V" audit packages $A > "$T/out" 2> "$T/err"; rc=$?
check "audit packages: exit 0" '[ $rc -eq 0 ]'
check "... 5 installed packages (the removed one skipped), Debian:12 from os-release" \
	'grep -q "^5 packages (dpkg-status, Debian:12)" "$T/out"'
check "... fix available: nginx (source of nginx and nginx-common), two advisories" \
	'grep -q "^Fix available: 2$" "$T/out" && grep -q "^nginx .*DSA-9001-1 .*CVE-2099-1001 .*1.22.1-9+deb12u1 .*7.5 high .*nginx nginx-common$" "$T/out"'
check "... the tracker's fixed version" 'grep -q "CVE-2099-1004 .*1.22.1-9+deb12u2 .*medium" "$T/out"'
check "... no fix yet kept apart: openssl via libssl3 (CVSS 4.0 9.3) and apparmor (open)" \
	'sed -n "/^No fix yet: 2$/,\$p" "$T/out" | grep -q "^openssl .*3.0.11-1~deb12u2 .*DEBIAN-CVE-2099-1002 .*9.3 critical .*libssl3$" &&
	 sed -n "/^No fix yet/,\$p" "$T/out" | grep -q "^apparmor .*CVE-2016-1585 .*low"'
check "... not affected: tzdata (newer than the fix), CVE-2014-1424 (fixed_version 0), npm" \
	'! grep -q "tzdata\|CVE-2014-1424\|GHSA" "$T/out"'

"$V" audit packages $A --json > "$T/json"; rc=$?
check "--json: exit 0 and the same findings" '[ $rc -eq 0 ] && python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
fix={(f[\"source\"],f[\"advisory\"],f[\"fixed\"]) for f in d[\"fix_available\"]}
assert fix=={(\"nginx\",\"DSA-9001-1\",\"1.22.1-9+deb12u1\"),(\"nginx\",\"CVE-2099-1004\",\"1.22.1-9+deb12u2\")}, fix
nf={(f[\"source\"],f[\"advisory\"]) for f in d[\"no_fix_yet\"]}
assert nf=={(\"openssl\",\"DEBIAN-CVE-2099-1002\"),(\"apparmor\",\"CVE-2016-1585\")}, nf
assert all(f[\"fixed\"] is None for f in d[\"no_fix_yet\"])
assert d[\"packages\"]==5 and d[\"refused\"]==0 and d[\"ecosystem\"]==\"Debian:12\"
assert [f for f in d[\"fix_available\"] if f[\"advisory\"]==\"DSA-9001-1\"][0][\"packages\"]==[\"nginx\",\"nginx-common\"]
" "$T/json"'

"$V" audit packages $A --events --host web1.example.org > "$T/events.jsonl"; rc=$?
check "--events: one IntelMQ event per finding" '[ $rc -eq 0 ] && [ $(wc -l < "$T/events.jsonl") -eq 4 ]'
check "... classification vulnerable / vulnerable-system, advisory, host" \
	'grep -c "\"classification.taxonomy\":\"vulnerable\",\"classification.type\":\"vulnerable-system\"" "$T/events.jsonl" | grep -q "^4$" &&
	 grep -q "\"source.fqdn\":\"web1.example.org\"" "$T/events.jsonl" && grep -q "\"extra.fix_available\":\"no\"" "$T/events.jsonl"'
"$V" ingest --db "$T/s.db" --parser intelmq_json "$T/events.jsonl" > /dev/null 2> "$T/ingest.err"; rc=$?
check "... go into the store with vigia ingest like any feed" '[ $rc -eq 0 ]'
"$V" events --db "$T/s.db" --json > "$T/stored" 2>&1
check "... and come back out of it" 'grep -q "DSA-9001-1" "$T/stored" && grep -q "vulnerable-system" "$T/stored"'

# the release decides which tracker entries apply
"$V" audit packages --status $D/status --ecosystem Debian:11 --release bullseye \
	--osv $D/osv --debian-tracker $D/tracker.json --json > "$T/b.json"
check "--ecosystem/--release: only Debian:11 and bullseye data apply (nginx is newer than its fix)" 'python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
assert d[\"fix_available\"]==[], d[\"fix_available\"]
assert {f[\"advisory\"] for f in d[\"no_fix_yet\"]}=={\"CVE-2016-1585\"}
" "$T/b.json"'

# ---- bad input ------------------------------------------------------------------------
"$V" audit packages --status $D/status --os-release $D/os-release --osv $D/osv-bad > "$T/out" 2> "$T/err"; rc=$?
check "a truncated OSV file: exit 1, named, the good records still count" \
	'[ $rc -eq 1 ] && grep -q "truncated.json:1: not JSON" "$T/err" && grep -q "^nginx .*DSA-9001-1" "$T/out"'
printf 'Package: a\nStatus: install ok installed\nVersion: 1.0-1\n\nPackage: b\nStatus: install ok installed\nArchitec' > "$T/trunc"
"$V" audit packages --status "$T/trunc" --osv $D/osv > "$T/out" 2> "$T/err"; rc=$?
check "a truncated status file: the cut stanza named with its line, the rest audited" \
	'[ $rc -eq 1 ] && grep -q "trunc:5: Version: package .b. has no Version field" "$T/err" && grep -q "^1 packages" "$T/out"'
printf '{"spdxVersion": "SPDX-2.3", "packages": []}' > "$T/spdx.json"
"$V" audit packages --status "$T/spdx.json" --osv $D/osv > "$T/out" 2> "$T/err"; rc=$?
check "an SBOM that is not CycloneDX: exit 2 with the reason" \
	'[ $rc -eq 2 ] && grep -q "spdx.json: bomFormat: not a CycloneDX SBOM" "$T/err"'
"$V" audit packages --status "$T/none" --osv $D/osv > /dev/null 2> "$T/err"; rc=$?
check "a missing status file: exit 3, named" '[ $rc -eq 3 ] && grep -q "none: cannot open" "$T/err"'
"$V" audit packages --status $D/status > /dev/null 2> "$T/err"; rc=$?
check "no vulnerability records given: usage error" '[ $rc -eq 2 ] && grep -q -- "--osv" "$T/err"'
"$V" audit packages --json --events --osv $D/osv > /dev/null 2>&1; rc=$?
check "--json with --events: usage error" '[ $rc -eq 2 ]'
check "--help" '"$V" audit packages --help | grep -q "SOURCE" && "$V" audit --help | grep -q "packages"'
check "the audit trail commands are still there" '"$V" audit verify --db "$T/s.db" | grep -q "audit trail verified"'

echo "1..$n"
[ $bad -eq 0 ]
