#!/bin/sh
# `vigia risk assess ORG`: the risk register from tests/data/risk (assets, safeguards, a web
# report) and a packages report made by `vigia audit packages --json` from tests/data/audit:
# levels from the NIST SP 800-30 tables, ordering by residual risk, safeguards lowering it,
# the HTML report, re-running after new findings, bad rows named.  The worked example of
# docs/risk.md is this test's data.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
D=tests/data/risk
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
A=tests/data/audit
"$V" audit packages --status $A/status --os-release $A/os-release --osv $A/osv \
	--debian-tracker $A/tracker.json --host web1.example.org --json > "$T/pk.json"

"$V" risk assess Acme --assets $D/assets.csv --json > "$T/before.json" 2> "$T/err"; rc=$?
check "without findings: exit 1 (one bad asset row, named), the rest assessed" \
	'[ $rc -eq 1 ] && grep -q "assets.csv:5: i: a value must be" "$T/err"'
check "... every (asset, applicable threat) pair of Acme only: 24 risks" \
	'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==24, len(d); assert all(r[\"asset\"]!=\"their site\" for r in d)" "$T/before.json"'
check "... [E.20] on the web shop: moderate (low likelihood x very high impact, Table I-2)" \
	'python3 -c "
import json,sys
d={(r[\"asset\"],r[\"threat\"]):r for r in json.load(open(sys.argv[1]))}
r=d[(\"web shop\",\"[E.20]\")]
assert (r[\"likelihood\"],r[\"impact\"],r[\"risk\"])==(\"low\",\"very high\",\"moderate\"), r
" "$T/before.json"'

"$V" risk assess Acme --assets $D/assets.csv --findings "$T/pk.json" --findings $D/web.json \
	--safeguards $D/safeguards.csv --json --html "$T/r.html" > "$T/after.json" 2>/dev/null
check "with findings: the critical unfixed openssl makes [E.20] very high (G-5: M x VH = H; I-2: H x VH = VH)" \
	'python3 -c "
import json,sys
d={(r[\"asset\"],r[\"threat\"]):r for r in json.load(open(sys.argv[1]))}
r=d[(\"web shop\",\"[E.20]\")]
assert (r[\"likelihood\"],r[\"risk\"])==(\"high\",\"very high\"), r
assert (r[\"residual_likelihood\"],r[\"residual_impact\"],r[\"residual_risk\"])==(\"low\",\"high\",\"low\"), r
assert \"unattended-upgrades\" in r[\"safeguards\"] and \"restore\" in r[\"safeguards\"]
r=d[(\"customer database\",\"[A.19]\")]
assert (r[\"likelihood\"],r[\"risk\"],r[\"residual_risk\"])==(\"moderate\",\"high\",\"high\"), r
r=d[(\"office printer\",\"[N.1]\")]
assert r[\"risk\"]==\"very low\"
" "$T/after.json"'
check "... ordered by residual risk, highest first" 'python3 -c "
import json,sys
o={\"very low\":0,\"low\":1,\"moderate\":2,\"high\":3,\"very high\":4}
l=[o[r[\"residual_risk\"]] for r in json.load(open(sys.argv[1]))]
assert l==sorted(l,reverse=True), l
" "$T/after.json"'
check "... the HTML report is written, escaped, with Spanish and English threat names" \
	'grep -q "<h1>Risk register — Acme</h1>" "$T/r.html" && grep -q "Vulnerabilidades de los programas (software) / Software vulnerabilities" "$T/r.html" && ! grep -q "<script" "$T/r.html"'
"$V" risk assess Acme --assets $D/assets.csv > "$T/table" 2>/dev/null
check "the table for people" 'grep -q "^Risk register of Acme: 24 risks" "$T/table" && grep -q "RESIDUAL" "$T/table"'
printf '{"x": 1}' > "$T/other.json"
"$V" risk assess Acme --assets $D/assets.csv --findings "$T/other.json" > /dev/null 2> "$T/err"; rc=$?
check "a findings file that is no vigia report: named, exit 1" '[ $rc -eq 1 ] && grep -q "other.json: neither a vigia audit packages" "$T/err"'
"$V" risk assess Nobody --assets $D/assets.csv > /dev/null 2> "$T/err"; rc=$?
check "an organisation without assets: exit 2, named" '[ $rc -eq 2 ] && grep -q "Nobody" "$T/err"'
"$V" risk assess Acme > /dev/null 2>&1; rc=$?
check "no --assets: usage error" '[ $rc -eq 2 ]'
check "--help" '"$V" risk --help | grep -q "NIST SP" && "$V" risk assess --help | grep -q -- "--safeguards"'
echo "1..$n"
[ $bad -eq 0 ]
