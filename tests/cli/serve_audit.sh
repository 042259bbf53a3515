#!/bin/sh
# `vigia serve` audits every request: the reads and the refused requests that no change audits
# go to the audit trail in batches (src/http/reqlog.c) — one hash-chained entry (actor http,
# object http:reads, action requests) per flush, holding each request's time, account, method,
# path (with only the NAMES of the query parameters) and status.  A flush when the batch is
# full, when the interval has passed (by the server's flusher thread: no request waits for
# it), and at a clean stop; no token
# nor query value in the trail; the chain verifies.  Fixtures: tests/data/share/.
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
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
for a in "boss admin" "ana analyst" "y partner CERT-Y"; do
	set -- $a
	"$V" account add "$1" --role "$2" ${3:+--partner "$3"} --db "$A" 2> /dev/null
	eval "TOK_$1=\$(\"\$V\" account token \"\$1\" --db \"\$A\" 2> /dev/null)"
done

stop() { kill "$LAST"; wait "$LAST" 2> /dev/null; }
# req ACCOUNT METHOD PATH [curl args]: the status into $T/st
req() {
	who=$1; m=$2; p=$3; shift 3
	eval "tok=\${TOK_$who:-}"
	if [ -n "$tok" ]; then set -- -H "Authorization: Bearer $tok" "$@"; fi
	curl -s -o /dev/null -w '%{http_code}' -X "$m" "$@" "$U$p" > "$T/st"
}
st() { cat "$T/st"; }
# entries: how many http:reads entries the trail holds
entries() { "$V" audit log --object http:reads --json --db "$A" 2> /dev/null | python3 -c "import json,sys; print(len(json.load(sys.stdin)))"; }
all_changes() { "$V" audit log --json --db "$A" 2> /dev/null | python3 -c "import json,sys; print(len(json.load(sys.stdin)))"; }

before=$(all_changes)
serve_start --http.audit_interval=1h
check "serve starts" '[ -n "$PORT" ]'
req ana GET "/api/v1/incidents?limit=2&state=SECRETVALUE"
check "a read with a bad filter value: 400" '[ "$(st)" = 400 ]'
req ana GET /api/v1/incidents/3
req boss GET /api/v1/whoami
req none GET /taxii2/ -u "boss:$TOK_boss"
req none GET /api/v1/incidents
check "no credentials: 401" '[ "$(st)" = 401 ]'
req y GET /api/v1/events
check "a partner's event query: 403" '[ "$(st)" = 403 ]'
req ana PATCH /api/v1/incidents/3 -H "Content-Type: application/json" -d '{"priority":1}'
check "a change goes through: 200" '[ "$(st)" = 200 ]'
req ana PATCH /api/v1/incidents/3 -H "Content-Type: application/json" -d '{"state":"frobbed"}'
check "a refused change: 400" '[ "$(st)" = 400 ]'
req none POST /ui/logout
check "a sign-out, which changes nothing in the store: 200" '[ "$(st)" = 200 ]'
check "within the interval and below the batch, nothing is written yet" '[ "$(entries)" = 0 ]'
stop
check "at a clean stop, the requests are written as ONE entry" '[ "$(entries)" = 1 ]'
"$V" audit log --object http:reads --json --db "$A" > "$T/trail.json" 2> /dev/null
check "... with account, method, path and status of every request (reads, refusals, changes), in order" 'python3 -c "
import json,sys
e = json.load(open(sys.argv[1]))[0]
assert e[\"actor\"] == \"http\" and e[\"action\"] == \"requests\", e
got = [(r[\"account\"], r[\"method\"], r[\"path\"], r[\"status\"]) for r in e[\"after\"][\"requests\"]]
want = [(\"ana\", \"GET\", \"/api/v1/incidents?limit&state\", 400),
        (\"ana\", \"GET\", \"/api/v1/incidents/3\", 200),
        (\"boss\", \"GET\", \"/api/v1/whoami\", 200),
        (\"boss\", \"GET\", \"/taxii2/\", 200),
        (\"-\", \"GET\", \"/api/v1/incidents\", 401),
        (\"y\", \"GET\", \"/api/v1/events\", 403),
        (\"ana\", \"PATCH\", \"/api/v1/incidents/3\", 200),
        (\"ana\", \"PATCH\", \"/api/v1/incidents/3\", 400),
        (\"-\", \"POST\", \"/ui/logout\", 200)]
assert got == want, got
assert e[\"after\"][\"count\"] == 9
assert all(r[\"time\"] > 1600000000000 for r in e[\"after\"][\"requests\"])
" "$T/trail.json"'
check "the change that went through is audited once by its handler, as api:ana" '"$V" audit log --object incident:3 --db "$A" | grep -c "api:ana" | grep -qx 1'
check "exactly two new entries: the change and the batch" '[ "$(all_changes)" = $((before + 2)) ]'
check "no token nor query value in the trail" '! "$V" audit log --json --db "$A" | grep -q -e SECRETVALUE -e "$TOK_ana" -e "$TOK_boss" -e "$TOK_y" -e "${TOK_boss#vgt_}"'
check "the listing shows the entry readably" '"$V" audit log --object http:reads --db "$A" | grep " http " | grep " requests " | grep -q "count: 9"'
check "the audit trail verifies" '"$V" audit verify --db "$A" > /dev/null 2>&1'

serve_start --http.audit_batch=3 --http.audit_interval=1h
for i in 1 2 3 4 5 6 7; do req ana GET /api/v1/whoami; done
# written by the server's flusher thread, not by the request: wait for it (at most 10 s)
i=0; while [ "$(entries)" != 3 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "batch 3: 7 reads write two entries while serving" '[ "$(entries)" = 3 ]'
stop
check "... and the last one at stop" '[ "$(entries)" = 4 ] && "$V" audit log --object http:reads --db "$A" | grep -c "count: 3" | grep -qx 2'

serve_start --http.audit_interval=1s
req ana GET /api/v1/whoami
req boss GET /api/v1/whoami
i=0; while [ "$(entries)" != 5 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "interval 1s: both written within the interval with no further request" '[ "$(entries)" = 5 ] && "$V" audit log --object http:reads --db "$A" | tail -1 | grep -q "count: 2"'
stop
check "nothing left at stop: no empty entry" '[ "$(entries)" = 5 ]'
check "the audit trail still verifies" '"$V" audit verify --db "$A" > /dev/null 2>&1'
"$V" serve --db "$A" --http.port=0 --http.audit_batch=0 > /dev/null 2> "$T/err"; rc=$?
check "http.audit_batch 0 is refused" '[ $rc -eq 2 ] && grep -q "http.audit_batch" "$T/err"'
check "no sanitizer report in the server's log" '! grep -q "ERROR: AddressSanitizer\|runtime error" "$T/serve.log"'

echo "1..$n"
[ "$bad" -eq 0 ]
