#!/bin/sh
# Instructions per request of `vigia serve` (callgrind, every thread of the server counted),
# the figure that does not move with the machine's load (issue 8):
#   sh bench/http-ir.sh VIGIA STORE-DIR [N]
# STORE-DIR is a store kept by bench/http.sh (its fifth argument: a.db, token-ana, token-y,
# inbox).  The server runs under valgrind; each endpoint gets 20 requests to warm up, then the
# counters are zeroed, N (default 200) requests are sent one after the other on one
# connection, and the counters dumped: listing incidents, the inbox's first page, a page near
# its end, the partner's "incidents" collection.
set -eu
V=$1; S=$2; N=${3:-200}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
command -v valgrind > /dev/null || { echo "valgrind is not installed"; exit 1; }
T=$(mktemp -d)
trap 'kill "$PID" 2> /dev/null; rm -rf "$T"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$T/cg.%p" "$V" serve --db "$S/a.db" \
	--http.port=0 --port-file "$T/port" --log.level=warning 2> "$T/vg.log" &
PID=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
P=$(cat "$T/port"); TA=$(cat "$S/token-ana"); TY=$(cat "$S/token-y"); IN=$(cat "$S/inbox")
H="Accept: application/taxii+json;version=2.1"
C=$(curl -s -u "y:$TY" "http://127.0.0.1:$P/taxii2/cti/collections/" | python3 -c "import json,sys; print(json.load(sys.stdin)['collections'][0]['id'])")
NOBJ=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM taxii_objects WHERE collection = ?', (sys.argv[2],)).fetchone()[0])" "$S/a.db" "$IN")
NEAR=$(python3 -c "import datetime,sys; print((datetime.datetime(2026,1,1)+datetime.timedelta(milliseconds=int(sys.argv[1])*99//100)).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]+'Z')" "$NOBJ")
NEXT=$(curl -s -H "Authorization: Bearer $TA" -H "$H" "http://127.0.0.1:$P/taxii2/cti/collections/$IN/objects/?limit=100&added_after=$NEAR" | python3 -c "import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin).get('next') or ''))")
send() { # auth path count
	python3 - "$P" "$1" "$2" "$3" << 'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for _ in range(int(sys.argv[4])):
    c.request("GET", sys.argv[3], headers={"Authorization": sys.argv[2],
              "Accept": "application/taxii+json;version=2.1"})
    r = c.getresponse()
    b = r.read()
    assert r.status == 200, (r.status, b[:200])
PY
}
one() { # name (a word: callgrind_control passes it through a shell) auth path
	send "$2" "$3" 20
	callgrind_control -z "$PID" > /dev/null 2>&1
	send "$2" "$3" "$N"
	callgrind_control -d "$1" "$PID" > /dev/null 2>&1
	sleep 0.5
	f=$(ls -t "$T"/cg.$PID.* | head -1)
	echo "$1: $(awk -v n="$N" '/^summary:/ {printf "%.0f", $2 / n}' "$f") instructions/request"
}
echo "== $V on $S ($NOBJ objects in the inbox; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
one incidents "Bearer $TA" "/api/v1/incidents?limit=100"
one inbox-first-page "Bearer $TA" "/taxii2/cti/collections/$IN/objects/?limit=100"
one inbox-page-near-the-end "Bearer $TA" "/taxii2/cti/collections/$IN/objects/?limit=100&next=$NEXT"
one partner-incidents-collection "Basic $(printf 'y:%s' "$TY" | base64 -w0)" \
	"/taxii2/cti/collections/$C/objects/?limit=100"
