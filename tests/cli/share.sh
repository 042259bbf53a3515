#!/bin/sh
# Sharing with partner teams from the command line: `vigia partner`, `vigia export --format
# stix`, `vigia import` and `vigia bundle`.  Every export is validated by the OASIS schemas
# (../shared/tools/stix-validate, Ajv); nothing a marking or a partner's rights forbid leaves;
# victim addresses leave as pseudonyms; every STIX example of ../shared/corpus imports and
# every invalid one is refused with a reason; export -> import -> export gives the same
# indicators, classification and markings; signed bundles are refused when unsigned, tampered,
# replayed or from an unknown sender.  Fixtures: tests/data/share/.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
D=$(pwd)/tests/data/share
S=$(pwd)/../shared
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/lib.sh
unset VIGIA_DB
export VIGIA_USER=tester
NODE_DIR=${VIGIA_NODE_DIR:-$HOME/.cache/vigia/stix-validate}
validate() { # FILE: the OASIS schemas say it is valid STIX 2.1
	NODE_PATH="$NODE_DIR/node_modules" node "$S/tools/stix-validate/validate.js" "$@" \
		> "$T/validate.out" 2>&1 || { cat "$T/validate.out"; return 1; }
}
json() { python3 -c "$1" "$2"; }

# ---- help ------------------------------------------------------------------------------------
check "vigia --help lists the commands" '"$V" --help > "$T/h" && for c in partner export import bundle; do grep -q "^  $c " "$T/h" || exit 1; done'
check "each command has --help" 'for c in partner export import bundle; do "$V" $c --help > /dev/null || exit 1; done'

# ---- partners ----------------------------------------------------------------------------------
A="$T/a.db"
"$V" ingest --db "$A" --feed-file "$D/feed.json" "$D/events.csv" > /dev/null 2>&1
# 1 phishing, 2 infected-system, 3 c2-server, 4 brute-force, 5 scanner (RED from the feed)
"$V" incidents set 1 --tlp GREEN --db "$A" > /dev/null 2>&1
"$V" incidents set 2 --tlp AMBER+STRICT --db "$A" > /dev/null 2>&1
"$V" incidents set 3 --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" incidents set 4 --tlp AMBER --pap GREEN --db "$A" > /dev/null 2>&1
P() { "$V" partner "$@" --db "$A"; }
P add CERT-Y --kind partner --tlp AMBER --contact cert@y.example > "$T/out" 2>&1; rc=$?
check "partner add: exit 0" '[ $rc -eq 0 ] && grep -q "partner CERT-Y added" "$T/out"'
P add CERT-P --kind partner --tlp AMBER+STRICT --pseudonymise > /dev/null 2>&1
P add ISAC --kind community --tlp GREEN --collections fraud,malicious-code > /dev/null 2>&1
P add WEB --kind public --tlp AMBER > /dev/null 2> "$T/err"; rc=$?
check "a public recipient with TLP:AMBER is refused" '[ $rc -eq 2 ] && grep -q "at most TLP:CLEAR, not TLP:AMBER" "$T/err"'
P add X --kind boss --tlp GREEN > /dev/null 2> "$T/err"; rc=$?
check "an unknown kind is refused, named" '[ $rc -eq 2 ] && grep -q "boss" "$T/err"'
P add X --kind partner --tlp GREEN --collections "fraud,,x" > /dev/null 2> "$T/err"; rc=$?
check "an empty collection is refused" '[ $rc -eq 2 ] && grep -q "empty item" "$T/err"'
P list > "$T/out"
check "list shows the partners and their rights" 'grep -q "^CERT-P  *partner  *AMBER+STRICT  *\*  *\*  *yes" "$T/out" && grep -q "^ISAC  *community  *GREEN  *fraud,malicious-code" "$T/out"'
P show cert-y --json > "$T/out"; rc=$?
check "show --json, whatever the case" '[ $rc -eq 0 ] && json "import json,sys; o=json.load(open(sys.argv[1])); assert o[\"name\"]==\"CERT-Y\" and o[\"tlp\"]==\"AMBER\" and o[\"contact\"]==\"cert@y.example\"" "$T/out"'
P add CERT-Y --kind partner --tlp GREEN > /dev/null 2>&1
P show CERT-Y --json > "$T/out"
check "adding again replaces the rights, keeps the rest" 'json "import json,sys; o=json.load(open(sys.argv[1])); assert o[\"tlp\"]==\"GREEN\" and o[\"contact\"]==\"cert@y.example\"" "$T/out"'
P add CERT-Y --kind partner --tlp AMBER > /dev/null 2>&1
P show NOBODY > /dev/null 2> "$T/err"; rc=$?
check "an unknown partner: exit 2, named" '[ $rc -eq 2 ] && grep -q "NOBODY" "$T/err"'
P add GONE --kind community --tlp CLEAR > /dev/null 2>&1
P remove GONE > /dev/null 2>&1; rc=$?
check "remove" '[ $rc -eq 0 ] && ! P show GONE > /dev/null 2>&1'

if [ ! -d "$S/corpus/stix" ] || [ ! -f "$S/tools/stix-validate/validate.js" ]; then
	echo "SKIP: ../shared (STIX corpus and validator) is absent"
	echo "1..$n"
	[ $bad -eq 0 ]
	exit
fi
check "the validator is installed (scripts/deps.sh)" '[ -d "$NODE_DIR/node_modules/ajv-formats" ] && command -v node > /dev/null'

# ---- export: the policy decides -------------------------------------------------------------------
"$V" export --format stix --for CERT-Y --db "$A" -o "$T/y.json" 2> "$T/err"; rc=$?
check "export for a partner: exit 0" '[ $rc -eq 0 ]'
check "... valid STIX 2.1 (OASIS schemas)" 'validate "$T/y.json"'
check "... GREEN and AMBER incidents go, AMBER+STRICT and RED stay" 'json "
import json,sys; b=json.load(open(sys.argv[1])); o=b[\"objects\"]
names=sorted(x[\"name\"] for x in o if x[\"type\"]==\"incident\")
assert len(names)==3 and not any(\"91.198.174.20\" in s or \"80.82.77.33\" in s for s in names), names
" "$T/y.json"'
check "... and says what it withheld and why" 'grep -q "withheld by the sharing policy: 2 incidents" "$T/err" && grep -q "above what CERT-Y may receive (TLP:AMBER)" "$T/err"'
check "... no RED or AMBER+STRICT value anywhere in the file" '! grep -q "80.82.77.33\|91.198.174.20\|e828b379\|939a9414" "$T/y.json"'
check "... the fixed TLP 2.0 marking definitions, the team identity, a PAP statement" 'json "
import json,sys; o=json.load(open(sys.argv[1]))[\"objects\"]
md={x[\"id\"]:x for x in o if x[\"type\"]==\"marking-definition\"}
assert md[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"][\"name\"]==\"TLP:GREEN\"
assert md[\"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421\"][\"extensions\"][\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\"][\"tlp_2_0\"]==\"amber\"
assert any(x.get(\"definition\",{}).get(\"statement\")==\"PAP:GREEN\" for x in md.values())
assert [x[\"name\"] for x in o if x[\"type\"]==\"identity\"]==[\"vigia\"]
" "$T/y.json"'
check "... indicators with STIX patterns, RSIT labels, relationships and sightings" 'json "
import json,sys; o=json.load(open(sys.argv[1]))[\"objects\"]
pats={x[\"pattern\"]:x for x in o if x[\"type\"]==\"indicator\"}
assert \"[url:value = '"'"'http://login-secure-bank.xyz/acceso'"'"']\" in pats, list(pats)
assert \"[domain-name:value = '"'"'c2.mal-domain-ejemplo.xyz'"'"']\" in pats
assert \"[file:hashes.'"'"'SHA-256'"'"' = '"'"'5d41402abc4b2a76b9719d911017c592aa8f6d2b6d8e2f2f0a9a0d3f1c2b3a4d'"'"']\" in pats
p=pats[\"[url:value = '"'"'http://login-secure-bank.xyz/acceso'"'"']\"]
assert p[\"labels\"]==[\"rsit:fraud=\\\"phishing\\\"\"] and p[\"object_marking_refs\"]==[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]
ids=set(pats[k][\"id\"] for k in pats)
assert sum(1 for x in o if x[\"type\"]==\"relationship\" and x[\"source_ref\"] in ids and x[\"target_ref\"].startswith(\"incident--\"))==len(ids)
assert sum(1 for x in o if x[\"type\"]==\"sighting\" and x[\"sighting_of_ref\"] in ids)==len(ids)
assert any(x[\"type\"]==\"observed-data\" for x in o)
" "$T/y.json"'
"$V" export --format stix --for CERT-Y --db "$A" -o "$T/y2.json" 2> /dev/null
check "exporting twice gives the same object ids" 'json "
import json,sys; ids=lambda f: sorted(x[\"id\"] for x in json.load(open(f))[\"objects\"]); assert ids(sys.argv[1])==ids(sys.argv[1].replace(\"y.json\",\"y2.json\"))" "$T/y.json"'
"$V" export --format stix --db "$A" -o "$T/anon.json" 2> /dev/null; rc=$?
check "without --for: an unnamed community recipient gets TLP:GREEN and below" '[ $rc -eq 0 ] && validate "$T/anon.json" && json "
import json,sys; o=json.load(open(sys.argv[1]))[\"objects\"]
assert [x[\"name\"] for x in o if x[\"type\"]==\"incident\"]==[\"Phishing site http://login-secure-bank.xyz/acceso\"]" "$T/anon.json"'
"$V" --share.unnamed_recipient=public export --format stix --db "$A" -o "$T/pub.json" 2> "$T/err"; rc=$?
check "a public recipient gets nothing here (no TLP:CLEAR data)" '[ $rc -eq 0 ] && ! grep -q "incident--" "$T/pub.json" && grep -q "withheld by the sharing policy: 5 incidents" "$T/err"'
"$V" export --format stix --for ISAC --db "$A" -o "$T/isac.json" 2> /dev/null
check "collections: ISAC (fraud, malicious-code; GREEN) gets the phishing only" 'validate "$T/isac.json" && json "
import json,sys; o=json.load(open(sys.argv[1]))[\"objects\"]
assert [x[\"labels\"] for x in o if x[\"type\"]==\"incident\"]==[[\"rsit:fraud=\\\"phishing\\\"\"]]" "$T/isac.json"'
"$V" export --format stix --for CERT-P --db "$A" -o "$T/p.json" 2> "$T/err"
check "pseudonymised: valid, and no victim address in the file" 'validate "$T/p.json" && ! grep -q "91.198.174.20\|91.198.174.99" "$T/p.json"'
check "... the infected system's incident still goes (AMBER+STRICT), attacker addresses too" 'grep -q "45.155.205.10" "$T/p.json" && grep -q "events with victim addresses pseudonymised" "$T/err"'
"$V" export --format stix --incident 1 --incident 3 --for CERT-Y --db "$A" -o "$T/sel.json" 2> /dev/null
check "--incident: only those" 'json "
import json,sys; o=json.load(open(sys.argv[1]))[\"objects\"]; assert sum(1 for x in o if x[\"type\"]==\"incident\")==2" "$T/sel.json"'
"$V" export --format stix --incident 99 --for CERT-Y --db "$A" > /dev/null 2> "$T/err"; rc=$?
check "--incident of one that does not exist: exit 2" '[ $rc -eq 2 ]'
"$V" export --format yaml --db "$A" > /dev/null 2> "$T/err"; rc=$?
check "an unknown format: exit 2, named" '[ $rc -eq 2 ] && grep -q "yaml" "$T/err"'
"$V" export --format stix --for NOBODY --db "$A" > /dev/null 2> "$T/err"; rc=$?
check "an unknown partner: exit 2" '[ $rc -eq 2 ] && grep -q "NOBODY" "$T/err"'

# ---- import: the corpus ---------------------------------------------------------------------------
B="$T/b.db"
fails=""
for f in $(find "$S/corpus/stix/examples" -name '*.json' ! -path '*/invalid/*' | sort); do
	"$V" import --format auto --db "$B" "$f" > /dev/null 2> "$T/err" || fails="$fails $f"
done
check "every bundle of the corpus's examples imports (exit 0)" '[ -z "$fails" ] || { echo "failed:$fails"; false; }'
"$V" events --db "$B" --limit 0 --json > "$T/ev.json" 2> /dev/null
check "... indicators became events: URLs, hashes, networks (apt1), domains" 'grep -q "http://x4z9arb.cn/4712/" "$T/ev.json" && grep -q "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c" "$T/ev.json" && grep -q "223.166.0.0/15" "$T/ev.json" && grep -q "www.webserver.dynssl.com" "$T/ev.json"'
check "... with their provenance (file, STIX id) and TLP 1.0 markings read" 'grep -q "extra.source_file" "$T/ev.json" && grep -q "extra.stix_id" "$T/ev.json" && grep -q "\"tlp\": *\"AMBER\"" "$T/ev.json"'
for f in "$S"/corpus/stix/examples/invalid/*.json; do
	"$V" import --format stix --db "$B" "$f" > /dev/null 2> "$T/err.$(basename "$f")"; echo $? > "$T/rc.$(basename "$f")"
done
check "every invalid file is refused (exit 1)" 'for f in "$T"/rc.*; do [ "$(cat "$f")" -eq 1 ] || exit 1; done'
check "... not JSON: with the line" 'grep -q "rejected" "$T/err.invalid_braces.json"'
check "... a missing modified: named" 'grep -q "objects\[0\] identity--8c6af861-7b20-41ef-9b59-6344fd872a8f: \"modified\" is missing" "$T/err.invalid_identity.json"'
check "... modified before created: named" 'grep -q "is earlier than \"created\"" "$T/err.invalid_timestamp.json"'
check "... a bundle without type" 'grep -q "rejected" "$T/err.using-tlp2.0-green.json"'
"$V" import --format stix --from NOBODY --db "$B" "$D/events.csv" > /dev/null 2> "$T/err"; rc=$?
check "import --from an unknown partner: exit 2" '[ $rc -eq 2 ] && grep -q "NOBODY" "$T/err"'
"$V" import --format auto --db "$B" "$D/events.csv" > /dev/null 2> "$T/err"; rc=$?
check "import --format auto of a file that is not STIX: exit 2, named" '[ $rc -eq 2 ] && grep -q "events.csv" "$T/err"'

# ---- round trip ---------------------------------------------------------------------------------
R="$T/r.db"
"$V" partner add vigia --kind partner --tlp AMBER --db "$R" > /dev/null 2>&1
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$R" > /dev/null 2>&1
"$V" import --format stix --from vigia --db "$R" "$T/y.json" > /dev/null 2> "$T/err"; rc=$?
check "round trip: the export imports (exit 0)" '[ $rc -eq 0 ] || { cat "$T/err"; false; }'
"$V" --share.team_name=CERT-Y export --format stix --for CERT-Y --db "$R" -o "$T/y-again.json" 2> "$T/err"
check "... STIX incidents stayed one incident each" '[ "$("$V" incidents list --db "$R" --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 3 ]'
check "... and exporting again gives the same indicators, classification and markings" 'validate "$T/y-again.json" && python3 - "$T/y.json" "$T/y-again.json" <<EOF
import json, sys
def key(f):
    o = json.load(open(f))["objects"]
    return sorted((x["pattern"], tuple(x["labels"]), tuple(x["object_marking_refs"]), tuple(x["indicator_types"]))
                  for x in o if x["type"] == "indicator")
a, b = key(sys.argv[1]), key(sys.argv[2])
assert a == b and len(a) >= 4, (a, b)
EOF'

# ---- MISP ---------------------------------------------------------------------------------------
MISPSPEC="$S/corpus/misp/spec/misp-core-format.md"
"$V" export --format misp --for CERT-Y --db "$A" -o "$T/y.misp.json" 2> "$T/err"; rc=$?
check "export --format misp: exit 0, the policy's verdicts said" '[ $rc -eq 0 ] && grep -q "withheld by the sharing policy: 2 incidents" "$T/err"'
check "... every attribute's category and type are a valid pair of the MISP core format" 'python3 - "$T/y.misp.json" "$MISPSPEC" <<EOF
import json, re, sys
doc = json.load(open(sys.argv[1])); spec = open(sys.argv[2]).read()
valid = {}
for cat, types in re.findall(r"\n([A-Z][A-Za-z ]+)\n:   ([^\n]+)", spec):
    valid[cat] = set(t.strip() for t in types.split(","))
events = [e["Event"] for e in doc["response"]]
assert len(events) == 3, len(events)
n = 0
for e in events:
    assert e["uuid"] and e["info"] and e["date"] and e["Orgc"]["name"] == "vigia"
    assert e["threat_level_id"] in "1234" and e["analysis"] in "012" and e["distribution"] in "0123"
    for a in e["Attribute"]:
        assert a["type"] in valid[a["category"]], (a["category"], a["type"])
        assert isinstance(a["to_ids"], bool); n += 1
assert n >= 6, n
EOF'
check "... TLP, RSIT and PAP tags; the victim is no IDS attribute; nothing RED" 'python3 - "$T/y.misp.json" <<EOF
import json, sys
t = open(sys.argv[1]).read(); doc = json.loads(t)
tags = {e["Event"]["info"]: [x["name"] for x in e["Event"]["Tag"]] for e in doc["response"]}
assert any("tlp:green" in v and "rsit:fraud=\"phishing\"" in v for v in tags.values()), tags
assert any("PAP:GREEN" in v for v in tags.values())
assert "80.82.77.33" not in t and "tlp:red" not in t
attrs = [a for e in doc["response"] for a in e["Event"]["Attribute"]]
assert [a["to_ids"] for a in attrs if a["value"] == "91.198.174.99"] == [False]
assert [a["type"] for a in attrs if a["value"] == "45.155.205.10"] == ["ip-src"]
EOF'
"$V" export --format misp-feed --for CERT-Y --db "$A" -o "$T/feed" 2> /dev/null; rc=$?
check "export --format misp-feed: a manifest and one file per event, with their SHA-256" '[ $rc -eq 0 ] && python3 - "$T/feed" <<EOF
import hashlib, json, os, sys
d = sys.argv[1]; m = json.load(open(os.path.join(d, "manifest.json")))
assert len(m) == 3
for uuid, entry in m.items():
    raw = open(os.path.join(d, uuid + ".json"), "rb").read()
    assert hashlib.sha256(raw).hexdigest() == entry["integrity:sha256"]
    e = json.loads(raw)["Event"]
    assert e["uuid"] == uuid and entry["info"] == e["info"] and entry["Orgc"]["name"] == "vigia"
    for k in ("timestamp", "date", "threat_level_id", "analysis", "Tag"):
        assert entry[k] == e[k], k
EOF'
"$V" export --format misp-feed --for CERT-Y --db "$A" > /dev/null 2> "$T/err"; rc=$?
check "misp-feed without -o DIR: exit 2" '[ $rc -eq 2 ]'
check "... hashes.csv: the MD5 of every attribute value with its event uuid (as MISP feeds)" 'python3 - "$T/feed" <<EOF
import hashlib, json, os, sys
d = sys.argv[1]; m = json.load(open(os.path.join(d, "manifest.json")))
want = set()
for uuid in m:
    for a in json.load(open(os.path.join(d, uuid + ".json")))["Event"]["Attribute"]:
        want.add((hashlib.md5(a["value"].encode()).hexdigest(), uuid))
lines = open(os.path.join(d, "hashes.csv")).read().splitlines()
got = set(tuple(l.split(",")) for l in lines)
assert want and got == want and len(lines) == len(want), (len(got), len(want))
EOF'
check "STIX SCO ids: UUIDv5 of the id contributing properties (STIX 2.1 section 2.9)" 'json "
import json, sys, uuid
ns = uuid.UUID(\"00abedb4-aa42-466c-9c01-fed23315a9b7\")
o = json.load(open(sys.argv[1]))[\"objects\"]
scos = [x for x in o if x[\"type\"] in (\"ipv4-addr\", \"ipv6-addr\", \"domain-name\", \"url\", \"file\", \"email-addr\")]
assert scos
for x in scos:
    props = {\"hashes\": x[\"hashes\"]} if x[\"type\"] == \"file\" else {\"value\": x[\"value\"]}
    name = json.dumps(props, sort_keys=True, separators=(\",\", \":\"), ensure_ascii=False)
    assert x[\"id\"] == x[\"type\"] + \"--\" + str(uuid.uuid5(ns, name)), x
" "$T/y.json"'

# ---- X-ARF and CSV: the same policy-filtered view (no import for these two) ----------------------
"$V" export --format xarf --for CERT-Y --db "$A" -o "$T/y.xarf" 2> "$T/err"; rc=$?
check "export --format xarf: exit 0, one report per line, nothing RED or AMBER+STRICT" \
	'[ $rc -eq 0 ] && [ "$(wc -l < "$T/y.xarf")" -ge 2 ] && ! grep -q "80.82.77.33\|91.198.174.20" "$T/y.xarf" && grep -q "X-ARF reports" "$T/err"'
XS=$S/corpus/abuse-reports/xarf-v4/schemas
if [ -d "$XS" ]; then
	mkdir -p "$T/xarf"
	python3 -c "import sys; [open('$T/xarf/%d.json' % i, 'w').write(l) for i, l in enumerate(open(sys.argv[1])) if l.strip()]" "$T/y.xarf"
	check "... every report validates against the X-ARF v4 schemas" \
		'/usr/bin/python3 tests/notify/xarf_validate.py "$XS" "$T"/xarf/*.json > "$T/xv.out" 2>&1 && grep -q " 0 invalid" "$T/xv.out"'
fi
"$V" export --format csv --for CERT-Y --db "$A" -o "$T/y.csv" 2> "$T/err"; rc=$?
check "export --format csv: a header and a line per event of the incidents that may go" 'python3 - "$T/y.csv" "$T/y.json" <<EOF
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
inc = set(r["incident"] for r in rows)
stix = [x for x in json.load(open(sys.argv[2]))["objects"] if x["type"] == "incident"]
assert rows and len(inc) == len(stix), (inc, len(stix))
t = open(sys.argv[1]).read()
assert "80.82.77.33" not in t and "91.198.174.20" not in t
EOF'
"$V" export --format csv --for CERT-P --db "$A" -o "$T/p.csv" 2> /dev/null
"$V" export --format xarf --for CERT-P --db "$A" -o "$T/p.xarf" 2> /dev/null
check "... pseudonymised for CERT-P: no victim address in either, the attacker's is there" \
	'! grep -q "91.198.174.20\|91.198.174.99" "$T/p.csv" "$T/p.xarf" && grep -q "45.155.205.10" "$T/p.csv"'
fails=""
for f in "$S"/corpus/misp/events/*.json; do
	"$V" import --format auto --db "$T/m.db" "$f" > /dev/null 2> "$T/err" || fails="$fails $f"
done
check "every MISP event of the corpus imports (exit 0)" '[ -z "$fails" ] || { echo "failed:$fails"; false; }'
"$V" events --db "$T/m.db" --limit 0 --json > "$T/mev.json" 2> /dev/null
check "... attributes became events with their MISP uuids and TLP tags (tlp:white = CLEAR)" 'grep -q "misp.attribute_uuid" "$T/mev.json" && grep -q "\"tlp\": *\"CLEAR\"" "$T/mev.json" && grep -q "misp.event_uuid" "$T/mev.json"'
R2="$T/r2.db"
"$V" partner add vigia --kind partner --tlp AMBER --db "$R2" > /dev/null 2>&1
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$R2" > /dev/null 2>&1
"$V" import --format auto --from vigia --db "$R2" "$T/feed" > /dev/null 2> "$T/err"; rc=$?
check "MISP round trip: the feed directory imports" '[ $rc -eq 0 ] || { cat "$T/err"; false; }'
check "... one incident per MISP event" '[ "$("$V" incidents list --db "$R2" --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 3 ]'
"$V" --share.team_name=CERT-Y export --format misp --for CERT-Y --db "$R2" -o "$T/y2.misp.json" 2> /dev/null
check "... exporting again gives the same attributes, classification and markings" 'python3 - "$T/y.misp.json" "$T/y2.misp.json" <<EOF
import json, sys
def key(f):
    out = set()
    for w in json.load(open(f))["response"]:
        e = w["Event"]; et = [t["name"] for t in e["Tag"]]
        tlp = [t for t in et if t.startswith("tlp:")][0]
        rsit = [t for t in et if t.startswith("rsit:")]
        pap = [t for t in et if t.startswith("PAP:")]
        for a in e["Attribute"]:
            at = [t["name"] for t in a["Tag"] if t["name"].startswith("tlp:")]
            out.add((a["type"], a["category"], a["value"], a["to_ids"], at[0] if at else tlp, tuple(rsit), tuple(pap)))
    return out
a, b = key(sys.argv[1]), key(sys.argv[2])
assert a == b, (a ^ b)
EOF'

# ---- IODEF v2 ------------------------------------------------------------------------------------
IO="$S/corpus/iodef"
xsd() { # FILE: valid against the IODEF v2 schema, offline (the corpus's catalog)
	XML_CATALOG_FILES="$IO/schema/catalog.xml" xmllint --nonet --noout \
		--schema "$IO/schema/iodef-2.0.xsd" "$1" > "$T/xsd.out" 2>&1 || { cat "$T/xsd.out"; return 1; }
}
"$V" export --format iodef --for CERT-Y --db "$A" -o "$T/y.xml" 2> "$T/err"; rc=$?
check "export --format iodef: exit 0" '[ $rc -eq 0 ] && grep -q "3 IODEF incidents" "$T/err"'
check "... valid against the IODEF v2 schema (xmllint, offline)" 'xsd "$T/y.xml"'
check "... restrictions from the TLP, nothing RED" 'grep -q "restriction=\"green\"" "$T/y.xml" && grep -q "restriction=\"amber\"" "$T/y.xml" && ! grep -q "80.82.77.33\|restriction=\"red\"" "$T/y.xml"'
cat > "$T/iodef_check.py" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"i": "urn:ietf:params:xml:ns:iodef-2.0"}
r = ET.parse(sys.argv[1]).getroot()
cats = {s.find("i:Node/i:Address", ns).text: s.get("category") for s in r.iter("{urn:ietf:params:xml:ns:iodef-2.0}System")}
assert cats["45.155.205.10"] == "source" and cats["91.198.174.99"] == "target", cats
add = [a.text for a in r.iter("{urn:ietf:params:xml:ns:iodef-2.0}AdditionalData")]
assert "rsit:fraud=\"phishing\"" in add and "PAP:GREEN" in add, add
PY
check "... attacker source, victim target; RSIT and PAP as AdditionalData" 'python3 "$T/iodef_check.py" "$T/y.xml"'
"$V" export --format iodef --for CERT-P --db "$A" -o "$T/p.xml" 2> /dev/null
check "AMBER+STRICT: ext-value amber+strict, still valid; the victims pseudonymised away" 'xsd "$T/p.xml" && grep -q "ext-restriction=\"amber+strict\"" "$T/p.xml" && ! grep -q "91.198.174.20\|91.198.174.99" "$T/p.xml"'
fails=""
for f in "$IO"/examples/*.xml; do
	"$V" import --format auto --db "$T/io.db" "$f" > /dev/null 2> "$T/err" || fails="$fails $f"
done
check "every IODEF example imports (exit 0)" '[ -z "$fails" ] || { echo "failed:$fails"; false; }'
"$V" events --db "$T/io.db" --limit 0 --json > "$T/ioev.json" 2> /dev/null
check "... attacker and victim, URL, SHA-256 (base64 -> hex), bulk FQDNs, restriction amber" 'grep -q "\"source.ip\": *\"203.0.113.45\"" "$T/ioev.json" && grep -q "\"destination.ip\": *\"198.51.100.23\"" "$T/ioev.json" && grep -q "login-bank.example.net/secure/verify.php" "$T/ioev.json" && grep -q "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "$T/ioev.json" && grep -q "kj290023j09r34.example.com" "$T/ioev.json" && grep -q "\"tlp\": *\"AMBER\"" "$T/ioev.json"'
"$V" import --format iodef --db "$T/io.db" "$IO"/examples/invalid/*.xml > /dev/null 2> "$T/err"; rc=$?
check "the invalid example is refused with the reason" '[ $rc -eq 1 ] && grep -q "rejected" "$T/err"'
cat > "$T/laughs.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0"><Incident purpose="reporting">
<IncidentID name="x">&lol3;</IncidentID><GenerationTime>2026-01-01T00:00:00Z</GenerationTime>
<Contact type="organization" role="creator"><ContactName>x</ContactName></Contact></Incident></IODEF-Document>
XML
sed 's#<!DOCTYPE.*#<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>#; /ENTITY lol3/d; s/&lol3;/\&xxe;/' "$T/laughs.xml" > "$T/xxe.xml"
"$V" import --format iodef --db "$T/io.db" "$T/laughs.xml" "$T/xxe.xml" > /dev/null 2> "$T/err"; rc=$?
check "billion laughs and external entities: refused, nothing read" '[ $rc -eq 1 ] && grep -q "2 rejected" "$T/err" && ! "$V" events --db "$T/io.db" --limit 0 --json | grep -q "lollol\|root:"'
# the stream reader (two passes of xmlTextReader): the head of an Incident that the schema puts
# after its indicators (AdditionalData), a DetectTime after its Flow, nested EventData, and a
# document broken after its first Incident (refused whole, as when it was one tree)
SH=tests/fuzz/corpus/iodef/stream-shapes.xml
"$V" ingest --parser iodef --output jsonl -o "$T/shapes.jsonl" "$SH" > /dev/null 2> "$T/err"; rc=$?
check "IODEF as a stream: the events of every shape, each with its Incident's head" 'python3 - "$T/shapes.jsonl" <<EOF
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
by = {e.get("source.ip") or e.get("destination.ip") or e.get("source.fqdn") or e.get("destination.fqdn") or e.get("source.url") or e.get("source.account"): e for e in ev}
assert len(ev) == 8, len(ev)
assert by["192.0.2.10"]["time.source"].startswith("2026-02-02"), by["192.0.2.10"]
assert by["192.0.2.30"]["time.source"].startswith("2026-02-03"), by["192.0.2.30"]
assert by["victim.example"]["time.source"].startswith("2026-02-03")
assert by["192.0.2.40"]["time.source"].startswith("2026-02-01")
assert "192.0.2.98" not in by and "192.0.2.99" not in by
s1 = [e for e in ev if e["extra.iodef_incident_id"] == "S-1"]
assert all(e["classification.type"] == "c2-server" and e["extra.pap"] == "AMBER" for e in s1)
assert by["http://bad.example/x"]["tlp"] == "AMBER" and by["c2.example"]["tlp"] == "GREEN"
assert by["spam@bad.example"]["tlp"] == "RED" and by["spam@bad.example"]["time.source"].startswith("2026-03-01")
EOF
[ $rc -eq 1 ] && grep -q "1 rejected" "$T/err"'
"$V" ingest --parser iodef --output jsonl -o "$T/broken.jsonl" tests/fuzz/corpus/iodef/broken-after-incident.xml > /dev/null 2> "$T/err"; rc=$?
check "... a document broken after its first Incident: refused, no event" '[ $rc -eq 1 ] && grep -q "0 events emitted, 1 rejected" "$T/err" && [ ! -s "$T/broken.jsonl" ]'
R3="$T/r3.db"
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$R3" > /dev/null 2>&1
"$V" import --format auto --from CERT-Y --db "$R3" "$T/y.xml" > /dev/null 2> "$T/err"; rc=$?
check "IODEF round trip: the export imports" '[ $rc -eq 0 ] || { cat "$T/err"; false; }'
"$V" --share.team_name=CERT-Y export --format iodef --for CERT-Y --db "$R3" -o "$T/y3.xml" 2> /dev/null
cat > "$T/iodef_rt.py" <<'PY'
import sys, xml.etree.ElementTree as ET
N = "{urn:ietf:params:xml:ns:iodef-2.0}"
def key(f):
    out = set()
    for inc in ET.parse(f).getroot().iter(N + "Incident"):
        r = (inc.get("restriction"), inc.get("ext-restriction"))
        add = tuple(sorted(a.text for a in inc.iter(N + "AdditionalData")))
        for s in inc.iter(N + "System"):
            out.add((r, add, s.get("category"), s.find(N + "Node/" + N + "Address").text))
        for o in inc.iter(N + "Observable"):
            out.add((r, add, "obs", "".join(o.itertext()).strip(),
                     tuple(sorted(e.get("Algorithm", "") for e in o.iter()))))
    return out
a, b = key(sys.argv[1]), key(sys.argv[2])
assert a == b, a ^ b
PY
check "... and exporting again gives the same observables, restrictions and classification" 'xsd "$T/y3.xml" && python3 "$T/iodef_rt.py" "$T/y.xml" "$T/y3.xml"'

# ---- signed bundles ------------------------------------------------------------------------------
KA="$T/a.key"; KB="$T/b.key"
"$V" bundle keygen --key "$KA" --db "$A" > "$T/pka" 2> /dev/null; rc=$?
check "keygen: exit 0, prints the public key" '[ $rc -eq 0 ] && grep -qE "^[0-9a-f]{64}$" "$T/pka"'
check "... the key file is private (0600)" '[ "$(stat -c %a "$KA")" = 600 ]'
"$V" bundle keygen --key "$KA" > /dev/null 2> "$T/err"; rc=$?
check "... and never overwritten" '[ $rc -eq 2 ] && grep -q "never overwritten" "$T/err"'
check "pubkey prints the same public key" '[ "$("$V" bundle pubkey --key "$KA")" = "$(cat "$T/pka")" ]'
"$V" bundle keygen --key "$KB" > /dev/null 2>&1
# team A ("vigia") sends to CERT-B; CERT-B knows vigia's key
Bdb="$T/bb.db"
"$V" partner add CERT-B --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" partner add vigia --kind partner --tlp AMBER --sign-key "$(cat "$T/pka")" --db "$Bdb" > /dev/null 2>&1
"$V" bundle export --for CERT-B --key "$KA" -o "$T/b1.bundle" --db "$A" > /dev/null 2>&1; rc=$?
check "bundle export: exit 0" '[ $rc -eq 0 ] && [ -s "$T/b1.bundle" ]'
python3 - "$T/b1.bundle" "$T/content.json" <<'EOF'
import base64, json, sys
b = json.load(open(sys.argv[1]))
open(sys.argv[2], "wb").write(base64.b64decode(b["content"]))
EOF
check "... its content is valid STIX 2.1" 'validate "$T/content.json"'
BI() { "$V" --share.team_name=CERT-B bundle import --db "$Bdb" "$@"; }
BI "$T/b1.bundle" > /dev/null 2> "$T/err"; rc=$?
check "bundle import: verified and imported" '[ $rc -eq 0 ] && grep -q "verified" "$T/err" && [ "$("$V" events --db "$Bdb" --limit 0 --json | wc -l)" -gt 0 ]'
BI "$T/b1.bundle" > /dev/null 2> "$T/err"; rc=$?
check "the same bundle again: refused as replayed" '[ $rc -eq 2 ] && grep -q "replayed" "$T/err"'
python3 - "$T/b1.bundle" "$T" <<'EOF'
import base64, json, sys
src, d = sys.argv[1], sys.argv[2]
b = json.load(open(src))
t = dict(b); c = base64.b64decode(b["content"]).replace(b"login-secure-bank", b"login-secure-bonk")
t["content"] = base64.b64encode(c).decode(); json.dump(t, open(d + "/tampered-content.bundle", "w"))
m = json.loads(b["manifest"]); m["bundle_id"] = m["bundle_id"][:-4] + "0000"
t = dict(b); t["manifest"] = json.dumps(m); json.dump(t, open(d + "/tampered-manifest.bundle", "w"))
t = dict(b); del t["signature"]; json.dump(t, open(d + "/unsigned.bundle", "w"))
m = json.loads(b["manifest"]); m["from"] = "CERT-Z"
t = dict(b); t["manifest"] = json.dumps(m); json.dump(t, open(d + "/unknown.bundle", "w"))
open(d + "/garbage.bundle", "w").write("{\"vigia_bundle\": 1, \"manifest\": 3")
EOF
BI "$T/tampered-content.bundle" > /dev/null 2> "$T/err"; rc=$?
check "tampered content: refused" '[ $rc -eq 2 ] && grep -q "does not match the signed manifest (tampered)" "$T/err"'
BI "$T/tampered-manifest.bundle" > /dev/null 2> "$T/err"; rc=$?
check "tampered manifest: refused (signature)" '[ $rc -eq 2 ] && grep -q "signature does not verify" "$T/err"'
BI "$T/unsigned.bundle" > /dev/null 2> "$T/err"; rc=$?
check "unsigned: refused" '[ $rc -eq 2 ] && grep -q "unsigned" "$T/err"'
BI "$T/unknown.bundle" > /dev/null 2> "$T/err"; rc=$?
check "unknown sender: refused" '[ $rc -eq 2 ] && grep -q "unknown sender CERT-Z" "$T/err"'
BI "$T/garbage.bundle" > /dev/null 2> "$T/err"; rc=$?
check "not a bundle: refused" '[ $rc -eq 2 ] && grep -q "not a vigia signed bundle" "$T/err"'
"$V" bundle export --for CERT-B --key "$KB" -o "$T/b2.bundle" --db "$A" > /dev/null 2>&1
BI "$T/b2.bundle" > /dev/null 2> "$T/err"; rc=$?
check "signed with another key than the one registered: refused" '[ $rc -eq 2 ] && grep -q "signature does not verify" "$T/err"'
"$V" --share.team_name=CERT-Q bundle import --db "$Bdb" "$T/b1.bundle" > /dev/null 2> "$T/err"; rc=$?
check "addressed to another team: refused" '[ $rc -eq 2 ] && grep -q "addressed to CERT-B" "$T/err"'
chmod 644 "$KA"
"$V" bundle export --for CERT-B --key "$KA" -o "$T/b3.bundle" --db "$A" > /dev/null 2> "$T/err"; rc=$?
check "a signing key others may read is refused" '[ $rc -eq 2 ] && grep -q "make it 0600" "$T/err"'

echo "1..$n"
[ $bad -eq 0 ]
