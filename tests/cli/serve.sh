#!/bin/sh
# `vigia serve`: the JSON API and TAXII 2.1 over HTTP, started on a free loopback port and
# driven with curl.  Credentials (none, malformed, revoked, Bearer, Basic), roles against
# every endpoint, media types (406, 415), body limits (413), pagination, the audit trail of
# changes, the rate limit (429), and the authorisation walk: for every account and every
# marking, a partner receives through TAXII exactly what `vigia export --for` gives it (the
# one sharing policy decides), never a TLP:RED object nor an AMBER+STRICT one above its
# rights, and never reaches the incidents of the JSON API.  Fixtures: tests/data/share/.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
D=$(pwd)/tests/data/share
T=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2> /dev/null; done; rm -rf "$T"' EXIT
. tests/lib.sh
command -v curl > /dev/null || { echo "SKIP: curl is not installed"; exit 0; }
unset VIGIA_DB
export VIGIA_USER=tester
A="$T/a.db"
"$V" ingest --db "$A" --feed-file "$D/feed.json" "$D/events.csv" > /dev/null 2>&1
# 1 phishing, 2 infected-system, 3 c2-server, 4 brute-force, 5 scanner (RED from the feed)
"$V" incidents set 1 --tlp GREEN --db "$A" > /dev/null 2>&1
"$V" incidents set 2 --tlp AMBER+STRICT --db "$A" > /dev/null 2>&1
"$V" incidents set 3 --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" incidents set 4 --tlp CLEAR --db "$A" > /dev/null 2>&1
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" partner add ISAC --kind community --tlp GREEN --db "$A" > /dev/null 2>&1
"$V" partner add CERT-S --kind partner --tlp AMBER+STRICT --db "$A" > /dev/null 2>&1
for a in "boss admin" "ana analyst" "y partner CERT-Y" "isac partner ISAC" "s partner CERT-S"; do
	set -- $a
	"$V" account add "$1" --role "$2" ${3:+--partner "$3"} --db "$A" 2> /dev/null
	eval "TOK_$1=\$(\"\$V\" account token \"\$1\" --db \"\$A\" 2> /dev/null)"
done
"$V" account add gone --role analyst --db "$A" 2> /dev/null
TOK_gone=$("$V" account token gone --db "$A" 2> /dev/null)
"$V" account revoke 6 --db "$A" 2> /dev/null

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

check "serve starts on a free port" '[ -n "$PORT" ]'
req none GET /api/v1/openapi.json
check "OpenAPI document without credentials" '[ "$(st)" = 200 ] && jq_ "assert b[\"openapi\"].startswith(\"3.\") and \"/api/v1/incidents\" in b[\"paths\"]"'
req none GET /api/v1/incidents
check "no credentials: 401, JSON error" '[ "$(st)" = 401 ] && jq_ "assert b[\"error\"][\"status\"]==401" && grep -qi "^WWW-Authenticate:" "$T/hdr"'
req none GET /api/v1/incidents -H "Authorization: Bearer vgt_0000"
check "a malformed token: 401" '[ "$(st)" = 401 ]'
req gone GET /api/v1/incidents
check "a revoked token: 401" '[ "$(st)" = 401 ]'
req none GET /taxii2/ -u "ana:$TOK_ana"
check "HTTP Basic (name:token) works for TAXII" '[ "$(st)" = 200 ] && grep -qi "^Content-Type: application/taxii+json;version=2.1" "$T/hdr"'
req none GET /taxii2/ -u "boss:$TOK_ana"
check "Basic with another account's token: 401" '[ "$(st)" = 401 ] && jq_ "assert b[\"http_status\"]==\"401\""'

# ---- the JSON API --------------------------------------------------------------------------------
req ana GET /api/v1/whoami
check "whoami" '[ "$(st)" = 200 ] && jq_ "assert b==dict(name=\"ana\", role=\"analyst\")"'
req ana GET "/api/v1/incidents"
check "analyst lists the incidents" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"incidents\"])==5 and b[\"next\"] is None"'
req ana GET "/api/v1/incidents?limit=2"
check "pagination: limit and next" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"incidents\"])==2 and b[\"next\"]==2"'
req ana GET "/api/v1/incidents?limit=2&offset=4"
check "... the last page" 'jq_ "assert len(b[\"incidents\"])==1 and b[\"next\"] is None"'
req ana GET "/api/v1/incidents?limit=0"
check "limit 0: 400" '[ "$(st)" = 400 ] && jq_ "assert b[\"error\"][\"status\"]==400"'
req ana GET "/api/v1/incidents?state=closed%27%20OR%201=1"
check "SQL in a filter: 400, nothing else" '[ "$(st)" = 400 ]'
req ana GET "/api/v1/events?incident=3&limit=1"
check "events of an incident, paginated" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"events\"])==1 and \"classification.type\" in b[\"events\"][0]"'
req ana GET "/api/v1/events?network=not-a-network"
check "a bad event filter: 400" '[ "$(st)" = 400 ] && jq_ "assert b[\"error\"][\"status\"]==400"'
req y GET "/api/v1/events"
check "a partner may not query events: 403" '[ "$(st)" = 403 ]'
req ana GET /api/v1/incidents/3
check "show one" '[ "$(st)" = 200 ] && jq_ "assert b[\"id\"]==3 and b[\"tlp\"]==\"AMBER\""'
req ana GET /api/v1/incidents/99
check "an unknown incident: 404" '[ "$(st)" = 404 ]'
req ana GET /api/v1/incidents/..%2f..%2fetc%2fpasswd
check "path traversal: 404" '[ "$(st)" = 404 ]'
req ana PATCH /api/v1/incidents/3 -H "Content-Type: application/json" -d '{"priority":1,"owner":"ana"}'
check "PATCH changes the incident" '[ "$(st)" = 200 ] && jq_ "assert b[\"priority\"]==1 and b[\"owner\"]==\"ana\""'
check "... audited as api:ana" '"$V" audit log --object incident:3 --db "$A" | grep -q "api:ana"'
req ana PATCH /api/v1/incidents/3 -H "Content-Type: application/json" -d '{"state":"frobbed"}'
check "a bad state: 400" '[ "$(st)" = 400 ]'
req ana PATCH /api/v1/incidents/3 -H "Content-Type: text/plain" -d '{"priority":2}'
check "wrong media type: 415" '[ "$(st)" = 415 ]'
req ana POST /api/v1/incidents/3/notes -H "Content-Type: application/json" -d '{"text":'
check "malformed JSON: 400" '[ "$(st)" = 400 ]'
req ana POST /api/v1/incidents/3/notes -H "Content-Type: application/json" -d '{"text":"called the ISP"}'
check "add a note: 201" '[ "$(st)" = 201 ] && jq_ "assert b[\"incident\"]==3 and b[\"note\"]>0"'
req ana DELETE /api/v1/incidents/3
check "an unknown method on a known path: 405" '[ "$(st)" = 405 ]'
req ana GET /nowhere
check "an unknown path: 404" '[ "$(st)" = 404 ]'

# ---- roles against endpoints ------------------------------------------------------------------------
for who in y isac s; do
	for ep in "GET /api/v1/incidents" "GET /api/v1/incidents/1" "PATCH /api/v1/incidents/1" "POST /api/v1/incidents/1/notes" \
		"GET /api/v1/incidents/1/attachments" "GET /api/v1/incidents/1/attachments/$(printf '%064d' 0)" \
		"POST /api/v1/incidents/1/attachments?name=x" "GET /api/v1/incidents/1/report" \
		"GET /api/v1/reports/period" "GET /api/v1/constituency/export" "POST /api/v1/constituency/import"; do
		set -- $ep
		req $who "$1" "$2" -H "Content-Type: application/json" -d '{"text":"x","priority":1}'
		check "partner account $who: $ep is 403" '[ "$(st)" = 403 ]'
	done
done
for who in boss ana y isac s; do
	req $who GET /api/v1/whoami
	check "$who: whoami 200" '[ "$(st)" = 200 ]'
done

# ---- TAXII -------------------------------------------------------------------------------------------
TX='-H Accept:application/taxii+json;version=2.1'
req y GET /taxii2/ $TX
check "discovery" '[ "$(st)" = 200 ] && jq_ "assert b[\"api_roots\"]==[\"/taxii2/cti/\"]"'
req y GET /taxii2/cti/ $TX
check "API root" '[ "$(st)" = 200 ] && jq_ "assert b[\"versions\"]==[\"application/taxii+json;version=2.1\"]"'
req y GET /taxii2/cti/ -H "Accept: text/html"
check "a media type TAXII does not speak: 406" '[ "$(st)" = 406 ]'
req y GET /taxii2/cti/collections/ $TX
check "collections: the policy view first, then the inbox" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"collections\"])==2 and b[\"collections\"][0][\"can_read\"] and b[\"collections\"][1][\"title\"]==\"inbox\""'
C=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['collections'][0]['id'])" "$T/body")
req y GET /taxii2/cti/collections/nope/objects/ $TX
check "an unknown collection: 404" '[ "$(st)" = 404 ]'
RED=marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1
for who in y isac s ana; do
	case $who in y) P=CERT-Y ;; isac) P=ISAC ;; s) P=CERT-S ;; ana) P= ;; esac
	req $who GET "/taxii2/cti/collections/$C/objects/?limit=1000" $TX
	cp "$T/body" "$T/taxii-$who.json"
	check "$who: objects 200" '[ "$(st)" = 200 ] && grep -qi "^X-TAXII-Date-Added-First:" "$T/hdr"'
	if [ -n "$P" ]; then
		"$V" export --format stix --for "$P" --db "$A" -o "$T/export-$who.json" 2> /dev/null
		check "$who: TAXII gives exactly what 'export --for $P' gives" 'python3 -c "
import json,sys
t={o[\"id\"] for o in json.load(open(sys.argv[1]))[\"objects\"]}
e={o[\"id\"] for o in json.load(open(sys.argv[2]))[\"objects\"]}
assert t==e, (t ^ e)" "$T/taxii-$who.json" "$T/export-$who.json"'
		check "$who: no TLP:RED object" '! grep -q "$RED" "$T/taxii-$who.json"'
	fi
done
# markings: what each recipient may see of the five incidents (CLEAR 4, GREEN 1, AMBER 3,
# AMBER+STRICT 2, RED 5)
names() { python3 -c "import json,sys; print(len([o for o in json.load(open(sys.argv[1]))['objects'] if o['type']=='incident']))" "$1"; }
check "the analyst (internal) sees all five incidents" '[ "$(names "$T/taxii-ana.json")" -eq 5 ]'
check "CERT-Y (AMBER) sees three: no AMBER+STRICT, no RED" '[ "$(names "$T/taxii-y.json")" -eq 3 ]'
check "CERT-S (AMBER+STRICT) sees four: no RED" '[ "$(names "$T/taxii-s.json")" -eq 4 ]'
check "ISAC (community, GREEN) sees two" '[ "$(names "$T/taxii-isac.json")" -eq 2 ]'
req y GET "/taxii2/cti/collections/$C/objects/?limit=2" $TX
check "TAXII pagination: more and next" '[ "$(st)" = 200 ] && jq_ "assert len(b[\"objects\"])==2 and b[\"more\"] and b[\"next\"]==\"2\""'
req y GET "/taxii2/cti/collections/$C/objects/?limit=2&next=2" $TX
check "... the next page starts where the first ended" 'python3 -c "
import json,sys
a=json.load(open(sys.argv[1]))[\"objects\"]; b=json.load(open(sys.argv[2]))[\"objects\"]
assert [o[\"id\"] for o in b]==[o[\"id\"] for o in a[2:4]]" "$T/taxii-y.json" "$T/body"'
req y GET "/taxii2/cti/collections/$C/objects/?match%5Btype%5D=incident" $TX
check "match[type]" 'jq_ "assert b[\"objects\"] and all(o[\"type\"]==\"incident\" for o in b[\"objects\"])"'
ID=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['objects'][0]['id'])" "$T/body")
req y GET "/taxii2/cti/collections/$C/objects/?match%5Bid%5D=$ID" $TX
check "match[id]" 'jq_ "assert [o[\"id\"] for o in b[\"objects\"]]==[\"$ID\"]"'
req y GET "/taxii2/cti/collections/$C/objects/$ID/" $TX
check "object by id" '[ "$(st)" = 200 ] && jq_ "assert b[\"objects\"][0][\"id\"]==\"$ID\""'
req y GET "/taxii2/cti/collections/$C/objects/?match%5Bspec_version%5D=2.0" $TX
check "match[spec_version]=2.0: nothing" 'jq_ "assert b[\"objects\"]==[]"'
req y GET "/taxii2/cti/collections/$C/objects/?added_after=2999-01-01T00:00:00.000Z" $TX
check "added_after in the future: nothing" '[ "$(st)" = 200 ] && jq_ "assert b[\"objects\"]==[] and not b[\"more\"]"'
req y GET "/taxii2/cti/collections/$C/manifest/" $TX
check "manifest" '[ "$(st)" = 200 ] && jq_ "assert b[\"objects\"] and all(\"date_added\" in o and o[\"media_type\"].startswith(\"application/stix+json\") for o in b[\"objects\"])"'
INC_RED=$(python3 -c "import json,sys; print([o['id'] for o in json.load(open(sys.argv[1]))['objects'] if o['type']=='incident' and 'e828b379' in ''.join(o.get('object_marking_refs',[]))][0])" "$T/taxii-ana.json")
req y GET "/taxii2/cti/collections/$C/objects/$INC_RED/" $TX
check "a partner asking for the RED incident by id: 404" '[ "$(st)" = 404 ]'

# ---- vigia taxii pull, against this server ----------------------------------------------------------
B="$T/b.db"
"$V" partner add VIGIA-A --kind partner --tlp AMBER --db "$B" > /dev/null 2>&1
VIGIA_TAXII_TOKEN=$TOK_y "$V" taxii pull --from "$U/taxii2/cti/" --collection "$C" --user y --partner VIGIA-A --limit 7 --db "$B" > "$T/pull.out" 2> "$T/pull.err"; rc=$?
check "taxii pull (Basic, pages of 7): exit 0" '[ $rc -eq 0 ] || { cat "$T/pull.err"; false; }'
check "... the events came in, with their provenance" '"$V" events --db "$B" --json --limit 1000 2> /dev/null | python3 -c "
import json,sys
ev=[json.loads(l) for l in sys.stdin if l.strip()]
assert ev and all(e.get(\"feed.provider\")==\"VIGIA-A\" for e in ev), ev[:1]"'
check "... and the cursor is remembered" 'python3 -c "
import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(\"select added_after from taxii_cursors\").fetchall()
assert len(r)==1 and r[0][0].startswith(\"20\"), r" "$B"'
VIGIA_TAXII_TOKEN=$TOK_y "$V" taxii pull --from "$U/taxii2/cti/" --collection "$C" --user y --db "$B" > /dev/null 2> "$T/pull.err"; rc=$?
check "a second pull asks only for what is new: nothing" '[ $rc -eq 0 ] && grep -q "taxii: 0 objects" "$T/pull.err"'
VIGIA_TAXII_TOKEN=vgt_nope "$V" taxii pull --from "$U/taxii2/cti/" --collection "$C" --db "$B" > /dev/null 2> "$T/pull.err"; rc=$?
check "a bad token: exit 2, the status named" '[ $rc -eq 2 ] && grep -q "401" "$T/pull.err"'
"$V" taxii pull --from "$U/taxii2/cti/" --collection "$C" --db "$B" > /dev/null 2> "$T/pull.err"; rc=$?
check "no token in the environment: exit 2" '[ $rc -eq 2 ]'

# ---- limits ------------------------------------------------------------------------------------------
kill "$LAST"; wait "$LAST" 2> /dev/null; rc=$?
check "SIGTERM stops the server cleanly" '[ $rc -eq 0 ]'
serve_start --http.max_body=1k --http.rate_limit=1
python3 -c "print('{\"text\":\"' + 'x'*5000 + '\"}')" > "$T/big"
req ana POST /api/v1/incidents/3/notes -H "Content-Type: application/json" --data-binary "@$T/big"
check "a body above http.max_body: 413" '[ "$(st)" = 413 ]'
codes=""; for i in 1 2 3 4 5 6 7 8 9 10; do req boss GET /api/v1/whoami; codes="$codes $(st)"; done
check "the rate limit answers 429 past the burst" 'echo "$codes" | grep -q 429 && echo "$codes" | grep -q 200'
kill "$LAST"; wait "$LAST" 2> /dev/null
"$V" serve --db "$A" --http.listen=0.0.0.0 --http.port=0 > /dev/null 2> "$T/err"; rc=$?
check "plain HTTP off loopback is refused" '[ $rc -eq 2 ] && grep -q "loopback" "$T/err"'
check "no sanitizer report in the server's log" '! grep -q "ERROR: AddressSanitizer\|runtime error" "$T/serve.log"'

echo "1..$n"
[ "$bad" -eq 0 ]
