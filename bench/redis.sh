#!/bin/sh
# bench/redis.sh — the Redis Streams pipeline (issue 12) beside the in-process pipeline on the
# same input, and Redis's memory per event waiting in a stream.
#
#     sh bench/redis.sh [path/to/vigia]        (make run-bench runs it)
#
# Input: REDIS_BENCH_LINES (default 1,000,000) lines of the CSV feed of tests/cli/redis.sh
# (every tenth line repeats one five lines before: 10% repeats; three kinds of activity over
# three documentation networks, so aggregation opens incidents and correlation links them).
# Runs, each into a new store, wall time from the start of the source to the last event
# stored (all streams empty, nothing pending):
#   in-process  vigia ingest --db DB FILE
#   redis 1x1   vigia ingest --to raw FILE, one worker "fingerprint,enrich,urlcheck"
#               raw -> fp, one worker "dedup,store,aggregate,correlate" fp -> store
#   redis 2x2   the same with two workers per stage
# Contents: each Redis run's store against the in-process one, canonically (bench/store-dump.py:
# every event's JSON with its repeat count and seen times, every incident without its id and
# clock times with its events' fingerprints, links and postings; sorted, then hashed): the
# line "contents ... the same as in-process" or "... DIFFER" with both digests.
# Memory: REDIS_BENCH_MEM events (default 200,000) appended with ingest --to and no worker;
# INFO memory's used_memory before and after, divided by the events.
# A redis-server of its own on a free loopback port (no persistence), stopped at the end.
set -u
V=${1:-build/vigia}
here=$(cd "$(dirname "$0")" && pwd)
LINES=${REDIS_BENCH_LINES:-1000000}
MEM=${REDIS_BENCH_MEM:-200000}
command -v redis-server >/dev/null 2>&1 || { echo "SKIP redis-server is not installed"; exit 0; }
T=$(mktemp -d)
RPID=""
trap '[ -n "$RPID" ] && kill $RPID 2>/dev/null; rm -rf "$T"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --save '' --appendonly no --port "$PORT" --bind 127.0.0.1 --daemonize no \
	> "$T/redis.log" 2>&1 &
RPID=$!
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
R=redis://127.0.0.1:$PORT
cat > "$T/feed.json" <<'JSON'
{"parser": "csv",
 "parameters": {"columns": ["source.ip", "classification.type", "time.source", "source.port"]},
 "report": {"feed.name": "redis bench"}}
JSON
python3 - "$T/in.csv" "$LINES" <<'PY'
import datetime, sys
types = ["scanner", "brute-force", "spam"]
nets = ["192.0.2.", "198.51.100.", "203.0.113."]
base = 1793000000
lines = []
for i in range(int(sys.argv[2])):
    if i % 10 == 9:
        lines.append(lines[i - 5])
        continue
    t = datetime.datetime.fromtimestamp(base + i * 9, datetime.timezone.utc)
    lines.append("%s%d,%s,%s,%d" % (nets[i % 3], (i // 3) % 256, types[(i // 768) % 3],
                                    t.strftime("%Y-%m-%dT%H:%M:%S+00:00"), 1024 + i % 1000))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
OBS=2026-11-28T12:00:00+00:00
SET="--correlate.warninglists= --log.level=warning"
now() { python3 -c 'import time; print(time.time())'; }
# CPU seconds (user + system) of the waited-for children so far: `times` in this shell (not in
# a command substitution, whose subshell has no children of its own), then its second line
cpu() { times > "$T/times"; tail -n 1 "$T/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) {
	split($i, a, "m"); n += a[1] * 60 + a[2] } print n }'; }
rate() { python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); print('%.1f s, %.0f events/s' % (t, int(sys.argv[3])/t))" "$@"; }

cpu > "$T/c0"; c0=$(cat "$T/c0")
t0=$(now)
"$V" ingest --db "$T/ref.db" --feed-file "$T/feed.json" --no-progress --rejects "$T/rej" \
	--observation-time $OBS $SET "$T/in.csv" 2>/dev/null
t1=$(now)
cpu > "$T/c1"
echo "in-process (SQLite)   $(rate "$t0" "$t1" "$LINES"), CPU $(echo "$(cat "$T/c1") - $c0" | bc) s"

pipeline() { # name, workers per stage
	run=$1; k=$2
	"$V" store migrate --db "$T/$run.db" >/dev/null 2>&1
	pids=""
	cpu > "$T/c0"; c0=$(cat "$T/c0")
	t0=$(now)
	"$V" ingest --to "$R/raw$run" --feed-file "$T/feed.json" --no-progress \
		--rejects "$T/rej" --observation-time $OBS $SET "$T/in.csv" 2>/dev/null &
	src=$!
	i=0
	while [ $i -lt "$k" ]; do
		i=$((i + 1))
		"$V" worker --stage fingerprint,enrich,urlcheck --from "$R/raw$run" \
			--to "$R/fp$run" --group g $SET 2>>"$T/$run.err" & pids="$pids $!"
		"$V" worker --stage dedup,store,aggregate,correlate --from "$R/fp$run" --group g \
			--db "$T/$run.db" $SET 2>>"$T/$run.err" & pids="$pids $!"
	done
	wait $src
	# done: both streams empty (acknowledged messages are deleted) and nothing pending
	while :; do
		a=$(redis-cli -p "$PORT" xlen "raw$run"); b=$(redis-cli -p "$PORT" xlen "fp$run")
		[ "$a" = 0 ] && [ "$b" = 0 ] && break
		sleep 0.05
	done
	t1=$(now)
	mem=$(redis-cli -p "$PORT" info memory | awk -F: '/^used_memory_peak:/ {print $2}' | tr -d '\r')
	kill -TERM $pids 2>/dev/null
	wait $pids 2>/dev/null
	ev=$(sqlite3 "$T/$run.db" 'SELECT count(*) FROM events' 2>/dev/null ||
	     python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM events").fetchone()[0])' "$T/$run.db")
	cpu > "$T/c1"
	echo "redis ${k}x${k}            $(rate "$t0" "$t1" "$LINES"), CPU $(echo "$(cat "$T/c1") - $c0" | bc) s (vigia; Redis not counted)  ($ev events stored; Redis peak $((mem / 1048576)) MiB)"
	redis-cli -p "$PORT" del "raw$run" "fp$run" >/dev/null
}
same() { # run: its store's contents against the in-process store's
	a=$(python3 "$here/store-dump.py" "$T/ref.db"); b=$(python3 "$here/store-dump.py" "$T/$1.db")
	if [ "$a" = "$b" ]; then
		echo "contents redis $1: the same as in-process ($a)"
	else
		echo "contents redis $1: DIFFER (in-process $a; redis $b)"
	fi
}
pipeline one 1
same one
pipeline two 2
same two
refev=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM events").fetchone()[0])' "$T/ref.db")
echo "in-process stored $refev events"

redis-cli -p "$PORT" flushall >/dev/null
before=$(redis-cli -p "$PORT" info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r')
head -n "$MEM" "$T/in.csv" > "$T/mem.csv"
"$V" ingest --to "$R/mem" --feed-file "$T/feed.json" --no-progress --rejects "$T/rej" \
	--observation-time $OBS --worker.max_stream=0 "$T/mem.csv" 2>/dev/null
after=$(redis-cli -p "$PORT" info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r')
echo "memory: $MEM events waiting in a stream: $(( (after - before) / 1048576 )) MiB, $(( (after - before) / MEM )) bytes an event"
