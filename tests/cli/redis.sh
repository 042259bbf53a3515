#!/bin/sh
# Redis Streams workers (docs/scaling.md): a real redis-server on a free loopback port, the
# source (`vigia ingest --to`) and a pipeline of three workers (two running fingerprint,
# enrich and urlcheck, one running dedup, store, aggregate and correlate) end with the same
# events and incidents as the in-process pipeline on the same input; then the same again with
# kill -9 of a worker of each stage in the middle of the run and a replacement started: the
# messages they held are taken over (XAUTOCLAIM) and nothing is lost or stored twice.
# `vigia pipeline status` shows the streams and the groups; a bad message is dropped and
# counted, the good ones go on; with a PostgreSQL store, so is an event the store refuses.
#   REDIS_LINES  lines of the generated feed (default 20000)
#   REDIS_KEEP   keep the work folder
set -u
V=${VIGIA:-build/san/vigia}
LINES=${REDIS_LINES:-20000}
if ! command -v redis-server >/dev/null 2>&1; then
	echo "SKIP redis-server is not installed (sh scripts/deps.sh)"
	exit 0
fi
T=$(mktemp -d)
RPID=""
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	if [ -n "${REDIS_KEEP:-}" ]; then echo "# kept in $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
. tests/lib.sh

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --save '' --appendonly no --port "$PORT" --bind 127.0.0.1 --daemonize no \
	> "$T/redis.log" 2>&1 &
RPID=$!
i=0
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 50 ] && { echo "not ok - redis-server did not start"; exit 1; }
	sleep 0.1
done
R=redis://127.0.0.1:$PORT

# The feed of tests/cli/crash.sh: every tenth line repeats the line five before it.
cat > "$T/feed.json" <<'JSON'
{"parser": "csv",
 "parameters": {"columns": ["source.ip", "classification.type", "time.source", "source.port"]},
 "report": {"feed.name": "redis test"}}
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

# What the store holds, without ids and clock times (workers store in another order): each
# event without its id; each incident by its rule, key, counts and its events' contents.
dump() { # db out
	"$V" events --db "$1" --json --limit 0 | python3 -c 'import json, sys
for l in sys.stdin:
    e = json.loads(l); e.pop("vigia.id", None); print(json.dumps(e, sort_keys=True))' |
		sort > "$2.events"
	python3 - "$1" > "$2.incidents" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(incidents)")]
keep = [c for c in cols if c not in ("id", "created", "updated", "deadline", "merged_into")]
out = []
for row in db.execute("SELECT id, %s FROM incidents" % ", ".join(keep)):
    evs = sorted(r[0] for r in db.execute(
        "SELECT e.fingerprint FROM incident_events ie JOIN events e ON e.id = ie.event "
        "WHERE ie.incident = ?", (row[0],)))
    out.append(repr((row[1:], evs)))
for o in sorted(out):
    print(o)
print("links", db.execute("SELECT count(*) FROM links").fetchone()[0])
print("postings", db.execute("SELECT count(*) FROM postings").fetchone()[0])
PY
}

"$V" ingest --db "$T/ref.db" --feed-file "$T/feed.json" --no-progress --rejects "$T/rej" \
	--observation-time $OBS $SET "$T/in.csv" 2> "$T/ref.err"
rc=$?
check "the in-process run" '[ $rc -eq 0 ]'
dump "$T/ref.db" "$T/ref"
expected=$(python3 -c "import sys; n=int(sys.argv[1]); print(n - n // 10)" "$LINES")
check "in-process: one event per distinct line ($expected)" '[ $(wc -l < "$T/ref.events") -eq $expected ]'

front() { # consumer: the first stage (no store)
	"$V" worker --stage fingerprint,enrich,urlcheck --from "$R/raw$RUN" --to "$R/fp$RUN" \
		--group g --consumer "$1" --idle-exit 4 --worker.claim_after=2s \
		--worker.batch=200 $SET --db "$T/w$RUN.db" 2>> "$T/w$RUN.err" &
}
back() { # consumer: the store stage
	"$V" worker --stage dedup,store,aggregate,correlate --from "$R/fp$RUN" --group g \
		--consumer "$1" --idle-exit 4 --worker.claim_after=2s --worker.batch=200 $SET \
		--db "$T/w$RUN.db" 2>> "$T/w$RUN.err" &
}

# 1. three workers, no crash
RUN=1
"$V" store migrate --db "$T/w1.db" >/dev/null 2>&1
front a1; A1=$!; front a2; A2=$!; back b1; B1=$!
"$V" ingest --to "$R/raw1" --feed-file "$T/feed.json" --no-progress --rejects "$T/rej" \
	--observation-time $OBS $SET "$T/in.csv" 2> "$T/src1.err"
check "ingest --to appends every event" 'grep -q "$LINES events appended" "$T/src1.err"'
wait $A1; s1=$?; wait $A2; s2=$?; wait $B1; s3=$?
check "the three workers end cleanly" '[ $s1 -eq 0 ] && [ $s2 -eq 0 ] && [ $s3 -eq 0 ]'
dump "$T/w1.db" "$T/w1"
check "workers: the same events as in-process" 'cmp -s "$T/ref.events" "$T/w1.events"'
check "workers: the same incidents, links and postings" 'cmp -s "$T/ref.incidents" "$T/w1.incidents"'
"$V" pipeline status "$R/raw1" "$R/fp1" > "$T/status" 2>&1
check "pipeline status: streams drained, nothing pending" \
	'grep -Eq "^raw1 +0 +g +0 +0 +2" "$T/status" && grep -Eq "^fp1 +0 +g +0 +0 +1" "$T/status"'
check "pipeline status: the workers and their counts" 'grep -Eq "^  b1 +dedup,store,aggregate,correlate +$LINES " "$T/status"'

# 2. kill -9 of a worker of each stage mid-run; replacements take their messages over
RUN=2
"$V" store migrate --db "$T/w2.db" >/dev/null 2>&1
"$V" ingest --to "$R/raw2" --feed-file "$T/feed.json" --no-progress --rejects "$T/rej" \
	--observation-time $OBS $SET "$T/in.csv" 2> "$T/src2.err"
front a1; A1=$!; front a2; A2=$!; back b1; B1=$!
# kill once the store worker has committed something but is far from done
i=0
while [ $i -lt 300 ]; do
	c=$(redis-cli -p "$PORT" xlen raw2)
	[ "$c" -lt $((LINES * 2 / 3)) ] && break
	i=$((i + 1)); sleep 0.05
done
sleep 0.3
# ... and while the store worker holds messages it has read and not acknowledged (the front
# workers may have drained raw2 by now): else there would be nothing to take over
i=0
while [ $i -lt 200 ]; do
	[ -n "$(redis-cli -p "$PORT" xpending fp2 g - + 1 b1)" ] && break
	i=$((i + 1)); sleep 0.05
done
kill -KILL $A1 $B1 2>/dev/null
wait $A1 2>/dev/null; wait $B1 2>/dev/null
left=$(redis-cli -p "$PORT" xlen fp2)
echo "# killed a1 and b1; $(redis-cli -p "$PORT" xlen raw2) left in raw2, $left in fp2"
back b2; B2=$!
wait $A2; s2=$?; wait $B2; s3=$?
check "the survivors end cleanly" '[ $s2 -eq 0 ] && [ $s3 -eq 0 ]'
check "they took the dead workers' messages over" 'grep -q "took over" "$T/w2.err"'
dump "$T/w2.db" "$T/w2"
check "after kill -9: the same events (none lost, none twice, same repeats)" 'cmp -s "$T/ref.events" "$T/w2.events"'
check "after kill -9: the same incidents, links and postings" 'cmp -s "$T/ref.incidents" "$T/w2.incidents"'
if [ $bad -gt 0 ]; then
	diff "$T/ref.events" "$T/w2.events" | head -5
	diff "$T/ref.incidents" "$T/w2.incidents" | head -5
	tail -5 "$T/w2.err"
fi

# 3. the store worker dies between its commit and its acknowledgement (the narrowest window,
# forced): the next one finds the messages it takes over marked as stored and stores nothing
# twice, not even a repeat count
RUN=4
"$V" store migrate --db "$T/w4.db" >/dev/null 2>&1
"$V" ingest --to "$R/raw4" --feed-file "$T/feed.json" --no-progress --rejects "$T/rej" \
	--observation-time $OBS $SET "$T/in.csv" 2> "$T/src4.err"
front a1; A1=$!
wait $A1
VIGIA_TEST_DIE_AFTER_COMMIT=3 "$V" worker --stage dedup,store,aggregate,correlate \
	--from "$R/fp4" --group g --consumer b1 --idle-exit 4 --worker.batch=200 $SET \
	--db "$T/w4.db" 2>> "$T/w4.err"
rc=$?
check "the store worker died after its third commit" '[ $rc -eq 137 ]'
check "its last batch is pending" '[ "$(redis-cli -p "$PORT" xpending fp4 g | head -1)" = 200 ]'
back b2; B2=$!
wait $B2; rc=$?
check "the next worker ends cleanly" '[ $rc -eq 0 ]'
check "it found the 200 messages stored before" 'grep -q "200 messages taken over were stored before" "$T/w4.err"'
dump "$T/w4.db" "$T/w4"
check "the same events (no repeat counted twice)" 'cmp -s "$T/ref.events" "$T/w4.events"'
check "the same incidents, links and postings" 'cmp -s "$T/ref.incidents" "$T/w4.incidents"'
marks=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM transport_marks").fetchone()[0])' "$T/w4.db")
check "no transport mark left behind" '[ "$marks" = 0 ]'

# 4. bad messages are dropped and counted; the good ones go on
redis-cli -p "$PORT" xadd raw3 '*' e '{"source.ip": "not an address"' >/dev/null
redis-cli -p "$PORT" xadd raw3 '*' x y >/dev/null
redis-cli -p "$PORT" xadd raw3 '*' e '{"source.ip": "192.0.2.7", "classification.type": "scanner"}' m 'v1 junk' >/dev/null
head -n 5 "$T/in.csv" | "$V" ingest --to "$R/raw3" --feed-file "$T/feed.json" --no-progress \
	--observation-time $OBS - 2>/dev/null
"$V" worker --stage fingerprint --from "$R/raw3" --to "$R/fp3" --group g --idle-exit 1 \
	2> "$T/bad.err"
rc=$?
check "bad messages: the worker goes on" '[ $rc -eq 0 ]'
check "bad messages: three dropped, five passed on" 'grep -q "8 messages, 5 passed on, 0 repeats, 3 dropped" "$T/bad.err"'
check "bad messages: each named" '[ $(grep -c "dropped$" "$T/bad.err") -eq 3 ]'
check "bad messages: the reason given" 'grep -q "unreadable stage data" "$T/bad.err" && grep -q "no event" "$T/bad.err"'

# 5. a store worker on PostgreSQL (tests/run.sh's server): an event the store refuses (a URL
# too long for PostgreSQL's index) is dropped and counted, the good ones of its batch stored
if [ -n "${VIGIA_TEST_PG:-}" ] && [ -n "${VIGIA_TEST_PGDIR:-}" ]; then
	pgw=rw$$
	sh tests/pg-server.sh createdb "$VIGIA_TEST_PGDIR" "$pgw"
	head -n 5 "$T/in.csv" | "$V" ingest --to "$R/raw5" --feed-file "$T/feed.json" \
		--no-progress --observation-time $OBS - 2>/dev/null
	long=$(python3 -c 'import random; random.seed(3); print("http://long.example/" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(9000)))')
	redis-cli -p "$PORT" xadd raw5 '*' e "{\"source.ip\": \"192.0.2.99\", \"classification.type\": \"phishing\", \"source.url\": \"$long\", \"time.observation\": \"$OBS\"}" >/dev/null
	sed -n 11,15p "$T/in.csv" | "$V" ingest --to "$R/raw5" --feed-file "$T/feed.json" \
		--no-progress --observation-time $OBS - 2>/dev/null
	"$V" worker --stage fingerprint,dedup,store,aggregate,correlate --from "$R/raw5" --group g \
		--idle-exit 1 --worker.batch=200 $SET --db "$VIGIA_TEST_PG/$pgw" 2> "$T/pgw.err"
	rc=$?
	check "PostgreSQL store worker: a refused event does not fail the batch" '[ $rc -eq 0 ]'
	check "... it is dropped and counted, named with the reason" \
		'grep -q "11 messages, 10 passed on, 0 repeats, 1 dropped" "$T/pgw.err" &&
		 grep -q "the store refused its event: .*index row.*dropped" "$T/pgw.err"'
	check "... the ten good events of its batch are stored" \
		'"$V" store info --db "$VIGIA_TEST_PG/$pgw" | grep -q "^events: *10$"'
	check "... and the stream is drained" '[ "$(redis-cli -p "$PORT" xlen raw5)" = 0 ]'
else
	echo "# SKIP the PostgreSQL store worker: no PostgreSQL server (tests/run.sh starts one)"
fi

# usage errors
"$V" worker --stage store,dedup --from "$R/x" --group g 2>/dev/null
rc=$?
check "stages out of chain order: usage error" '[ $rc -eq 2 ]'
"$V" worker --stage aggregate --from "$R/x" --group g 2>/dev/null
rc=$?
check "aggregate without store: usage error" '[ $rc -eq 2 ]'
"$V" worker --stage fingerprint --from "http://x/y" --group g 2>/dev/null
rc=$?
check "a URL that is not redis://: usage error" '[ $rc -eq 2 ]'
"$V" worker --stage fingerprint --from "redis://127.0.0.1:1/x" --group g 2>/dev/null
rc=$?
check "no server: I/O error" '[ $rc -eq 3 ]'

echo "1..$n"
[ $bad -eq 0 ]
