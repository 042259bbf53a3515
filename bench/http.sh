#!/bin/sh
# The HTTP API and TAXII server under load (issue 8): wrk against `vigia serve` on loopback.
#   sh bench/http.sh [build/vigia] [SECONDS] [CONNECTIONS] [OBJECTS] [STORE-DIR]
# Makes a store from tests/data/share (5 incidents, their indicators), an analyst and a
# partner account, fills the inbox collection with OBJECTS (default 1,000,000) STIX
# indicators (bench/taxii-gen.py), starts the server (2 worker threads), and runs wrk on
#   GET /api/v1/incidents?limit=100                           (analyst, Bearer)
#   GET /taxii2/cti/collections/INBOX/objects/?limit=100      (analyst: the first page)
#   GET /taxii2/cti/collections/INBOX/objects/?limit=100&next (a page near the end)
#   GET /taxii2/cti/collections/ID/objects/?limit=100         (partner, Basic: the policy view)
#   GET /taxii2/cti/collections/ALL-Y/objects/?limit=100      (partner, Basic: the same objects
#        as a collection of taxii.collections, kept as rows; the one before is built per request)
# printing requests/s, p50/p99 latency, errors, the server's CPU per request, and its RSS
# after each endpoint and at its peak.  With STORE-DIR the store is made there and kept (its
# tokens and inbox id beside it), and a store already there is used as it is: two binaries
# compared on one store, or one made by an older vigia and migrated by a newer one.
set -eu
V=${1:-build/vigia}
SECS=${2:-60}
CONN=${3:-64}
NOBJ=${4:-1000000}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
command -v wrk > /dev/null || { echo "wrk is not installed (Debian: wrk)"; exit 1; }
T=$(mktemp -d)
KEEP=${5:-}
S=${KEEP:-$T}
mkdir -p "$S"
trap 'kill "$PID" 2> /dev/null; rm -rf "$T"' EXIT
D=$(pwd)/tests/data/share
export VIGIA_USER=bench
A="$S/a.db"
if [ -s "$S/inbox" ]; then
	TA=$(cat "$S/token-ana"); TY=$(cat "$S/token-y"); IN=$(cat "$S/inbox")
	echo "== the store of $S ($(du -m "$A" | cut -f1) MB)"
else
"$V" ingest --db "$A" --feed-file "$D/feed.json" "$D/events.csv" > /dev/null 2>&1
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" account add ana --role analyst --db "$A" 2> /dev/null
"$V" account add y --role partner --partner CERT-Y --db "$A" 2> /dev/null
TA=$("$V" account token ana --db "$A" 2> /dev/null)
TY=$("$V" account token y --db "$A" 2> /dev/null)
# the inbox's id: a server answers it (any port; stopped at once)
"$V" serve --db "$A" --http.port=0 --port-file "$T/port0" 2> /dev/null &
PID=$!
i=0; while [ ! -s "$T/port0" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
IN=$(curl -s -H "Authorization: Bearer $TA" "http://127.0.0.1:$(cat "$T/port0")/taxii2/cti/collections/" | python3 -c "import json,sys; print([c['id'] for c in json.load(sys.stdin)['collections'] if c['title']=='inbox'][0])")
kill "$PID"; wait "$PID" 2> /dev/null || true
t0=$(date +%s)
python3 "$(dirname "$0")/taxii-gen.py" "$A" "$IN" "$NOBJ"
echo "== $NOBJ objects written into the inbox in $(( $(date +%s) - t0 )) s; store: $(du -m "$A" | cut -f1) MB"
if [ -n "$KEEP" ]; then
	printf '%s\n' "$TA" > "$S/token-ana"; printf '%s\n' "$TY" > "$S/token-y"
	printf '%s\n' "$IN" > "$S/inbox"
fi
fi
"$V" serve --db "$A" --http.port=0 --port-file "$T/port" --http.max-connections=1024 \
	--log.level=warning --taxii.collections="all-y: partner=CERT-Y" 2> "$T/serve.log" &
PID=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
U="http://127.0.0.1:$(cat "$T/port")"
C=$(curl -s -u "y:$TY" "$U/taxii2/cti/collections/" | python3 -c "import json,sys; print(json.load(sys.stdin)['collections'][0]['id'])")
ALLY=$(curl -s -u "y:$TY" "$U/taxii2/cti/collections/" | python3 -c "import json,sys; print([c['id'] for c in json.load(sys.stdin)['collections'] if c['title']=='all-y'][0])")
BASIC=$(printf 'y:%s' "$TY" | base64 -w0)
# the server's CPU time (user + system, in clock ticks) so far
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
HZ=$(getconf CLK_TCK)
run() { # name, then wrk arguments
	name=$1; shift
	echo "== $name (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
	c0=$(cpu)
	wrk -t2 -c"$CONN" -d"${SECS}s" --latency "$@" > "$T/wrk.out"
	c1=$(cpu)
	grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors|requests in" "$T/wrk.out"
	# server CPU per request, and what that allows on the two cores of this machine: the
	# figure that holds whatever else the machine is doing
	awk -v c="$((c1 - c0))" -v hz="$HZ" '/requests in/ {n=$1} END {if (n > 0) printf \
		"server CPU: %.1f us/request -> %.0f requests/s on 2 idle cores\n", c / hz / n * 1e6, \
		2 * n * hz / (c > 0 ? c : 1)}' "$T/wrk.out"
	echo "server RSS: $(grep VmRSS /proc/$PID/status | awk '{print $2, $3}')"
}
echo "server RSS at start: $(grep VmRSS /proc/$PID/status | awk '{print $2, $3}')"
run "incidents (analyst)" -H "Authorization: Bearer $TA" "$U/api/v1/incidents?limit=100"
H="Accept: application/taxii+json;version=2.1"
# the date_added of the object at 99 % of the collection (one millisecond apart from 2026-01-01)
NEAR=$(python3 -c "import datetime,sys; print((datetime.datetime(2026,1,1)+datetime.timedelta(milliseconds=int(sys.argv[1])*99//100)).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]+'Z')" "$NOBJ")
NEXT=$(curl -s -H "Authorization: Bearer $TA" -H "$H" "$U/taxii2/cti/collections/$IN/objects/?limit=100&added_after=$NEAR" | python3 -c "import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin).get('next') or ''))")
run "TAXII inbox, first page of $NOBJ (analyst)" -H "Authorization: Bearer $TA" -H "$H" \
	"$U/taxii2/cti/collections/$IN/objects/?limit=100"
run "TAXII inbox, a page near the end (analyst)" -H "Authorization: Bearer $TA" -H "$H" \
	"$U/taxii2/cti/collections/$IN/objects/?limit=100&next=$NEXT"
run "TAXII objects (partner)" -H "Authorization: Basic $BASIC" \
	-H "Accept: application/taxii+json;version=2.1" "$U/taxii2/cti/collections/$C/objects/?limit=100"
run "TAXII collection of taxii.collections, from rows (partner)" -H "Authorization: Basic $BASIC" \
	-H "Accept: application/taxii+json;version=2.1" "$U/taxii2/cti/collections/$ALLY/objects/?limit=100"
echo "server peak RSS: $(grep VmHWM /proc/$PID/status | awk '{print $2, $3}')"
