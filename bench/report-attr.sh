#!/bin/sh
# The period report's and the dashboard's "most affected" lists (AS, country, network) before
# and after schema step 14 (the incidents' attribution columns), on one store in one run so
# that the ratio holds on a loaded machine: each list as the old statement (events of the
# period, values read out of each event's JSON with json_extract: STORE_STAT_EVENTS_BY_*) and
# as the new one (incidents of the period by their indexed columns: STORE_STAT_INCIDENTS_BY_*),
# run by the sqlite3 shell with its CPU times; then the whole `vigia report` and the
# dashboard's server side (curl, as bench/ui.sh).
#
#   sh bench/report-attr.sh build/vigia COPY.db [SINCE [UNTIL]]
#
# COPY.db: a copy of a big store (bench/store-data/big.db: 10,000,000 events, 1,000,000
# incidents); it is migrated to the current schema first (step 14 backfills the incidents'
# attribution from their events: timed).  Never the shared original.  SINCE, UNTIL: the period
# (default September 2026, a month of big.db).
set -eu
V=${1:-build/vigia}
case $V in /*) ;; *) V=$(pwd)/$V ;; esac
DB=${2:?usage: sh bench/report-attr.sh VIGIA COPY.db [SINCE [UNTIL]]}
SINCE=${3:-2026-09-01}
UNTIL=${4:-2026-10-01}
s=$(date -u -d "$SINCE" +%s)
u=$(date -u -d "$UNTIL" +%s)
T=$(mktemp -d)
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2> /dev/null; rm -rf "$T"' EXIT
load() { uptime | sed 's/.*load average: *//'; }
echo "# $(date -u +%FT%TZ) store $DB, period $SINCE .. $UNTIL"
echo "# migrate (load $(load))"
/usr/bin/time -f "migrate: wall %e s, CPU %U + %S s, peak RSS %M KB" \
	"$V" store migrate --db "$DB" > /dev/null
"$V" store info --db "$DB" | sed -n '2,4p'
run() { # label SQL: the statement's CPU time in the sqlite3 shell, temp store on file as vigia
	printf '%s (load %s): ' "$1" "$(load)"
	printf 'PRAGMA temp_store = FILE;\n.timer on\n%s\n' "$2" | sqlite3 "$DB" 2>&1 |
		grep 'Run Time' | tail -1
}
for k in asn geolocation.cc network; do
	case $k in asn) col=asn; txt="CAST(asn AS TEXT)";; geolocation.cc) col=country; txt=country;;
		network) col=network; txt=network;; esac
	run "before: events by source.$k (JSON)" \
		"SELECT NULL, k, count(*) AS n FROM (SELECT CAST(json_extract(json, '\$.\"source.$k\"') AS TEXT) AS k FROM events WHERE time >= $s AND time < $u) AS x WHERE k IS NOT NULL AND k <> '' GROUP BY k ORDER BY n DESC, k LIMIT 10;"
	run "after: incidents by $col (column)" \
		"SELECT NULL, $txt, count(*) AS n FROM incidents INDEXED BY incidents_attribution WHERE created >= $s AND created < $u AND $col IS NOT NULL GROUP BY $col ORDER BY n DESC, $col LIMIT 10;"
done
echo "# the whole report (load $(load))"
/usr/bin/time -f "vigia report --format html: wall %e s, CPU %U + %S s, peak RSS %M KB" \
	"$V" report --db "$DB" --since "$SINCE" --until "$UNTIL" --format html -o "$T/r.html"
# the dashboard's server side (its period is the last N days before now: the whole store)
export VIGIA_USER=bench
"$V" account add dash-bench --role analyst --db "$DB" 2> /dev/null || true
TOK=$("$V" account token dash-bench --db "$DB" 2> /dev/null)
"$V" serve --db "$DB" --http.port=0 --port-file "$T/port" 2> "$T/serve.log" &
PID=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
URL="http://127.0.0.1:$(cat "$T/port")"
for days in 30 366; do
	echo "# dashboard?days=$days (load $(load))"
	for k in 1 2 3 4 5; do
		curl -s -o "$T/d.json" -w '%{time_total}\n' -H "Authorization: Bearer $TOK" \
			"$URL/ui/api/dashboard?days=$days"
	done | sort -n | awk '{a[NR]=$1} END {printf "dashboard server side: median %.0f ms, max %.0f ms (%d runs)\n", a[int((NR+1)/2)]*1000, a[NR]*1000, NR}'
done
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('top countries', d['top_countries'][:3], 'top ASNs', d['top_asns'][:3])" "$T/d.json"
"$V" account remove dash-bench --db "$DB" > /dev/null 2>&1 || true
