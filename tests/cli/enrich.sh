#!/bin/sh
# The enrichment stage through `vigia ingest`: a small CSV feed (tests/data/enrich/) with an IP
# index built from the fixture range files and the test constituency, into the store and as
# JSON lines.  Checks the values filled and their provenance (extra.enrichment.*), that values
# the feed supplied stay (unless the feed definition's "enrich" key says to overwrite them),
# --no-enrich, a missing index (one log line, not an error), a named index that is missing (an
# error), the round trip of the provenance through JSON lines, and, when ../shared is there,
# the real attribution data: what ingest fills equals what `vigia ip lookup` answers.
set -u
V=${VIGIA:-build/san/vigia}
D=tests/data/enrich
T=$(mktemp -d "${TMPDIR:-/tmp}/vigia-cli-enrich.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0; bad=0
check() { # description, then a shell condition ($? in it: the status of the command before)
	_rc=$?
	n=$((n + 1)); d=$1; shift
	if (exit "$_rc"); eval "$@"; then echo "ok $n - $d"; else echo "not ok $n - $d"; bad=$((bad + 1)); fi
}
export LC_ALL=C LANGUAGE=
unset VIGIA_CONFIG || true
export VIGIA_DB="$T/absent.db" # without --db: no store (and no vigia.ipdb beside it)
# Event fields by source.ip (or destination.url) from JSON lines: "KEY=VALUE" lines, sorted.
fields() { # file ip-or-url
	python3 - "$1" "$2" 2>/dev/null <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("source.ip") == sys.argv[2] or o.get("destination.url") == sys.argv[2]:
        for k in sorted(o):
            if k.startswith(("source.", "destination.", "extra.enrichment.")):
                print("%s=%s" % (k, o[k]))
EOF
}
has() { # file ip line
	fields "$1" "$2" > "$T/fields"
	grep -qxF "$3" "$T/fields"
}

mkdir -p "$T/s"
"$V" ipdb build -o "$T/s/vigia.ipdb" $D/asn.csv $D/country.csv > /dev/null 2>&1
check "fixture index built" '[ -s "$T/s/vigia.ipdb" ]'
"$V" constituency import --db "$T/s/vigia.db" tests/data/constituency/good.csv > /dev/null 2>&1
check "constituency imported" '[ $? -eq 0 ]'
P=$("$V" ipdb info --ipdb "$T/s/vigia.ipdb" | sed -n 's/^checksum: *BLAKE2b-256 \(.\{16\}\).*/ipdb:\1/p')
check "the index's provenance id from ipdb info" '[ ${#P} -eq 21 ]'

# ---- into the store (the index beside the store is found by itself) ----
"$V" ingest --db "$T/s/vigia.db" --feed-file $D/feed.json $D/feed.csv > "$T/out" 2> "$T/err"
rc=$?
check "ingest exits 0" '[ $rc -eq 0 ]'
check "one log line says what enrichment uses" '[ $(grep -c "enrichment:" "$T/err") -eq 1 ] && grep -q "enrichment: IP index $T/s/vigia.ipdb; constituency of 3 organisations and 2 partner CERTs" "$T/err"'
check "summary counts enriched events" 'grep -q "vigia: 9 events enriched" "$T/err"'
check "incidents that share only an enriched network (5.0.0.0/8) are not correlated" 'grep -q "vigia: 0 correlation links added" "$T/err"'
"$V" events --db "$T/s/vigia.db" --json > "$T/ev" 2>/dev/null
S=$T/ev
check "stored: ASN from the index" 'has "$S" 192.0.2.10 source.asn=64500'
check "stored: AS name" 'has "$S" 192.0.2.10 "source.as_name=Red Universitaria"'
check "stored: network" 'has "$S" 192.0.2.10 source.network=192.0.2.0/24'
check "stored: country" 'has "$S" 192.0.2.10 source.geolocation.cc=UY'
check "stored: abuse contact by the longest network" 'has "$S" 192.0.2.10 source.abuse_contact=abuse@ejemplo.edu'
check "stored: provenance of the ASN" 'has "$S" 192.0.2.10 "extra.enrichment.source.asn=$P"'
check "stored: provenance of the country" 'has "$S" 192.0.2.10 "extra.enrichment.source.geolocation.cc=$P"'
check "stored: provenance of the abuse contact names rule, match and organisation" 'has "$S" 192.0.2.10 "extra.enrichment.source.abuse_contact=constituency:network 192.0.2.0/24 (Universidad Ejemplo)"'
check "abuse contact by the AS the index gave" 'has "$S" 100.64.5.5 source.abuse_contact=noc@proveedor.example && has "$S" 100.64.5.5 "extra.enrichment.source.abuse_contact=constituency:asn AS64501 (Proveedor Grande)"'
check "abuse contact by the URL's domain (destination side)" 'has "$S" http://www.proveedor.example/x destination.abuse_contact=noc@proveedor.example && has "$S" http://www.proveedor.example/x "extra.enrichment.destination.abuse_contact=constituency:domain proveedor.example (Proveedor Grande)"'
check "IPv6: network of the organisation, AS from the index" 'has "$S" 2001:db8:5::1 source.abuse_contact=noc@proveedor.example && has "$S" 2001:db8:5::1 source.network=2001:db8::/32 && has "$S" 2001:db8:5::1 source.asn=64501'
check "do-not-notify network: no abuse contact, still attributed" '! fields "$S" 198.51.100.200 | grep -q abuse_contact && has "$S" 198.51.100.200 source.asn=64501'
check "do-not-notify organisation: no abuse contact" '! fields "$S" 203.0.113.9 | grep -q abuse_contact && has "$S" 203.0.113.9 "source.as_name=Hospital Net, Inc."'
check "partner CERT's country: no abuse contact, country filled" '! fields "$S" 5.1.2.3 | grep -q abuse_contact && has "$S" 5.1.2.3 source.geolocation.cc=DE'
check "unknown address: nothing added" '[ "$(fields "$S" 8.8.8.8 | tr "\n" " ")" = "source.ip=8.8.8.8 " ]'
check "feed-supplied ASN, country and abuse contact stay" 'has "$S" 192.0.2.11 source.asn=65000 && has "$S" 192.0.2.11 source.geolocation.cc=BR && has "$S" 192.0.2.11 source.abuse_contact=soc@feed.example'
check "no provenance for a value the feed supplied" '! fields "$S" 192.0.2.11 | grep -q "extra.enrichment.source.\(asn\|geolocation.cc\|abuse_contact\)="'
check "no AS name of another AS than the feed's" '! fields "$S" 192.0.2.11 | grep -q as_name'
check "the network is still filled, with its provenance" 'has "$S" 192.0.2.11 source.network=192.0.2.0/24 && has "$S" 192.0.2.11 "extra.enrichment.source.network=$P"'

# ---- JSON lines: the same values; --db gives the constituency ----
"$V" ingest --db "$T/s/vigia.db" --output jsonl --feed-file $D/feed.json $D/feed.csv > "$T/j" 2> "$T/err"
rc=$?
check "jsonl with --db exits 0" '[ $rc -eq 0 ]'
check "jsonl: values and provenance as stored" 'has "$T/j" 192.0.2.10 source.abuse_contact=abuse@ejemplo.edu && has "$T/j" 192.0.2.10 "extra.enrichment.source.asn=$P" && has "$T/j" 192.0.2.11 source.asn=65000'
check "jsonl: same enriched fields as the store" '[ "$(fields "$T/j" 100.64.5.5)" = "$(fields "$S" 100.64.5.5)" ]'
# the provenance survives a round trip through JSON lines: re-read, nothing changes
"$V" ingest --db "$T/s/vigia.db" --output jsonl --parser intelmq_json "$T/j" > "$T/j2" 2> "$T/err"
check "re-reading enriched JSON lines keeps every field and its provenance" 'for a in 192.0.2.10 100.64.5.5 192.0.2.11 2001:db8:5::1; do [ "$(fields "$T/j" $a)" = "$(fields "$T/j2" $a)" ] || exit 1; done'
check "re-reading: nothing left to enrich" '! grep -q "events enriched" "$T/err"'

# ---- switched off ----
"$V" ingest --db "$T/s/vigia.db" --output jsonl --no-enrich --feed-file $D/feed.json $D/feed.csv > "$T/j" 2> "$T/err"
check "--no-enrich: nothing added, nothing logged" '! grep -q "enrichment" "$T/j" "$T/err" && ! has "$T/j" 192.0.2.10 source.asn=64500'
"$V" ingest --db "$T/s/vigia.db" --output jsonl --enrich.enabled=false --feed-file $D/feed.json $D/feed.csv > "$T/j" 2>/dev/null
check "setting enrich.enabled=false: nothing added" '! grep -q "enrichment" "$T/j"'

# ---- no index: one log line, not an error; the constituency still answers ----
mkdir -p "$T/n"
"$V" constituency import --db "$T/n/vigia.db" tests/data/constituency/good.csv > /dev/null 2>&1
"$V" ingest --db "$T/n/vigia.db" --feed-file $D/feed.json $D/feed.csv > /dev/null 2> "$T/err"
rc=$?
check "no index: exit 0" '[ $rc -eq 0 ]'
check "no index: exactly one log line naming where it looked" '[ $(grep -c "enrichment:" "$T/err") -eq 1 ] && grep -q "enrichment: no IP index at $T/n/vigia.ipdb" "$T/err"'
"$V" events --db "$T/n/vigia.db" --json > "$T/ev2" 2>/dev/null
check "no index: no AS, but the network rule still gives the abuse contact" '! fields "$T/ev2" 192.0.2.10 | grep -q source.asn && has "$T/ev2" 192.0.2.10 source.abuse_contact=abuse@ejemplo.edu'
VA=$(cd "$(dirname "$V")" && pwd)/$(basename "$V"); DA=$(pwd)/$D
mkdir -p "$T/e"
(cd "$T/e" && "$VA" ingest --output jsonl --feed-file "$DA/feed.json" "$DA/feed.csv") > "$T/j" 2> "$T/err"
check "jsonl, no store, no index: events unchanged, one line" '! grep -q "extra.enrichment" "$T/j" && [ $(grep -c "enrichment: no IP index" "$T/err") -eq 1 ]'

# ---- a named index that is not there is an error ----
"$V" ingest --db "$T/s/vigia.db" --ipdb "$T/nothere.ipdb" --feed-file $D/feed.json $D/feed.csv > /dev/null 2> "$T/err"
rc=$?
check "--ipdb missing: exit 3, names the file" '[ $rc -eq 3 ] && grep -q "$T/nothere.ipdb" "$T/err"'
"$V" ingest --output jsonl --ipdb "$T/s/vigia.ipdb" --feed-file $D/feed.json $D/feed.csv > "$T/j" 2>/dev/null
check "--ipdb with jsonl and no store: attribution without abuse contacts" 'has "$T/j" 5.1.2.3 source.asn=3320 && ! grep -q abuse_contact=noc "$T/j" && ! fields "$T/j" 192.0.2.10 | grep -q abuse_contact'
"$V" ingest --output jsonl --enrich.overwrite=source.colour --ipdb "$T/s/vigia.ipdb" --feed-file $D/feed.json $D/feed.csv > /dev/null 2> "$T/err"
rc=$?
check "enrich.overwrite with a field enrichment does not fill: exit 2, names setting and field" '[ $rc -eq 2 ] && grep -q "error: enrich.overwrite: source.colour: " "$T/err"'

# ---- the feed definition's "enrich" key ----
python3 - $D/feed.json "$T/ow.json" "$T/off.json" "$T/bad.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["enrich"] = {"overwrite": ["source.asn", "source.geolocation.cc"]}
json.dump(d, open(sys.argv[2], "w"))
d["enrich"] = {"enabled": False}
json.dump(d, open(sys.argv[3], "w"))
d["enrich"] = {"overwrite": ["source.ip"]}
json.dump(d, open(sys.argv[4], "w"))
EOF
"$V" ingest --db "$T/s/vigia.db" --output jsonl --feed-file "$T/ow.json" $D/feed.csv > "$T/j" 2>/dev/null
check "overwrite: the index's ASN and country replace the feed's" 'has "$T/j" 192.0.2.11 source.asn=64500 && has "$T/j" 192.0.2.11 source.geolocation.cc=UY && has "$T/j" 192.0.2.11 "extra.enrichment.source.asn=$P"'
check "overwrite: AS name now filled (same AS), abuse contact kept" 'has "$T/j" 192.0.2.11 "source.as_name=Red Universitaria" && has "$T/j" 192.0.2.11 source.abuse_contact=soc@feed.example'
"$V" ingest --db "$T/s/vigia.db" --output jsonl --feed-file "$T/off.json" $D/feed.csv > "$T/j" 2>/dev/null
check "\"enabled\": false: the feed's events are not enriched" '! grep -q "extra.enrichment" "$T/j"'
"$V" ingest --db "$T/s/vigia.db" --output jsonl --feed-file "$T/bad.json" $D/feed.csv > /dev/null 2> "$T/err"
rc=$?
check "overwrite of a field enrichment does not fill: exit 2, names file and field" '[ $rc -eq 2 ] && grep -q "bad.json" "$T/err" && grep -q "source.ip" "$T/err"'
printf '{"parser":"csv","enrich":{"overwite":["source.asn"]}}' > "$T/typo.json"
"$V" ingest --output jsonl --feed-file "$T/typo.json" $D/feed.csv > /dev/null 2> "$T/err"
rc=$?
check "unknown key under enrich: exit 2, names it" '[ $rc -eq 2 ] && grep -q "overwite" "$T/err"'

# ---- ip lookup: the constituency match as a column and in --json ----
"$V" ip lookup --db "$T/s/vigia.db" 192.0.2.10 100.64.5.5 203.0.113.9 5.1.2.3 8.8.8.8 > "$T/l" 2> "$T/err"
rc=$?
check "ip lookup --db (index found beside the store) exits 0" '[ $rc -eq 0 ]'
check "ip lookup: CONSTITUENCY column" 'head -n 1 "$T/l" | grep -q "COUNTRY  *CONSTITUENCY$"'
check "ip lookup: organisation by network" 'grep -q "^192.0.2.10 .* UY  *Universidad Ejemplo (network 192.0.2.0/24)$" "$T/l"'
check "ip lookup: organisation by AS" 'grep -q "^100.64.5.5 .* AR  *Proveedor Grande (asn AS64501)$" "$T/l"'
check "ip lookup: do not notify is shown" 'grep -q "^203.0.113.9 .*Hospital Privado (network 203.0.113.0/24; do not notify)$" "$T/l"'
check "ip lookup: the partner CERT of the country" 'grep -q "^5.1.2.3 .* DE  *CERT-Bund (cert DE)$" "$T/l"'
check "ip lookup: no match is a dash" 'grep -q "^8.8.8.8  *-  *-  *-  *-  *-$" "$T/l"'
"$V" ip lookup --db "$T/s/vigia.db" --json 192.0.2.10 5.1.2.3 8.8.8.8 > "$T/l" 2>&1
check "ip lookup --json: constituency objects (and null)" 'python3 -c "
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert r[0][\"constituency\"] == {\"rule\": \"network\", \"match\": \"192.0.2.0/24\", \"organisation\": \"Universidad Ejemplo\", \"cert\": None, \"contacts\": [\"abuse@ejemplo.edu\"], \"do_not_notify\": False}, r[0]
assert r[1][\"constituency\"][\"rule\"] == \"cert\" and r[1][\"constituency\"][\"cert\"] == \"CERT-Bund\" and r[1][\"constituency\"][\"match\"] == \"DE\" and r[1][\"constituency\"][\"organisation\"] is None, r[1]
assert r[2][\"constituency\"] is None and r[2][\"asn\"] is None
" "$T/l"'
(cd "$T/e" && "$VA" ip lookup --ipdb "$T/s/vigia.ipdb" --json 192.0.2.10) > "$T/l" 2>&1
check "ip lookup without a store: constituency null" 'grep -q "\"asn\":64500,.*\"constituency\":null}$" "$T/l"'
"$V" ip lookup --ipdb "$T/s/vigia.ipdb" --db "$T/nodir/x.db" 192.0.2.10 > /dev/null 2> "$T/err"
rc=$?
check "ip lookup --db that cannot be opened: exit 3" '[ $rc -eq 3 ]'

# ---- the real attribution data: ingest fills what ip lookup answers ----
SH=${VIGIA_SHARED:-../shared}
A=$SH/data/ipdb/ip-location-db-asn-2.3.2026061719.tgz
G=$SH/data/ipdb/ip-location-db-geo-whois-asn-country-2.3.2026061719.tgz
if [ -f "$A" ] && [ -f "$G" ]; then
	mkdir -p "$T/r"
	tar xzf "$A" -C "$T/r" package/asn-ipv4.csv package/asn-ipv6.csv
	tar xzf "$G" -C "$T/r" package/geo-whois-asn-country-ipv4.csv package/geo-whois-asn-country-ipv6.csv
	"$V" ipdb build -o "$T/r/real.ipdb" "$T/r/package/asn-ipv4.csv" "$T/r/package/asn-ipv6.csv" \
		"$T/r/package/geo-whois-asn-country-ipv4.csv" \
		"$T/r/package/geo-whois-asn-country-ipv6.csv" > /dev/null 2>&1
	# every 997th range start of both ASN files, plus two well-known addresses
	{ echo "ip"; echo 1.1.1.1; echo 8.8.8.8
	  awk -F, 'NR > 1 && NR % 997 == 0 { print $1 }' "$T/r/package/asn-ipv4.csv" "$T/r/package/asn-ipv6.csv"; } > "$T/r/ips.csv"
	printf '{"parser":"csv","parameters":{"skip_header":true,"columns":["source.ip"],"type":"scanner"}}' > "$T/r/feed.json"
	"$V" ingest --output jsonl --ipdb "$T/r/real.ipdb" --feed-file "$T/r/feed.json" "$T/r/ips.csv" > "$T/r/j" 2> "$T/r/err"
	tail -n +2 "$T/r/ips.csv" | "$V" ip lookup --ipdb "$T/r/real.ipdb" --json - > "$T/r/l" 2>/dev/null
	check "real data: 1.1.1.1 is AS13335 Cloudflare, AU" 'has "$T/r/j" 1.1.1.1 source.asn=13335 && has "$T/r/j" 1.1.1.1 "source.as_name=Cloudflare, Inc." && has "$T/r/j" 1.1.1.1 source.geolocation.cc=AU'
	check "real data: 8.8.8.8 is AS15169 Google LLC" 'has "$T/r/j" 8.8.8.8 source.asn=15169 && has "$T/r/j" 8.8.8.8 "source.as_name=Google LLC"'
	python3 - "$T/r/j" "$T/r/l" > "$T/r/cmp" <<'EOF'
import json, sys
ev = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    ev[o["source.ip"]] = o
n = bad = 0
for line in open(sys.argv[2]):
    l = json.loads(line)
    o = ev.get(l["ip"])
    if o is None:
        continue
    n += 1
    want = (l["asn"], l["as_name"] if l["asn"] else None, l["network"], l["country"])
    got = (o.get("source.asn"), o.get("source.as_name"), o.get("source.network"),
           o.get("source.geolocation.cc"))
    if want != got:
        bad += 1
        if bad < 5:
            print("differs", l["ip"], want, got)
print("compared", n, "differ", bad)
EOF
	check "real data: every enriched event equals ip lookup ($(tail -n 1 "$T/r/cmp"))" 'grep -q "^compared [1-9][0-9][0-9]* differ 0$" "$T/r/cmp"'
else
	echo "# $A absent: real-data checks left out"
fi

echo "1..$n"
[ "$bad" -eq 0 ]
