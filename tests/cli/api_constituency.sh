#!/bin/sh
# The JSON API of the constituency and of notifications on `vigia serve`: organisations and
# partner CERTs listed (paginated) and shown by analysts and administrators, created, replaced
# and removed by administrators only (the same checks as `vigia constituency import`: a bad
# value or a network another organisation holds is a 400/409 naming it, and nothing changes),
# every change audited as api:<account>; the notification queue by incident and state; one
# incident exported for a partner (STIX, MISP, IODEF, CSV: what `vigia export --for` gives); JSON
# errors; and the roles walk of these endpoints (partners reach none, analysts read only).
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
T=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2> /dev/null; done; rm -rf "$T"' EXIT
. tests/lib.sh
command -v curl > /dev/null || { echo "SKIP: curl is not installed"; exit 0; }
unset VIGIA_DB
export VIGIA_USER=tester
A="$T/a.db"
"$V" constituency import --db "$A" tests/data/constituency/good.csv > /dev/null 2>&1
"$V" ingest --db "$A" --feed-file tests/data/share/feed.json tests/data/share/events.csv > /dev/null 2>&1
"$V" notify plan --db "$A" > /dev/null 2>&1
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
for a in "boss admin" "ana analyst" "y partner CERT-Y"; do
	set -- $a
	"$V" account add "$1" --role "$2" ${3:+--partner "$3"} --db "$A" 2> /dev/null
	eval "TOK_$1=\$(\"\$V\" account token \"\$1\" --db \"\$A\" 2> /dev/null)"
done
rm -f "$T/port"
"$V" serve --db "$A" --http.port=0 --port-file "$T/port" 2>> "$T/serve.log" &
PIDS="$PIDS $!"; LAST=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
U="http://127.0.0.1:$(cat "$T/port" 2> /dev/null)"
req() {
	who=$1; m=$2; p=$3; shift 3
	eval "tok=\${TOK_$who:-}"
	if [ -n "$tok" ]; then set -- -H "Authorization: Bearer $tok" "$@"; fi
	curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" "$@" "$U$p" > "$T/st"
}
st() { cat "$T/st"; }
jq_() { python3 -c "import json,sys; b=json.load(open(sys.argv[1])); $1" "$T/body"; }
J='-H Content-Type:application/json'
O=/api/v1/constituency/orgs

req ana GET "$O"
check "an analyst lists the organisations" '[ "$(st)" = 200 ] && jq_ "assert b[\"total\"]>=3 and b[\"next\"] is None and {o[\"name\"] for o in b[\"organisations\"]} >= {\"Universidad Ejemplo\", \"Proveedor Grande\"}"'
TOTAL=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total'])" "$T/body")
req ana GET "$O?limit=1&offset=1"
check "pagination: limit, offset and next" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"organisations\"])==1 and b[\"next\"]==(2 if $TOTAL > 2 else None)"'
req ana GET "$O?limit=0"
check "limit 0: 400, a JSON error" '[ "$(st)" = 400 ] && jq_ "assert b[\"error\"][\"status\"]==400"'
req ana GET "$O/Universidad%20Ejemplo"
check "show one, as the file format has it" '[ "$(st)" = 200 ] && jq_ "assert b[\"name\"]==\"Universidad Ejemplo\" and \"192.0.2.0/24\" in json.dumps(b[\"networks\"]) and b[\"contacts\"]"'
req ana GET "$O/Nadie"
check "an unknown organisation: 404" '[ "$(st)" = 404 ]'
req ana GET "$O/..%2f..%2fetc%2fpasswd"
check "path traversal: 404" '[ "$(st)" = 404 ]'
req ana PUT "$O/Nueva" $J -d '{"networks":["198.18.0.0/24"]}'
check "an analyst may not create one: 403" '[ "$(st)" = 403 ]'
req boss PUT "$O/Nueva" $J -d '{"networks":["198.18.0.0/24"],"asns":[64999],"domains":["nueva.example"],"contacts":[{"email":"CERT@Nueva.Example","lang":"es"}]}'
check "an administrator creates one: 200, values normalised" '[ "$(st)" = 200 ] && jq_ "assert b[\"name\"]==\"Nueva\" and \"CERT@nueva.example\" in json.dumps(b[\"contacts\"])"'
check "... audited as api:boss" '"$V" audit log --object constituency --db "$A" 2> /dev/null | grep "api:boss" | grep -q "api-put-org"'
check "... the CLI sees it" '"$V" constituency show Nueva --db "$A" > /dev/null 2>&1 || "$V" constituency list --db "$A" 2> /dev/null | grep -q Nueva'
req boss PUT "$O/Nueva" $J -d '{"networks":["198.18.1.0/24"]}'
check "PUT again replaces it whole" '[ "$(st)" = 200 ] && jq_ "assert \"198.18.1.0/24\" in json.dumps(b[\"networks\"]) and \"198.18.0.0\" not in json.dumps(b) and not b.get(\"contacts\")"'
req boss PUT "$O/Otra" $J -d '{"networks":["192.0.2.0/24"]}'
check "a network another organisation holds: 409 naming it, nothing changed" '[ "$(st)" = 409 ] && grep -q "Universidad Ejemplo" "$T/body"'
req ana GET "$O/Otra"
check "... Otra does not exist" '[ "$(st)" = 404 ]'
req boss PUT "$O/Otra" $J -d '{"networks":["192.0.2.300/24"]}'
check "a bad network: 400 naming the field" '[ "$(st)" = 400 ] && grep -q "networks" "$T/body"'
req boss PUT "$O/Otra" $J -d '{"name":"Distinta"}'
check "a body naming another organisation: 400" '[ "$(st)" = 400 ]'
req boss PUT "$O/Otra" $J -d '{"networks": ['
check "malformed JSON: 400" '[ "$(st)" = 400 ]'
req boss PUT "$O/Otra" -H "Content-Type: text/plain" -d '{}'
check "wrong media type: 415" '[ "$(st)" = 415 ]'
req boss PUT "$O/Otra" $J -d '{"notes":"x'"'"'); DROP TABLE orgs; --"}'
check "SQL in a value is a value" '[ "$(st)" = 200 ] && jq_ "assert \"DROP TABLE\" in b[\"notes\"]"'
req ana DELETE "$O/Otra"
check "an analyst may not remove one: 403" '[ "$(st)" = 403 ]'
req boss DELETE "$O/Otra"
check "an administrator removes one: 204" '[ "$(st)" = 204 ]'
req boss DELETE "$O/Otra"
check "... again: 404" '[ "$(st)" = 404 ]'
check "... audited" '"$V" audit log --object constituency --db "$A" 2> /dev/null | grep -q "api-remove-org"'

C=/api/v1/constituency/certs
req boss PUT "$C/de" $J -d '{"name":"CERT-Bund","contacts":[{"email":"certbund@bsi.example"}]}'
check "an administrator puts a partner CERT" '[ "$(st)" = 200 ] && jq_ "assert b[\"country\"].lower()==\"de\" and b[\"name\"]==\"CERT-Bund\""'
req ana GET "$C"
check "an analyst lists the CERTs" '[ "$(st)" = 200 ] && jq_ "assert any(x[\"name\"]==\"CERT-Bund\" for x in b[\"certs\"])"'
req ana GET "$C/DE"
check "show one" '[ "$(st)" = 200 ]'
req boss PUT "$C/zz" $J -d '{"name":"Nowhere"}'
check "an unknown country: 400" '[ "$(st)" = 400 ]'
req boss DELETE "$C/de"
check "remove it: 204" '[ "$(st)" = 204 ]'

req ana GET "/api/v1/notifications?limit=1000"
check "the notification queue" '[ "$(st)" = 200 ] && jq_ "assert isinstance(b[\"notifications\"], list) and b[\"more\"] in (True, False)"'
NN=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['notifications']))" "$T/body")
req ana GET "/api/v1/notifications?state=queued&limit=1"
check "by state, paginated" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"notifications\"])<=1 and all(x[\"state\"]==\"queued\" for x in b[\"notifications\"]) and b[\"more\"]==($NN > 1)"'
req ana GET "/api/v1/notifications?state=lost"
check "a bad state: 400" '[ "$(st)" = 400 ]'
req ana GET "/api/v1/notifications?incident=1"
check "by incident" '[ "$(st)" = 200 ] && jq_ "assert all(x[\"incident\"]==1 for x in b[\"notifications\"])"'

# the plan of one incident: what `vigia notify plan ID --json` says, from the server (incident
# 1's address now belongs to an organisation with a contact: a recipient; the others: nobody)
"$V" constituency add org "Red Ejemplo" --network 185.220.101.0/24 \
	--contact abuse@red.example,es --db "$A" > /dev/null 2>&1
req ana GET "/api/v1/incidents/1/notifications/plan"
check "incident 1 goes to the organisation holding its address, with the rule and why" \
	'[ "$(st)" = 200 ] && jq_ "r = b[\"recipients\"]; assert len(r)==1 and r[0][\"recipient\"]==\"abuse@red.example\" and r[0][\"name\"]==\"Red Ejemplo\" and r[0][\"kind\"]==\"org\" and r[0][\"lang\"]==\"es\" and \"185.220.101\" in r[0][\"why\"], r"'
for id in 1 2 3 4 5; do
	"$V" notify plan --incident "$id" --json --db "$A" > "$T/plan.cli" 2> /dev/null
	req ana GET "/api/v1/incidents/$id/notifications/plan"
	check "the plan of incident $id: the CLI's recipients and skipped addresses, with their reasons" \
		'[ "$(st)" = 200 ] && python3 -c "
import json, sys
b = json.load(open(sys.argv[1]))
cli = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
k = (\"recipient\", \"name\", \"kind\", \"side\", \"address\", \"rule\", \"why\", \"interval\")
api = sorted(json.dumps([x.get(f) for f in k]) for x in b[\"recipients\"] + b[\"not_told\"])
want = sorted(json.dumps([x.get(f) for f in k]) for x in cli)
assert b[\"incident\"] == $id and api == want and cli, (api, want)
assert all(x[\"recipient\"] for x in b[\"recipients\"]) and not any(x[\"recipient\"] for x in b[\"not_told\"])
" "$T/body" "$T/plan.cli"'
done
QBEFORE=$("$V" notify status --json --db "$A" 2> /dev/null | wc -l)
req ana GET "/api/v1/incidents/1/notifications/plan"
check "asking for a plan queues nothing" '[ "$("$V" notify status --json --db "$A" 2> /dev/null | wc -l)" -eq "$QBEFORE" ]'
req ana GET "/api/v1/incidents/99/notifications/plan"
check "the plan of an unknown incident: 404" '[ "$(st)" = 404 ]'
req ana GET "/api/v1/incidents/x/notifications/plan"
check "a bad id: 400" '[ "$(st)" = 400 ]'

# ---- exports -------------------------------------------------------------------------------------------
"$V" incidents set 1 --tlp GREEN --db "$A" > /dev/null 2>&1
req ana GET "/api/v1/incidents/1/export?format=stix&for=CERT-Y"
check "export an incident as STIX for a partner" '[ "$(st)" = 200 ] && grep -qi "^Content-Type: application/stix+json" "$T/hdr" && jq_ "assert b[\"type\"]==\"bundle\" and any(o[\"type\"]==\"incident\" for o in b[\"objects\"])"'
cp "$T/body" "$T/api-stix.json"
"$V" export --format stix --for CERT-Y --incident 1 --db "$A" -o "$T/cli-stix.json" 2> /dev/null
check "... the same objects as 'vigia export --for CERT-Y --incident 1'" 'python3 -c "
import json,sys
a={o[\"id\"] for o in json.load(open(sys.argv[1]))[\"objects\"]}
b={o[\"id\"] for o in json.load(open(sys.argv[2]))[\"objects\"]}
assert a==b, a ^ b" "$T/api-stix.json" "$T/cli-stix.json"'
req ana GET "/api/v1/incidents/1/export?format=misp&for=CERT-Y"
check "... as MISP" '[ "$(st)" = 200 ] && grep -q "\"Event\"" "$T/body"'
req ana GET "/api/v1/incidents/1/export?format=iodef&for=CERT-Y"
check "... as IODEF" '[ "$(st)" = 200 ] && grep -q "IODEF-Document" "$T/body"'
req ana GET "/api/v1/incidents/1/export?format=csv&for=CERT-Y"
check "... as CSV" '[ "$(st)" = 200 ] && grep -qi "^Content-Type: text/csv" "$T/hdr" && head -1 "$T/body" | grep -q "^incident,"'
req ana GET "/api/v1/incidents/5/export?format=stix&for=CERT-Y"
check "a RED incident for a partner: withheld, and said so" '[ "$(st)" = 200 ] && grep -qi "^X-Vigia-Withheld-Incidents: 1" "$T/hdr" && jq_ "assert not any(o[\"type\"]==\"incident\" for o in b[\"objects\"])"'
req ana GET "/api/v1/incidents/1/export?format=pdf"
check "an unknown format: 400" '[ "$(st)" = 400 ]'
req ana GET "/api/v1/incidents/1/export?for=NOPE"
check "an unknown partner: 404" '[ "$(st)" = 404 ]'
req ana GET "/api/v1/incidents/99/export"
check "an unknown incident: 404" '[ "$(st)" = 404 ]'

# ---- roles against these endpoints -----------------------------------------------------------------
for ep in "GET $O" "GET $O/Nueva" "PUT $O/Nueva" "DELETE $O/Nueva" "GET $C" "GET $C/de" "PUT $C/de" "DELETE $C/de" "GET /api/v1/notifications" "GET /api/v1/incidents/1/export" "GET /api/v1/incidents/1/notifications/plan" "GET /api/v1/constituency/export" "POST /api/v1/constituency/import"; do
	set -- $ep
	req y "$1" "$2" $J -d '{}'
	check "partner: $ep is 403" '[ "$(st)" = 403 ]'
	req none "$1" "$2" $J -d '{}'
	check "no credentials: $ep is 401" '[ "$(st)" = 401 ]'
done
for ep in "PUT $O/Nueva" "DELETE $O/Nueva" "PUT $C/de" "DELETE $C/de" "POST /api/v1/constituency/import"; do
	set -- $ep
	req ana "$1" "$2" $J -d '{}'
	check "analyst: $ep is 403" '[ "$(st)" = 403 ]'
done
req none GET /api/v1/openapi.json
check "the OpenAPI document lists the new paths" 'jq_ "p=b[\"paths\"]; assert all(k in p for k in (\"/api/v1/constituency/orgs\", \"/api/v1/constituency/orgs/{name}\", \"/api/v1/constituency/certs\", \"/api/v1/notifications\", \"/api/v1/incidents/{id}/export\", \"/taxii2/cti/status/{id}/\"))"'
kill "$LAST"; wait "$LAST" 2> /dev/null; rc=$?
check "SIGTERM stops the server cleanly (exit 0: nothing leaked)" '[ $rc -eq 0 ]'
check "no sanitizer report in the server's log" '! grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error" "$T/serve.log"'

echo "1..$n"
[ "$bad" -eq 0 ]
