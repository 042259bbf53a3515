#!/bin/sh
# shellcheck disable=SC2046,SC2086 # "set -- $(...)" splits numbers on purpose
# bench/store_pg.sh — ingest into the PostgreSQL store beside the SQLite store (issue 12): the
# same input, the same vigia, the same pipeline (parse, normalise, fingerprint, dedup, store,
# aggregate, correlate, commit); only the store differs.
#
#     sh bench/store_pg.sh [path/to/vigia]
#
# bench/gen.py makes STORE_PG_INGEST (default 100,000) URLhaus CSV records (as bench/store.sh);
# each is ingested once into a new SQLite file and once into a new database of a PostgreSQL
# server this script starts on loopback (tests/pg-server.sh, fsync on, the distribution's
# other defaults; TCP on 127.0.0.1: a round trip per statement, as to a server nearby), then
# stopped.  One run each (the machine is shared): wall and CPU seconds of the vigia process
# (bench/measure.py; the server's own CPU is not in vigia's), events/s, and the server's CPU
# seconds read from /proc for its processes.  Needs ../shared (the URLhaus sample).
set -eu
VIGIA=${1:-build/vigia}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${VIGIA_SHARED:-$root/../shared}
n=${STORE_PG_INGEST:-100000}
data=$here/store-data/pg
case $VIGIA in /*) ;; *) VIGIA=$(pwd)/$VIGIA ;; esac
feed=$shared/corpus/feeds/abusech-urlhaus/feed.json
if [ ! -f "$feed" ]; then
	echo "bench/store_pg: $feed is absent: skipped"; exit 0
fi
LC_ALL=C; export LC_ALL
mkdir -p "$data"
src=$data/urlhaus-$n
[ -f "$src" ] || python3 "$here/gen.py" urlhaus "$n" "$shared" "$src"
pgdir=$(mktemp -d /tmp/vigia-pgbench-XXXXXX)
trap 'sh "$root/tests/pg-server.sh" stop "$pgdir"' EXIT
url=$(PG_FSYNC=on sh "$root/tests/pg-server.sh" start "$pgdir")
sh "$root/tests/pg-server.sh" createdb "$pgdir" bench
# the server's CPU seconds so far: the postmaster's own and its ended children's (a session's
# backend ends with its connection and is counted there), plus the children still running
srv_cpu() {
	pm=$(head -1 "$pgdir/data/postmaster.pid")
	{ awk '{ print $14 + $15 + $16 + $17 }' /proc/$pm/stat
	  for p in $(pgrep -P "$pm"); do
		[ -r /proc/$p/stat ] && awk '{ print $14 + $15 }' /proc/$p/stat
	  done; } | awk -v t="$(getconf CLK_TCK)" '{ s += $1 } END { printf "%.2f", s / t }'
}
rm -f "$data/s.db" "$data/s.db-wal" "$data/s.db-shm"
set -- $(python3 "$here/measure.py" 1 /dev/null "$data/err-sqlite.txt" -- \
	"$VIGIA" ingest --feed-file "$feed" --db "$data/s.db" --no-progress "$src")
sw=$1 sc=$2 ss=$4
c0=$(srv_cpu)
set -- $(python3 "$here/measure.py" 1 /dev/null "$data/err-pg.txt" -- \
	"$VIGIA" ingest --feed-file "$feed" --db "$url/bench" --no-progress "$src")
pw=$1 pc=$2 ps=$4
c1=$(srv_cpu)
ev() { "$VIGIA" store info --db "$1" | sed -n 's/^events: *//p'; }
se=$(ev "$data/s.db"); pe=$(ev "$url/bench")
echo "records: $n (URLhaus, bench/gen.py); machine: $(getconf _NPROCESSORS_ONLN) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| store | status | events stored | wall s | vigia CPU s | server CPU s | events/s |\n'
printf '|---|---|---|---|---|---|---|\n'
printf '| SQLite (WAL, file) | %s | %s | %s | %s | - | %.0f |\n' "$ss" "$se" "$sw" "$sc" \
	"$(echo "$se $sw" | awk '{ print $1 / $2 }')"
printf '| PostgreSQL %s (127.0.0.1, fsync on) | %s | %s | %s | %s | %s | %.0f |\n' \
	"$(ls /usr/lib/postgresql | sort -V | tail -1)" "$ps" "$pe" "$pw" "$pc" \
	"$(echo "$c0 $c1" | awk '{ printf "%.1f", $2 - $1 }')" "$(echo "$pe $pw" | awk '{ print $1 / $2 }')"
