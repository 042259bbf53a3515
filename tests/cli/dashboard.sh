#!/bin/sh
# The web UI's dashboard (GET /ui/api/dashboard, src/http/ui_api.c) against counts made
# independently: a store filled by `vigia ingest` with events carrying their attribution, the
# tops by country, AS and network compared with what Python counts over `vigia incidents list
# --json`, the queue's country filter (/ui/api/incidents?country=) and the API's
# (/api/v1/incidents?country=) with the CLI's, the time to resolve per priority (median and
# 90th percentile) of the incidents closed, and refusals of a bad AS number.
set -u
V=${VIGIA:-build/san/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
T=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2> /dev/null; done; wait 2> /dev/null; rm -rf "$T"' EXIT
. tests/lib.sh
command -v curl > /dev/null || { echo "SKIP: curl is not installed"; exit 0; }
unset VIGIA_DB
export VIGIA_USER=tester LC_ALL=C.UTF-8
A="$T/a.db"
cat > "$T/feed.json" <<'JSON'
{"parser": "csv",
 "parameters": {"columns": ["time.source", "source.ip", "classification.type",
   "source.geolocation.cc", "source.asn", "source.network", "destination.ip",
   "destination.geolocation.cc", "destination.asn"]},
 "report": {"feed.name": "dashboard test"}}
JSON
# the victim side: the source of infected systems, the destination of attacks (brute force);
# an attack seen only from its source takes the source's
cat > "$T/in.csv" <<'CSV'
2026-11-20T10:00:00+00:00,198.51.100.1,infected-system,ES,64496,198.51.100.0/24,,,
2026-11-20T10:00:00+00:00,198.51.100.2,infected-system,ES,64496,198.51.100.0/24,,,
2026-11-20T10:00:00+00:00,198.51.100.3,infected-system,es,64497,198.51.100.0/24,,,
2026-11-20T10:00:00+00:00,203.0.113.4,infected-system,PT,64498,203.0.113.0/24,,,
2026-11-20T10:00:00+00:00,203.0.113.5,brute-force,CN,64511,,192.0.2.7,MX,64512
2026-11-20T10:00:00+00:00,203.0.113.6,scanner,FR,64513,,,,
2026-11-20T10:00:00+00:00,203.0.113.7,scanner,,,,,,
CSV
"$V" ingest --db "$A" --feed-file "$T/feed.json" "$T/in.csv" > /dev/null 2>&1
check "ingest" '[ $? -eq 0 ]'
"$V" incidents list --db "$A" --json --limit 100 > "$T/list.json"
check "seven incidents" 'python3 -c "import json,sys; sys.exit(len(json.load(open(\"$T/list.json\"))) != 7)"'
FIRST=$(python3 -c "import json; print(min(i['id'] for i in json.load(open('$T/list.json'))))")
"$V" incidents close "$FIRST" --resolution true-positive --db "$A" > /dev/null 2>&1
"$V" account add ana --role analyst --db "$A" 2> /dev/null
TOK=$("$V" account token ana --db "$A" 2> /dev/null)

rm -f "$T/port"
"$V" serve --db "$A" --http.port=0 --port-file "$T/port" 2>> "$T/serve.log" &
PIDS="$PIDS $!"
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$T/port" 2> /dev/null)
check "serve starts" '[ -n "$PORT" ]'
U="http://127.0.0.1:$PORT"
req() { # METHOD PATH [curl args]: status into $T/st, body $T/body
	m=$1; p=$2; shift 2
	curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$@" "$U$p" > "$T/st"
}
st() { cat "$T/st"; }
req POST /ui/login -H 'Content-Type: application/json' \
	-d "{\"name\":\"ana\",\"token\":\"$TOK\"}" -c "$T/jar"
check "sign in" '[ "$(st)" = 200 ]'
req GET "/ui/api/dashboard?days=366" -b "$T/jar"
cp "$T/body" "$T/dash.json"
check "dashboard" '[ "$(st)" = 200 ]'
# cmp KEY FIELD [FORMAT]: the dashboard's top equals Python's count over the incidents' list
cmp_top() {
	python3 - "$T/dash.json" "$T/list.json" "$1" "$2" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
inc = json.load(open(sys.argv[2]))
want = collections.Counter(str(i[sys.argv[4]]) for i in inc if i[sys.argv[4]] is not None)
got = {g["a"]: g["n"] for g in d[sys.argv[3]]}
top = sorted(want.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
sys.exit(0 if got == dict(top) and [g["a"] for g in d[sys.argv[3]]] == [k for k, _ in top]
         else 1)
PY
}
check "top countries: Python's count over the incidents" 'cmp_top top_countries country'
check "top ASNs: the same" 'cmp_top top_asns asn'
check "top networks: the same" 'cmp_top top_networks network'
check "countries: victim side, capitals (ES 3, then FR, MX, PT)" \
	'python3 -c "import json; d=json.load(open(\"$T/dash.json\")); exit([(g[\"a\"], g[\"n\"]) for g in d[\"top_countries\"]] != [(\"ES\", 3), (\"FR\", 1), (\"MX\", 1), (\"PT\", 1)])"'
check "time to resolve: median and p90 of the one closed" \
	'python3 -c "import json; d=json.load(open(\"$T/dash.json\")); r=d[\"resolve_pct\"]; exit(not (len(r) == 2 and r[0][\"b\"] == \"50\" and r[1][\"b\"] == \"90\" and r[0][\"n\"] == 1))"'
check "notifications sent per day: a list (none sent)" \
	'python3 -c "import json; d=json.load(open(\"$T/dash.json\")); exit(d[\"sent\"] != [])"'
req GET "/ui/api/incidents?country=es&limit=100" -b "$T/jar"
check "the queue's country filter" '[ "$(st)" = 200 ] && python3 -c "import json; b=json.load(open(\"$T/body\")); exit(sorted(i[\"id\"] for i in b[\"incidents\"]) != sorted(i[\"id\"] for i in json.load(open(\"$T/list.json\")) if i[\"country\"] == \"ES\"))"'
req GET "/ui/api/incidents?asn=64496" -b "$T/jar"
check "the queue's AS filter" '[ "$(st)" = 200 ] && python3 -c "import json; b=json.load(open(\"$T/body\")); exit(len(b[\"incidents\"]) != 2)"'
req GET "/ui/api/incidents?asn=AS1" -b "$T/jar"
check "a bad AS number: 400" '[ "$(st)" = 400 ]'
req GET "/api/v1/incidents?country=MX&network=" -H "Authorization: Bearer $TOK"
check "the API's country filter (an empty network: any)" '[ "$(st)" = 200 ] && python3 -c "import json; b=json.load(open(\"$T/body\")); exit(not (len(b[\"incidents\"]) == 1 and b[\"incidents\"][0][\"asn\"] == 64512))"'
echo "1..$n"
[ "$bad" -eq 0 ]
