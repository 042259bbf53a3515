#!/bin/sh
# The write side of TAXII 2.1 on `vigia serve` and `vigia taxii push`: POST of an envelope to
# the inbox collection (through the STIX importer, with the account's provenance, each object
# whole or not at all), status resources with their true successes and failures, versions,
# match[version], pages of rows (limit/next/more and the X-TAXII-Date-Added headers), DELETE
# (role-restricted, match[version]), TAXII error messages for 401/403/404/406/413/415/429/503,
# collections of taxii.collections served from rows kept current, the audit trail, and
# the authorisation walk of the new endpoints: no partner reads another partner's objects or
# status, none deletes, nobody without credentials gets past 401.  Fixtures: tests/data/taxii/;
# the OASIS reference server's objects from ../shared/corpus/taxii/ when present.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
D=$(pwd)/tests/data/taxii
SHARED=$(pwd)/../shared/corpus/taxii
T=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2> /dev/null; done; rm -rf "$T"' EXIT
. tests/lib.sh
command -v curl > /dev/null || { echo "SKIP: curl is not installed"; exit 0; }
unset VIGIA_DB
export VIGIA_USER=tester
A="$T/a.db"
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" partner add ISAC --kind community --tlp GREEN --db "$A" > /dev/null 2>&1
for a in "boss admin" "ana analyst" "y partner CERT-Y" "isac partner ISAC"; do
	set -- $a
	"$V" account add "$1" --role "$2" ${3:+--partner "$3"} --db "$A" 2> /dev/null
	eval "TOK_$1=\$(\"\$V\" account token \"\$1\" --db \"\$A\" 2> /dev/null)"
done

serve_start
# req ACCOUNT METHOD PATH [curl args]: the status into $T/st, the body into $T/body
req() {
	who=$1; m=$2; p=$3; shift 3
	eval "tok=\${TOK_$who:-}"
	if [ -n "$tok" ]; then set -- -H "Authorization: Bearer $tok" "$@"; fi
	curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" "$@" "$U$p" > "$T/st"
}
st() { cat "$T/st"; }
jq_() { python3 -c "import json,sys; b=json.load(open(sys.argv[1])); $1" "$T/body"; }
TX='-H Accept:application/taxii+json;version=2.1'
CT='-H Content-Type:application/taxii+json;version=2.1'
events() { "$V" events --db "$A" --json --limit 1000 2> /dev/null | grep -c .; }

check "serve starts" '[ -n "$PORT" ]'
req y GET /taxii2/cti/collections/ $TX
check "two collections: the policy-filtered incidents and the inbox" '[ "$(st)" = 200 ] && jq_ "c=b[\"collections\"]; assert len(c)==2 and [x[\"can_write\"] for x in c]==[False, True]"'
IN=$(python3 -c "import json,sys; print([c['id'] for c in json.load(open(sys.argv[1]))['collections'] if c['title']=='inbox'][0])" "$T/body")
INC=$(python3 -c "import json,sys; print([c['id'] for c in json.load(open(sys.argv[1]))['collections'] if c['title']=='incidents'][0])" "$T/body")
OBJ="/taxii2/cti/collections/$IN/objects/"
req y GET "/taxii2/cti/collections/$IN/" $TX
check "the inbox collection resource" '[ "$(st)" = 200 ] && jq_ "assert b[\"id\"]==\"$IN\" and b[\"can_write\"]"'

# ---- bad input: nothing is written --------------------------------------------------------
req y POST "$OBJ" $TX -H "Content-Type: application/json" --data-binary "@$D/envelope.json"
check "POST as application/json: 415" '[ "$(st)" = 415 ] && jq_ "assert b[\"http_status\"]==\"415\""'
req y POST "$OBJ" -H "Accept: text/html" $CT --data-binary "@$D/envelope.json"
check "POST accepting only text/html: 406" '[ "$(st)" = 406 ]'
req y POST "$OBJ" $TX $CT --data-binary '{"objects": ['
check "malformed JSON: 400, a TAXII error" '[ "$(st)" = 400 ] && grep -qi "^Content-Type: application/taxii+json" "$T/hdr"'
req y POST "$OBJ" $TX $CT --data-binary '{"objects": {}}'
check "objects that are not a list: 400" '[ "$(st)" = 400 ]'
python3 -c "
import json,sys
b=json.load(open(sys.argv[1])); b['objects']=[o for o in b['objects'] if o['id'].endswith('not-a-uuid')]
json.dump(b, open(sys.argv[2], 'w'))" "$D/bad-object.json" "$T/only-bad.json"
req y POST "$OBJ" $TX $CT --data-binary "@$T/only-bad.json"
check "an envelope of one object with a bad id: 422 naming it" '[ "$(st)" = 422 ] && jq_ "f=b[\"details\"][\"failures\"]; assert len(f)==1 and f[0][\"id\"]==\"indicator--not-a-uuid\""'
check "... nothing was written: no event" '[ "$(events)" -eq 0 ]'
req ana GET "$OBJ" $TX
check "... no object in the inbox" '[ "$(st)" = 200 ] && jq_ "assert b[\"objects\"]==[] and not b[\"more\"]"'
# a POST mixing valid and invalid objects: the valid ones go in, the status says which failed
req y POST "$OBJ" $TX $CT --data-binary "@$D/bad-object.json"
check "a valid object beside one with a bad id: 202, 1 success, 1 failure" '[ "$(st)" = 202 ] && jq_ "assert b[\"status\"]==\"complete\" and b[\"total_count\"]==2 and b[\"success_count\"]==1 and b[\"failure_count\"]==1 and b[\"pending_count\"]==0"'
check "... its successes name the valid one" 'jq_ "assert [s[\"id\"] for s in b[\"successes\"]]==[\"indicator--7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e\"]"'
check "... its failures the other, with the reason" 'jq_ "f=b[\"failures\"]; assert len(f)==1 and f[0][\"id\"]==\"indicator--not-a-uuid\" and \"uuid\" in f[0][\"message\"]" || { cat "$T/body"; false; }'
MSID=$(jq_ "print(b[\"id\"])")
req y GET "/taxii2/cti/status/$MSID/" $TX
check "... the status resource says the same when read again" '[ "$(st)" = 200 ] && jq_ "assert b[\"success_count\"]==1 and b[\"failure_count\"]==1 and b[\"failures\"][0][\"id\"]==\"indicator--not-a-uuid\""'
req y POST "$OBJ" $TX $CT --data-binary "@$D/bad-stix.json"
check "one object the STIX importer rejects (modified before created): 202, 1 failure" '[ "$(st)" = 202 ] && jq_ "assert b[\"success_count\"]==1 and b[\"failure_count\"]==1 and b[\"failures\"][0][\"id\"]==\"indicator--2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a\" and \"modified\" in b[\"failures\"][0][\"message\"]"'
check "... the rejected one left nothing behind" '! "$V" events --db "$A" --json --limit 1000 2> /dev/null | grep -q "older-than-created"'
check "... the valid one became an event" '"$V" events --db "$A" --json --limit 1000 2> /dev/null | grep -q "fine.example.test"'
req ana GET "$OBJ?match%5Bid%5D=indicator--2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a" $TX
check "... and is not in the inbox" '[ "$(st)" = 200 ] && jq_ "assert b[\"objects\"]==[]"'
BASE=$(events)
for x in indicator--7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e indicator--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f; do
	req ana DELETE "${OBJ}$x/" $TX
done
req y POST "/taxii2/cti/collections/$INC/objects/" $TX $CT --data-binary "@$D/envelope.json"
check "POST to the read-only incidents collection: 403" '[ "$(st)" = 403 ]'
req y POST "/taxii2/cti/collections/nope/objects/" $TX $CT --data-binary "@$D/envelope.json"
check "POST to an unknown collection: 404" '[ "$(st)" = 404 ]'

# ---- a good envelope --------------------------------------------------------------------------
req y POST "$OBJ" $TX $CT --data-binary "@$D/envelope.json"
check "POST an envelope: 202 and a complete status" '[ "$(st)" = 202 ] && jq_ "assert b[\"status\"]==\"complete\" and b[\"total_count\"]==4 and b[\"success_count\"]==4 and b[\"failure_count\"]==0 and b[\"pending_count\"]==0 and len(b[\"successes\"])==4"'
SID=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$T/body")
check "... the objects became events through the STIX importer" '[ "$(events)" -ge $((BASE + 2)) ]'
check "... with the partner as their provenance" '"$V" events --db "$A" --json --limit 1000 2> /dev/null | python3 -c "
import json,sys
ev=[json.loads(l) for l in sys.stdin if l.strip()]
assert ev and all(e.get(\"feed.provider\")==\"CERT-Y\" for e in ev), ev[:1]"'
check "... audited as api:y" '"$V" audit log --object "taxii:$IN" --db "$A" 2> /dev/null | grep -q "api:y"'
req y GET "/taxii2/cti/status/$SID/" $TX
check "status resource: its account reads it" '[ "$(st)" = 200 ] && jq_ "assert b[\"id\"]==\"$SID\" and b[\"success_count\"]==4"'
req ana GET "/taxii2/cti/status/$SID/" $TX
check "... an analyst too" '[ "$(st)" = 200 ]'
req isac GET "/taxii2/cti/status/$SID/" $TX
check "... another partner: 404" '[ "$(st)" = 404 ]'
req y GET "/taxii2/cti/status/$SID/" -H "Accept: text/plain"
check "... asked as text/plain: 406" '[ "$(st)" = 406 ]'

# ---- reading the rows -------------------------------------------------------------------------
req y GET "$OBJ" $TX
check "the sender reads back the latest versions: 3 objects" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"objects\"])==3 and not b[\"more\"]" && grep -qi "^X-TAXII-Date-Added-First:" "$T/hdr" && grep -qi "^X-TAXII-Date-Added-Last:" "$T/hdr"'
check "... the newest version of the indicator" 'jq_ "assert [o[\"modified\"] for o in b[\"objects\"] if o[\"id\"].startswith(\"indicator--5d2b\")]==[\"2026-01-12T09:30:00.250Z\"]"'
req isac GET "$OBJ" $TX
check "another partner reads none of them" '[ "$(st)" = 200 ] && jq_ "assert b[\"objects\"]==[]"'
req isac GET "${OBJ}indicator--5d2b7c1a-9e3f-4a68-b0c4-7e1f2a3b4c5d/" $TX
check "... nor one by id: 404" '[ "$(st)" = 404 ]'
req isac GET "${OBJ}indicator--5d2b7c1a-9e3f-4a68-b0c4-7e1f2a3b4c5d/versions/" $TX
check "... nor its versions" '[ "$(st)" = 404 ]'
req ana GET "$OBJ?match%5Bversion%5D=all" $TX
check "match[version]=all: 4" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"objects\"])==4"'
req ana GET "$OBJ?match%5Bversion%5D=first&match%5Btype%5D=indicator" $TX
check "match[version]=first with match[type]" 'jq_ "assert sorted(o[\"modified\"] for o in b[\"objects\"])==[\"2026-01-10T08:00:00.000Z\", \"2026-01-11T10:00:00.000Z\"]"'
req ana GET "$OBJ?match%5Bversion%5D=2026-01-10T08:00:00Z" $TX
check "match[version]=<timestamp> (another precision, same instant)" 'jq_ "assert len(b[\"objects\"])==2"'
req ana GET "$OBJ?match%5Bversion%5D=yesterday" $TX
check "a bad match[version]: 400" '[ "$(st)" = 400 ]'
req ana GET "$OBJ?match%5Bid%5D=identity--8f4a0b62-3c1e-4b77-9a51-2f0d7c3e6a10,indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" $TX
check "match[id] with two ids" 'jq_ "assert len(b[\"objects\"])==2"'
req ana GET "$OBJ?match%5Bspec_version%5D=2.0" $TX
check "match[spec_version]=2.0: none" 'jq_ "assert b[\"objects\"]==[]"'
req ana GET "$OBJ?limit=1&match%5Bversion%5D=all" $TX
check "a page of one: more and next" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"objects\"])==1 and b[\"more\"] and b[\"next\"]"'
NEXT=$(python3 -c "import json,sys,urllib.parse; print(urllib.parse.quote(json.load(open(sys.argv[1]))['next']))" "$T/body")
FIRST=$(python3 -c "import json,sys; b=json.load(open(sys.argv[1]))['objects'][0]; print(b['id'] + b.get('modified',''))" "$T/body")
seen=1; more=1; ids="$FIRST"
while [ "$more" = 1 ] && [ $seen -lt 10 ]; do
	req ana GET "$OBJ?limit=1&match%5Bversion%5D=all&next=$NEXT" $TX
	seen=$((seen + 1))
	more=$(python3 -c "import json,sys; print(1 if json.load(open(sys.argv[1]))['more'] else 0)" "$T/body")
	NEXT=$(python3 -c "import json,sys,urllib.parse; print(urllib.parse.quote(json.load(open(sys.argv[1])).get('next') or ''))" "$T/body")
	ids="$ids $(python3 -c "import json,sys; b=json.load(open(sys.argv[1]))['objects'][0]; print(b['id'] + b.get('modified',''))" "$T/body")"
done
check "following next gives the four versions, each once" '[ $seen -eq 4 ] && [ "$(echo $ids | tr " " "\n" | sort -u | wc -l)" -eq 4 ]'
req ana GET "$OBJ?next=garbage" $TX
check "a forged next: 400" '[ "$(st)" = 400 ]'
req ana GET "$OBJ?added_after=2999-01-01T00:00:00Z" $TX
check "added_after in the future: none" '[ "$(st)" = 200 ] && jq_ "assert b[\"objects\"]==[]"'
req ana GET "$OBJ?added_after=2000-01-01T00:00:00Z" $TX
check "added_after in the past: all three" 'jq_ "assert len(b[\"objects\"])==3"'
req ana GET "${OBJ}indicator--5d2b7c1a-9e3f-4a68-b0c4-7e1f2a3b4c5d/versions/" $TX
check "versions of an object" '[ "$(st)" = 200 ] && jq_ "assert b[\"versions\"]==[\"2026-01-10T08:00:00.000Z\", \"2026-01-12T09:30:00.250Z\"]"'
req ana GET "/taxii2/cti/collections/$IN/manifest/" $TX
check "manifest of the inbox" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"objects\"])==3 and all(o[\"media_type\"].startswith(\"application/stix+json\") and o[\"date_added\"] for o in b[\"objects\"])"'
req y POST "$OBJ" $TX $CT --data-binary "@$D/envelope.json"
check "the same envelope again: 202, nothing twice" '[ "$(st)" = 202 ] && jq_ "assert b[\"success_count\"]==4"'
req ana GET "$OBJ?match%5Bversion%5D=all" $TX
check "... still four versions" 'jq_ "assert len(b[\"objects\"])==4"'

# ---- DELETE -----------------------------------------------------------------------------------
D1="${OBJ}indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/"
req y DELETE "$D1" $TX
check "a partner may not DELETE: 403" '[ "$(st)" = 403 ]'
req ana DELETE "$D1" $TX
check "an analyst deletes an object: 200" '[ "$(st)" = 200 ]'
req ana GET "$D1" $TX
check "... it is gone" '[ "$(st)" = 404 ]'
req ana DELETE "$D1" $TX
check "... deleting it again: 404" '[ "$(st)" = 404 ]'
check "... the deletion is audited as api:ana" '"$V" audit log --object "taxii:$IN" --db "$A" 2> /dev/null | grep "api:ana" | grep -q "delete-object"'
req ana DELETE "/taxii2/cti/collections/$INC/objects/indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/" $TX
check "DELETE in the incidents collection: 403" '[ "$(st)" = 403 ]'
# spec 5.8: match[version] deletes only the versions it names; versions and manifest follow
D2="${OBJ}indicator--5d2b7c1a-9e3f-4a68-b0c4-7e1f2a3b4c5d/"
req ana DELETE "${D2}?match%5Bversion%5D=bogus" $TX
check "DELETE with a bad match[version]: 400, a TAXII error" '[ "$(st)" = 400 ] && jq_ "assert b[\"http_status\"]==\"400\""'
req ana DELETE "${D2}?match%5Bversion%5D=first" $TX
check "DELETE match[version]=first: 200" '[ "$(st)" = 200 ]'
req ana GET "${D2}versions/" $TX
check "... versions lists the later one only" '[ "$(st)" = 200 ] && jq_ "assert b[\"versions\"]==[\"2026-01-12T09:30:00.250Z\"], b"'
req ana GET "/taxii2/cti/collections/$IN/manifest/?match%5Bid%5D=indicator--5d2b7c1a-9e3f-4a68-b0c4-7e1f2a3b4c5d&match%5Bversion%5D=all" $TX
check "... so does the manifest" 'jq_ "assert [o[\"version\"] for o in b[\"objects\"]]==[\"2026-01-12T09:30:00.250Z\"], b"'
req ana GET "${D2}?match%5Bversion%5D=first" $TX
check "... and the one left is now the first as well" '[ "$(st)" = 200 ] && jq_ "assert [o[\"modified\"] for o in b[\"objects\"]]==[\"2026-01-12T09:30:00.250Z\"]"'
req ana DELETE "${D2}?match%5Bversion%5D=2026-01-10T08:00:00.000Z" $TX
check "DELETE of a version no longer there: 404" '[ "$(st)" = 404 ]'
req ana DELETE "${D2}?match%5Bspec_version%5D=2.0" $TX
check "DELETE match[spec_version]=2.0: nothing is 2.0, 404" '[ "$(st)" = 404 ]'
req ana DELETE "${D2}?match%5Bversion%5D=2026-01-12T09:30:00.25Z" $TX
check "DELETE of the named version (another precision): 200" '[ "$(st)" = 200 ]'
req ana GET "${D2}versions/" $TX
check "... nothing is left of it" '[ "$(st)" = 404 ]'

# ---- the authorisation walk of the new endpoints ---------------------------------------------
for ep in "POST $OBJ" "DELETE $D1" "GET ${D1}versions/" "GET /taxii2/cti/status/$SID/" "GET $OBJ"; do
	set -- $ep
	req none "$1" "$2" $TX $CT -d '{"objects":[]}'
	check "no credentials: $ep is 401" '[ "$(st)" = 401 ]'
	req none "$1" "$2" $TX $CT -d '{"objects":[]}' -H "Authorization: Bearer vgt_$(printf '%064d' 0)"
	check "an unknown token: $ep is 401" '[ "$(st)" = 401 ]'
done
for who in y isac; do
	req $who DELETE "${OBJ}identity--8f4a0b62-3c1e-4b77-9a51-2f0d7c3e6a10/" $TX
	check "partner $who: DELETE is 403" '[ "$(st)" = 403 ]'
done
req isac GET "$OBJ?match%5Bversion%5D=all" $TX
check "partner isac sees nothing CERT-Y sent, whatever the filter" '[ "$(st)" = 200 ] && jq_ "assert b[\"objects\"]==[]"'
req ana GET "$OBJ?match%5Bid%5D=x%27%20OR%20%271%27=%271" $TX
check "SQL in match[id] is a value: nothing" '[ "$(st)" = 200 ] && jq_ "assert b[\"objects\"]==[]"'

# ---- vigia taxii push, against this server ----------------------------------------------------
cat > "$T/bundle.json" << 'EOF'
{"type": "bundle", "id": "bundle--3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d", "objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--aa000000-0000-4000-8000-000000000001",
  "created": "2026-02-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
  "pattern": "[ipv4-addr:value = '203.0.113.1']", "pattern_type": "stix", "valid_from": "2026-02-01T00:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--aa000000-0000-4000-8000-000000000002",
  "created": "2026-02-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
  "pattern": "[ipv4-addr:value = '203.0.113.2']", "pattern_type": "stix", "valid_from": "2026-02-01T00:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--aa000000-0000-4000-8000-000000000003",
  "created": "2026-02-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
  "pattern": "[ipv4-addr:value = '203.0.113.3']", "pattern_type": "stix", "valid_from": "2026-02-01T00:00:00Z"}
]}
EOF
VIGIA_TAXII_TOKEN=$TOK_isac "$V" taxii push --to "$U/taxii2/cti/" --collection "$IN" --user isac --limit 2 "$T/bundle.json" > /dev/null 2> "$T/push.err"; rc=$?
check "taxii push (Basic, envelopes of 2): exit 0" '[ $rc -eq 0 ] || { cat "$T/push.err"; false; }'
check "... 3 objects in 2 envelopes" 'grep -q "3 objects sent in 2 envelopes" "$T/push.err"'
req isac GET "$OBJ" $TX
check "... the sender reads them back" 'jq_ "assert sorted(o[\"id\"][-1] for o in b[\"objects\"])==[\"1\", \"2\", \"3\"]"'
"$V" export --format stix --for ISAC --db "$A" -o "$T/exp.json" > /dev/null 2>&1
VIGIA_TAXII_TOKEN=$TOK_ana "$V" taxii push --to "$U/taxii2/cti/" --collection "$IN" - < "$D/envelope.json" > /dev/null 2> "$T/push.err"; rc=$?
check "taxii push from standard input (an envelope's objects)" '[ $rc -eq 0 ] || { cat "$T/push.err"; false; }'
VIGIA_TAXII_TOKEN=$TOK_ana "$V" taxii push --to "$U/taxii2/cti/" --collection "$IN" "$D/bad-stix.json" > /dev/null 2> "$T/push.err"; rc=$?
check "pushing invalid STIX: exit 1, the reason shown" '[ $rc -eq 1 ] && grep -q "modified" "$T/push.err"'
VIGIA_TAXII_TOKEN=vgt_nope "$V" taxii push --to "$U/taxii2/cti/" --collection "$IN" "$T/bundle.json" > /dev/null 2> "$T/push.err"; rc=$?
check "a bad token: exit 2" '[ $rc -eq 2 ] && grep -q "401" "$T/push.err"'
VIGIA_TAXII_TOKEN=$TOK_ana "$V" taxii push --to "$U/taxii2/cti/" --collection "$IN" "$T/nothing.json" > /dev/null 2> "$T/push.err"; rc=$?
check "a missing file: exit 2" '[ $rc -eq 2 ]'
VIGIA_TAXII_TOKEN=$TOK_ana "$V" taxii push --to "$U/taxii2/cti/" "$T/bundle.json" > /dev/null 2> "$T/push.err"; rc=$?
check "no --collection: exit 2" '[ $rc -eq 2 ]'

# ---- the OASIS reference server's objects ------------------------------------------------------
if [ -f "$SHARED/medallion-default_data.json" ]; then
	python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
c=[c for c in d['trustgroup1']['collections'] if c['id']=='91a7b528-80eb-42ed-a74d-c6fbd5a26116'][0]
objs=[{k: v for k, v in o.items() if k != '__meta'} for o in c['objects']]
json.dump({'objects': objs}, open(sys.argv[2], 'w'))" "$SHARED/medallion-default_data.json" "$T/medallion.json"
	req ana POST "$OBJ" $TX $CT --data-binary "@$T/medallion.json"
	check "medallion's 8 objects: 202, 7 taken, the malware without spec_version a failure" '[ "$(st)" = 202 ] && jq_ "f=b[\"failures\"]; assert b[\"success_count\"]==7 and len(f)==1 and \"malware--c0931cc6\" in f[0][\"message\"]" || { cat "$T/body"; false; }'
	python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
d['objects']=[o for o in d['objects'] if 'spec_version' in o]
json.dump(d, open(sys.argv[1], 'w'))" "$T/medallion.json"
	req ana POST "$OBJ" $TX $CT --data-binary "@$T/medallion.json"
	check "... the other 7: 202" '[ "$(st)" = 202 ] && jq_ "assert b[\"success_count\"]==7"'
	req ana GET "${OBJ}indicator--6770298f-0fd8-471a-ab8c-1c658a46574e/versions/" $TX
	check "... the three versions of medallion's indicator, oldest first" 'jq_ "assert b[\"versions\"]==[\"2016-11-03T12:30:59.000Z\", \"2016-12-25T12:30:59.444Z\", \"2017-01-27T13:49:53.935Z\"]"'
	req ana GET "${OBJ}indicator--6770298f-0fd8-471a-ab8c-1c658a46574e/" $TX
	check "... by id: its latest version" 'jq_ "assert [o[\"modified\"] for o in b[\"objects\"]]==[\"2017-01-27T13:49:53.935Z\"]"'
else
	echo "# SKIP part: ../shared is absent (the medallion objects)"
fi

# ---- collections of the configuration (taxii.collections) -----------------------------------------
kill "$LAST"; wait "$LAST" 2> /dev/null; rc=$?
check "the server that took the POSTs stops cleanly (exit 0: nothing leaked)" '[ $rc -eq 0 ]'
S=$(pwd)/tests/data/share
A="$T/views.db"
"$V" ingest --db "$A" --feed-file "$S/feed.json" "$S/events.csv" > /dev/null 2>&1
# 1 phishing, 2 infected-system, 3 c2-server, 4 brute-force, 5 scanner (RED from the feed)
"$V" incidents set 1 --tlp GREEN --db "$A" > /dev/null 2>&1
"$V" incidents set 2 --tlp AMBER+STRICT --db "$A" > /dev/null 2>&1
"$V" incidents set 3 --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" incidents set 4 --tlp CLEAR --db "$A" > /dev/null 2>&1
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" partner add ISAC --kind community --tlp GREEN --db "$A" > /dev/null 2>&1
for a in "ana analyst" "y partner CERT-Y" "isac partner ISAC"; do
	set -- $a
	"$V" account add "$1" --role "$2" ${3:+--partner "$3"} --db "$A" 2> /dev/null
	eval "TOK_$1=\$(\"\$V\" account token \"\$1\" --db \"\$A\" 2> /dev/null)"
done
"$V" serve --db "$A" --http.port=0 --taxii.collections="green-y partner=CERT-Y" > /dev/null 2> "$T/err"; rc=$?
check "a malformed taxii.collections: serve refuses to start, exit 2" '[ $rc -eq 2 ] && grep -q "taxii.collections" "$T/err"'
"$V" serve --db "$A" --http.port=0 --taxii.collections="x: partner=CERT-Y, tlp=PURPLE" > /dev/null 2> "$T/err"; rc=$?
check "... a bad TLP too" '[ $rc -eq 2 ]'
serve_start --taxii.collections="green-y: partner=CERT-Y, tlp=GREEN, types=incident+indicator; all-isac: partner=ISAC"
req y GET /taxii2/cti/collections/ $TX
check "CERT-Y lists its configured collection, not ISAC's" '[ "$(st)" = 200 ] && jq_ "t=[c[\"title\"] for c in b[\"collections\"]]; assert t==[\"incidents\", \"inbox\", \"green-y\"], t"'
GY=$(python3 -c "import json,sys; print([c['id'] for c in json.load(open(sys.argv[1]))['collections'] if c['title']=='green-y'][0])" "$T/body")
req isac GET /taxii2/cti/collections/ $TX
check "ISAC lists all-isac, not green-y" 'jq_ "t=[c[\"title\"] for c in b[\"collections\"]]; assert t==[\"incidents\", \"inbox\", \"all-isac\"], t"'
req ana GET /taxii2/cti/collections/ $TX
check "an analyst lists both" 'jq_ "assert len(b[\"collections\"])==4"'
req y GET "/taxii2/cti/collections/$GY/objects/?limit=1000" $TX
cp "$T/body" "$T/gy.json"
check "green-y: 200" '[ "$(st)" = 200 ]'
check "... only incidents and indicators" 'jq_ "assert b[\"objects\"] and {o[\"type\"] for o in b[\"objects\"]} <= {\"incident\", \"indicator\"}"'
check "... only CLEAR and GREEN incidents (two), though CERT-Y may receive AMBER" 'jq_ "assert len([o for o in b[\"objects\"] if o[\"type\"]==\"incident\"])==2"'
"$V" export --format stix --for CERT-Y --db "$A" -o "$T/exp-y.json" 2> /dev/null
check "... a subset of what 'export --for CERT-Y' gives" 'python3 -c "
import json,sys
t={o[\"id\"] for o in json.load(open(sys.argv[1]))[\"objects\"]}
e={o[\"id\"] for o in json.load(open(sys.argv[2]))[\"objects\"]}
assert t and t <= e, t - e" "$T/gy.json" "$T/exp-y.json"'
check "... no AMBER, AMBER+STRICT or RED marking" '! grep -q "f88d31f6-486f-44da-b317-01333bde0b82\|939a9414-2ddd-4d32-a0cd-375ea402b003\|e828b379-4e03-4974-9ac4-e53a884c97c1" "$T/gy.json"'
req isac GET "/taxii2/cti/collections/$GY/objects/" $TX
check "ISAC asking for green-y: 404" '[ "$(st)" = 404 ]'
req isac GET "/taxii2/cti/collections/$GY/" $TX
check "... nor its resource" '[ "$(st)" = 404 ]'
req y POST "/taxii2/cti/collections/$GY/objects/" $TX $CT --data-binary "@$D/envelope.json"
check "POST to a configured collection: 403 (read-only)" '[ "$(st)" = 403 ]'
req ana GET "/taxii2/cti/collections/$GY/manifest/" $TX
check "an analyst reads green-y's manifest" '[ "$(st)" = 200 ] && jq_ "assert b[\"objects\"]"'
# green-y is served from rows kept current (store_taxii_view_*): the same answer from the rows,
# page by page, and a marking change is seen by the very next request
incs() { jq_ "print(len([o for o in b[\"objects\"] if o[\"type\"]==\"incident\"]))"; }
req y GET "/taxii2/cti/collections/$GY/objects/?limit=1000" $TX
check "green-y again (from its rows): the same objects" 'python3 -c "
import json,sys
a=json.load(open(sys.argv[1]))[\"objects\"]; b=json.load(open(sys.argv[2]))[\"objects\"]
assert a==b" "$T/gy.json" "$T/body"'
req y GET "/taxii2/cti/collections/$GY/objects/?limit=1" $TX
NEXT=$(python3 -c "import json,sys,urllib.parse; print(urllib.parse.quote(json.load(open(sys.argv[1])).get('next') or ''))" "$T/body")
ids=$(jq_ "print(b[\"objects\"][0][\"id\"])"); seen=1
while [ -n "$NEXT" ] && [ $seen -lt 200 ]; do
	req y GET "/taxii2/cti/collections/$GY/objects/?limit=1&next=$NEXT" $TX
	ids="$ids $(jq_ "print(b[\"objects\"][0][\"id\"])")"; seen=$((seen + 1))
	NEXT=$(python3 -c "import json,sys,urllib.parse; print(urllib.parse.quote(json.load(open(sys.argv[1])).get('next') or ''))" "$T/body")
done
check "... pages of one follow next through all of it, in the same order" 'python3 -c "
import json,sys
assert sys.argv[2].split()==[o[\"id\"] for o in json.load(open(sys.argv[1]))[\"objects\"]]" "$T/gy.json" "$ids"'
"$V" incidents set 1 --tlp RED --db "$A" > /dev/null 2>&1
req y GET "/taxii2/cti/collections/$GY/objects/?limit=1000" $TX
check "incident 1 set to TLP:RED: gone from green-y at the next request" '[ "$(st)" = 200 ] && [ "$(incs)" -eq 1 ] && ! grep -q "e828b379-4e03-4974-9ac4-e53a884c97c1" "$T/body"'
req ana GET "/taxii2/cti/collections/$GY/manifest/" $TX
check "... from its manifest as well" '[ "$(st)" = 200 ] && [ "$(jq_ "print(len(b[\"objects\"]))")" -lt "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))[\"objects\"]))" "$T/gy.json")" ]'
"$V" incidents set 1 --tlp GREEN --db "$A" > /dev/null 2>&1
req y GET "/taxii2/cti/collections/$GY/objects/?limit=1000" $TX
check "... and back when it is GREEN again" '[ "$(incs)" -eq 2 ]'

# ---- limits ------------------------------------------------------------------------------------
kill "$LAST"; wait "$LAST" 2> /dev/null
serve_start --http.max_body=1k
python3 -c "import json; print(json.dumps({'objects': [{'type': 'note', 'id': 'note--x', 'content': 'x'*5000}]}))" > "$T/big"
req ana POST "$OBJ" $TX $CT --data-binary "@$T/big"
check "an envelope above http.max_body: 413, a TAXII error message" '[ "$(st)" = 413 ] && grep -qi "^Content-Type: application/taxii+json;version=2.1" "$T/hdr" && jq_ "assert b[\"http_status\"]==\"413\" and b[\"title\"] and b[\"description\"]"'
req ana POST /api/v1/incidents -H "Content-Type: application/json" --data-binary "@$T/big"
check "... on /api/: a JSON API error object" '[ "$(st)" = 413 ] && grep -qi "^Content-Type: application/json" "$T/hdr" && jq_ "assert b[\"error\"][\"status\"]==413"'
# every error on /taxii2/ is a TAXII error message: 401, 403, 404, 406, 415
terr() { grep -qi "^Content-Type: application/taxii+json;version=2.1" "$T/hdr" && jq_ "assert b[\"http_status\"]==\"$1\" and b[\"title\"] and \"description\" in b"; }
req none GET "$OBJ" $TX
check "TAXII 401: a TAXII error message" '[ "$(st)" = 401 ] && terr 401'
req y DELETE "${OBJ}identity--8f4a0b62-3c1e-4b77-9a51-2f0d7c3e6a10/" $TX
check "TAXII 403: a TAXII error message" '[ "$(st)" = 403 ] && terr 403'
req y GET "/taxii2/cti/collections/nope/objects/" $TX
check "TAXII 404: a TAXII error message" '[ "$(st)" = 404 ] && terr 404'
req y GET "$OBJ" -H "Accept: text/html"
check "TAXII 406: a TAXII error message" '[ "$(st)" = 406 ] && terr 406'
req y POST "$OBJ" $TX -H "Content-Type: text/plain" -d x
check "TAXII 415: a TAXII error message" '[ "$(st)" = 415 ] && terr 415'
kill "$LAST"; wait "$LAST" 2> /dev/null
serve_start --http.rate_limit=1
codes=""; for i in 1 2 3 4 5; do req y GET /taxii2/cti/collections/ $TX; codes="$codes $(st)"; [ "$(st)" = 429 ] && cp "$T/body" "$T/429" && cp "$T/hdr" "$T/429h"; done
check "TAXII 429 past the rate limit: a TAXII error message" 'echo "$codes" | grep -q 429 && grep -qi "^Content-Type: application/taxii+json;version=2.1" "$T/429h" && python3 -c "import json,sys; b=json.load(open(sys.argv[1])); assert b[\"http_status\"]==\"429\"" "$T/429"'
codes=""; for i in 1 2 3 4 5; do req ana GET /api/v1/incidents; codes="$codes $(st)"; [ "$(st)" = 429 ] && cp "$T/body" "$T/429"; done
check "... on /api/: a JSON API error object" 'echo "$codes" | grep -q 429 && python3 -c "import json,sys; b=json.load(open(sys.argv[1])); assert b[\"error\"][\"status\"]==429" "$T/429"'
kill "$LAST"; wait "$LAST" 2> /dev/null
# 503: the store cannot be opened (its directory went away after the server started)
mkdir "$T/gone"
rm -f "$T/port"
"$V" serve --db "$T/gone/v.db" --http.port=0 --port-file "$T/port" 2>> "$T/serve.log" &
PIDS="$PIDS $!"; LAST=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
U="http://127.0.0.1:$(cat "$T/port" 2> /dev/null)"
rm -rf "$T/gone"
req y GET /taxii2/cti/collections/ $TX
check "TAXII 503 when the store cannot be opened: a TAXII error message" '[ "$(st)" = 503 ] && terr 503'
req ana GET /api/v1/incidents
check "... on /api/: a JSON API error object" '[ "$(st)" = 503 ] && jq_ "assert b[\"error\"][\"status\"]==503"'
kill "$LAST"; wait "$LAST" 2> /dev/null
serve_start --http.max_body=1k
kill "$LAST"; wait "$LAST" 2> /dev/null; rc=$?
check "SIGTERM stops the server cleanly (exit 0: nothing leaked)" '[ $rc -eq 0 ]'
check "no sanitizer report in the server's log" '! grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" "$T/serve.log"'

echo "1..$n"
[ "$bad" -eq 0 ]
