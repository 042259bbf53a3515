#!/bin/sh
# The HTTP API and TAXII server under load (issue 8): wrk against `vigia serve` on loopback.
#   sh bench/http.sh [build/vigia] [SECONDS] [CONNECTIONS]
# Makes a store from tests/data/share (5 incidents, their indicators), an analyst and a
# partner account, starts the server (2 worker threads), and runs wrk on
#   GET /api/v1/incidents?limit=100                     (analyst, Bearer)
#   GET /taxii2/cti/collections/ID/objects/?limit=100   (partner, Basic)
# printing requests/s, p50/p99 latency, errors, and the server's peak RSS.
set -eu
V=${1:-build/vigia}
SECS=${2:-60}
CONN=${3:-64}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
command -v wrk > /dev/null || { echo "wrk is not installed (Debian: wrk)"; exit 1; }
T=$(mktemp -d)
trap 'kill "$PID" 2> /dev/null; rm -rf "$T"' EXIT
D=$(pwd)/tests/data/share
export VIGIA_USER=bench
A="$T/a.db"
"$V" ingest --db "$A" --feed-file "$D/feed.json" "$D/events.csv" > /dev/null 2>&1
"$V" partner add CERT-Y --kind partner --tlp AMBER --db "$A" > /dev/null 2>&1
"$V" account add ana --role analyst --db "$A" 2> /dev/null
"$V" account add y --role partner --partner CERT-Y --db "$A" 2> /dev/null
TA=$("$V" account token ana --db "$A" 2> /dev/null)
TY=$("$V" account token y --db "$A" 2> /dev/null)
"$V" serve --db "$A" --http.port=0 --port-file "$T/port" --http.max-connections=1024 \
	--log.level=warning 2> "$T/serve.log" &
PID=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
U="http://127.0.0.1:$(cat "$T/port")"
C=$(curl -s -u "y:$TY" "$U/taxii2/cti/collections/" | python3 -c "import json,sys; print(json.load(sys.stdin)['collections'][0]['id'])")
BASIC=$(printf 'y:%s' "$TY" | base64 -w0)
run() { # name, then wrk arguments
	name=$1; shift
	echo "== $name"
	wrk -t2 -c"$CONN" -d"${SECS}s" --latency "$@" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors|requests in"
}
run "incidents (analyst)" -H "Authorization: Bearer $TA" "$U/api/v1/incidents?limit=100"
run "TAXII objects (partner)" -H "Authorization: Basic $BASIC" \
	-H "Accept: application/taxii+json;version=2.1" "$U/taxii2/cti/collections/$C/objects/?limit=100"
echo "server peak RSS: $(grep VmHWM /proc/$PID/status | awk '{print $2, $3}')"
