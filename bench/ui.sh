#!/bin/sh
# The web UI's speed on a store of 1,000,000 incidents, measured in the browser (Debian's
# Chromium driven by playwright-core, as tests/browser/run.sh): the incident queue (the
# target: < 300 ms, server time plus drawing) and the dashboard (< 1 s), each opened RUNS
# times; beside them the same queue page asked of the server alone with curl, so that the
# share of the server and of the browser shows.  The queue sorted by the server by each key
# (issue 11): the first page, the next by cursor, and a page 100,000 rows deep by cursor
# (keyset) beside the same page by offset; in the browser, the queue route with each sort.
#
#   sh bench/ui.sh build/vigia [DB]
#
# DB: a store with 1,000,000 incidents; made when missing with bench/store-gen.py (1,000,000
# events, 1,000,000 incidents: about 3 minutes) under bench/store-data/ui-1m.db.  Results go
# to stdout with the load average; docs/benchmarks.md keeps them.
set -eu
V=${1:-build/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
DB=${2:-bench/store-data/ui-1m.db}
RUNS=${RUNS:-10}
BD=${VIGIA_BROWSER_DIR:-$HOME/.cache/vigia/browser}
CHROME=${VIGIA_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROME" ] && [ -d "$BD/node_modules/playwright-core" ] ||
	{ echo "bench/ui.sh: needs Chromium and playwright-core (sh scripts/deps.sh)"; exit 1; }
if [ ! -f "$DB" ]; then
	mkdir -p "$(dirname "$DB")"
	"$V" store migrate --db "$DB" > /dev/null
	python3 bench/store-gen.py "$DB" 1000000 1000000
fi
T=$(mktemp -d)
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2> /dev/null; rm -rf "$T"' EXIT
export VIGIA_USER=bench
"$V" account add ui-bench --role analyst --db "$DB" 2> /dev/null || true
TOK=$("$V" account token ui-bench --db "$DB" 2> /dev/null)
"$V" serve --db "$DB" --http.port=0 --port-file "$T/port" 2> "$T/serve.log" &
PID=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
URL="http://127.0.0.1:$(cat "$T/port")"
echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/')"
echo "# store: $DB ($("$V" store info --db "$DB" 2> /dev/null | grep -i incidents | head -1))"
# the server alone: the queue's page of 50 with its counts per state, RUNS times
for k in $(seq "$RUNS"); do
	curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOK" \
		"$URL/ui/api/incidents?limit=50"
done | sort -n | awk '{a[NR]=$1} END {printf "server only (curl), queue page of 50 + counts: median %.1f ms, max %.1f ms (%d runs)\n", a[int((NR+1)/2)]*1000, a[NR]*1000, NR}'
# the queue sorted by the server by each key: the first page, the next by its cursor, and a
# page 100,000 rows deep by keyset (a cursor taken from that depth) beside the same page by
# offset
stat() { sort -n | awk -v what="$1" '{a[NR]=$1} END {printf "server only (curl), %s: median %.1f ms, max %.1f ms (%d runs)\n", what, a[int((NR+1)/2)]*1000, a[NR]*1000, NR}'; }
for kd in priority:asc state:asc last_seen:desc first_seen:desc deadline:asc events:desc id:desc; do
	k=${kd%%:*}; d=${kd#*:}
	Q="$URL/ui/api/incidents?limit=50&sort=$k&dir=$d"
	for i in $(seq "$RUNS"); do
		curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOK" "$Q"
	done | stat "queue sorted by $k $d, first page of 50 + counts"
	C=$(curl -s -H "Authorization: Bearer $TOK" "$Q" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cursor"])')
	for i in $(seq "$RUNS"); do
		curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOK" "$Q&after=$C"
	done | stat "queue sorted by $k $d, next page by cursor"
	C=$(curl -s -H "Authorization: Bearer $TOK" "$URL/ui/api/incidents?limit=1&sort=$k&dir=$d&offset=99999" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cursor"])')
	for i in $(seq "$RUNS"); do
		curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOK" "$Q&after=$C"
	done | stat "queue sorted by $k $d, page at row 100,000 by cursor"
	for i in $(seq 3); do
		curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOK" "$Q&offset=100000"
	done | stat "queue sorted by $k $d, page at row 100,000 by offset"
done
for k in $(seq "$RUNS"); do
	curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOK" \
		"$URL/ui/api/dashboard?days=30"
done | sort -n | awk '{a[NR]=$1} END {printf "server only (curl), dashboard aggregates: median %.1f ms, max %.1f ms (%d runs)\n", a[int((NR+1)/2)]*1000, a[NR]*1000, NR}'
URL=$URL TOK=$TOK RUNS=$RUNS CHROME=$CHROME BROWSER_DIR=$BD node bench/ui-measure.mjs
"$V" account remove ui-bench --db "$DB" > /dev/null 2>&1 || true
